import type { Circus } from '@jest/types';

/** jest-circus's list of event handlers, kept on the test file's global (jest-circus `state.ts`). */
const EVENT_HANDLERS = Symbol.for('EVENT_HANDLERS');

/** @internal Turns the environment's subscription to jest-circus events on and off. */
export interface TestEvents {
  /** Receive events from now on (idempotent). */
  attach(): void;
  /**
   * Stop receiving events, from inside the handler's own call for `event`, and only for an event circus dispatches
   * alone (`run_start`); returns what the handler returns.
   */
  leave(event: Circus.Event, state: Circus.State): void | Promise<void>;
}

/**
 * @internal The environment's place in jest-circus's handler list, held directly so that it can leave it.
 *
 * jest-circus awaits every handler for every asynchronous event: an environment with `handleTestEvent` costs a
 * promise per event, about eight per test. In a Jest worker each promise costs more the more files the worker has
 * run, because each file's jest-circus leaves an AsyncLocalStorage enabled and every new promise propagates through
 * all of them. A file whose credentials are all file-level needs no per-test events, so the broker leaves once the
 * run starts and attaches again only when a test asks for its own credentials.
 */
export class CircusEvents implements TestEvents {
  readonly #handler: Circus.EventHandler;
  #handlers: Circus.EventHandler[] | undefined;
  #attached = false;

  constructor(handler: Circus.EventHandler) {
    this.#handler = handler;
  }

  /**
   * What the environment's `handleTestEvent` reads as when jest-circus looks (once, in its `initialize`, after its
   * own handlers are in the list): when the list is on `global` we join it ourselves and answer undefined, so that
   * circus adds nothing; otherwise (another circus) the handler, which circus then calls for every event.
   */
  provide(global: object): Circus.EventHandler | undefined {
    if (this.#handlers !== undefined) {
      return undefined;
    }
    const list = (global as Record<symbol, unknown>)[EVENT_HANDLERS];
    if (!Array.isArray(list)) {
      return this.#handler;
    }
    this.#handlers = list as Circus.EventHandler[];
    this.attach();
    return undefined;
  }

  attach(): void {
    if (this.#handlers !== undefined && !this.#attached) {
      this.#handlers.push(this.#handler);
      this.#attached = true;
    }
  }

  /**
   * Removes the handler while circus is calling it. circus's `dispatch` walks the live array with `for…of`, now at
   * the handler's index; the next step reads the index after it, so the handler that moves into its place would
   * miss this event: it is called here instead, and its result returned for circus to await. Safe only when no
   * other dispatch is midway through the array, which holds for `run_start` (circus awaits it before anything runs)
   * but not for events of concurrent tests.
   */
  leave(event: Circus.Event, state: Circus.State): void | Promise<void> {
    const list = this.#handlers;
    const at = this.#attached && list !== undefined ? list.indexOf(this.#handler) : -1;
    if (list === undefined || at === -1) {
      return;
    }
    list.splice(at, 1);
    this.#attached = false;
    return list[at]?.(event as Circus.AsyncEvent, state);
  }
}
