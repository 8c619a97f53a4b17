import type { ResolvedConfig, Vitest } from 'vitest/node';
import { type Scrubber, scrubDeep } from '../src/scrub/index.js';

type FrameFilter = NonNullable<ResolvedConfig['onStackTrace']>;
type ErrorFilter = NonNullable<ResolvedConfig['onUnhandledError']>;

const WRAPPED = Symbol.for('credential-broker.vitest.error-hooks.v1');
type Marked = { [WRAPPED]?: true };

/**
 * The config's own error hooks are user code in the main process, and users forward what they get (to a file, an
 * error tracker). Vitest calls them while it takes in what a worker sent, before any reporter sees it:
 * `onStackTrace(error, frame)` for each frame of a test's error, `onUnhandledError(error)` as an unhandled error
 * arrives. Each now gets the error scrubbed in place first, as every reporter later gets it. Without such a hook
 * nothing is wrapped.
 */
export function scrubErrorHooks(vitest: Vitest, config: ResolvedConfig, scrubber: () => Scrubber | undefined): void {
  // A project's config, and the root's: Vitest reads the hook from either, depending on where the error came from.
  for (const target of new Set([config, vitest.config])) {
    const frameFilter = target.onStackTrace;
    if (frameFilter !== undefined && !(frameFilter as Marked)[WRAPPED]) {
      target.onStackTrace = scrubbedFrameFilter(frameFilter, scrubber);
    }
  }
  // The state keeps its own reference to the config's hook, taken when Vitest resolved the config.
  const state = vitest.state as unknown as { onUnhandledError?: ErrorFilter };
  const errorFilter = state.onUnhandledError;
  if (errorFilter !== undefined && !(errorFilter as Marked)[WRAPPED]) {
    state.onUnhandledError = mark(((error) => {
      const current = scrubber();
      if (current !== undefined) {
        scrubDeep(error, current);
      }
      return errorFilter(error);
    }) satisfies ErrorFilter);
  }
}

function scrubbedFrameFilter(frameFilter: FrameFilter, scrubber: () => Scrubber | undefined): FrameFilter {
  // Called once per frame: the error is scrubbed on its first.
  const scrubbed = new WeakSet<object>();
  return mark(((error, frame) => {
    const current = scrubber();
    if (current !== undefined) {
      if (!scrubbed.has(error)) {
        scrubbed.add(error);
        scrubDeep(error, current);
      }
      scrubDeep(frame, current);
    }
    return frameFilter(error, frame);
  }) satisfies FrameFilter);
}

function mark<F extends object>(fn: F): F {
  (fn as Marked)[WRAPPED] = true;
  return fn;
}
