import type { Circus } from '@jest/types';
import { describe, expect, test } from 'vitest';
import { CircusEvents } from '../../../jest-environment/circus-events.js';

const EVENT_HANDLERS = Symbol.for('EVENT_HANDLERS');

// A sandbox global as jest-circus leaves it before `initialize` reads handleTestEvent: its own handlers listed.
function sandbox(...handlers: Circus.EventHandler[]) {
  const list = [...handlers];
  return { global: { [EVENT_HANDLERS]: list }, list };
}

const EVENT = { name: 'run_start' } as Circus.Event;
const STATE = {} as Circus.State;

const named = (name: string, seen: string[]): Circus.EventHandler =>
  (() => void seen.push(name)) as Circus.EventHandler;

// What circus's dispatch does: every handler in the live list, in order.
async function dispatch(list: Circus.EventHandler[], event: string): Promise<void> {
  for (const handler of list) {
    await handler({ name: event } as Circus.AsyncEvent, {} as Circus.State);
  }
}

describe(CircusEvents.name, () => {
  test('joins the handler list itself and reads as undefined, so that circus adds nothing', () => {
    const seen: string[] = [];
    const ours = named('ours', seen);
    const { global, list } = sandbox(named('circus', seen));
    const events = new CircusEvents(ours);
    expect(events.provide(global)).toBeUndefined();
    expect(list).toEqual([expect.any(Function), ours]);
    expect(events.provide(global)).toBeUndefined();
    expect(list).toHaveLength(2);
  });

  test('reads as the handler when the global has no list (another circus), and then never leaves', () => {
    const ours = named('ours', []);
    const events = new CircusEvents(ours);
    expect(events.provide({})).toBe(ours);
    expect(events.leave(EVENT, STATE)).toBeUndefined();
    events.attach();
    expect(events.provide({})).toBe(ours);
  });

  test('leaves during a dispatch and hands the event to the handler after it, which would miss it otherwise', async () => {
    const seen: string[] = [];
    const { global, list } = sandbox(named('first', seen));
    let events!: CircusEvents;
    const ours = ((event: Circus.Event, state: Circus.State) => {
      seen.push(`ours:${event.name}`);
      return event.name === 'run_start' ? events.leave(event, state) : undefined;
    }) as Circus.EventHandler;
    events = new CircusEvents(ours);
    events.provide(global);
    list.push(
      (async (event: Circus.Event) => void seen.push(`later:${event.name}`)) as Circus.EventHandler,
      named('last', seen)
    );
    await dispatch(list, 'run_start');
    await dispatch(list, 'test_start');
    expect(seen).toEqual(['first', 'ours:run_start', 'later:run_start', 'last', 'first', 'later:test_start', 'last']);
    events.attach();
    events.attach();
    expect(list.at(-1)).toBe(ours);
    expect(list).toHaveLength(4);
  });
});
