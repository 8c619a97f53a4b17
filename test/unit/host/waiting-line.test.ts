import { describe, expect, it } from 'vitest';
import { createWaitingLine, type WaitingLineClock } from '../../../src/host/waiting-line.js';

const CLEAR = '\r\u001b[2K';

/** A clock the test moves by hand: `advance` runs the interval's ticks that fall due. */
function fakeClock(): WaitingLineClock & { advance(ms: number): void; readonly running: number } {
  let now = 0;
  const timers = new Set<{ every: number; due: number; tick: () => void }>();
  return {
    now: () => now,
    every(every, tick) {
      const timer = { every, due: now + every, tick };
      timers.add(timer);
      return () => timers.delete(timer);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...timers].sort((a, b) => a.due - b.due)[0];
        if (next === undefined || next.due > end) {
          break;
        }
        now = next.due;
        next.due += next.every;
        next.tick();
      }
      now = end;
    },
    get running() {
      return timers.size;
    },
  };
}

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (text: string) => writes.push(text) };
}

describe('the waiting line', () => {
  it('stays silent when everything is answered within a second, and stops its timer', () => {
    const clock = fakeClock();
    const stream = fakeStream(true);
    const line = createWaitingLine({ stream, clock });
    const done = line.start('DATABASE_URL', 'vault');
    clock.advance(900);
    done();
    clock.advance(5000);
    expect(stream.writes).toEqual([]);
    expect(clock.running).toBe(0);
  });

  it('after a second names what it waits on with the elapsed time, redraws in place, and is erased at the end', () => {
    const clock = fakeClock();
    const stream = fakeStream(true);
    const line = createWaitingLine({ stream, clock });
    const db = line.start('DATABASE_URL', 'vault');
    clock.advance(500);
    const aws = line.start('AWS_DEPLOY', 'aws-sts');
    clock.advance(500);
    expect(stream.writes).toEqual([
      `${CLEAR}credential-broker: waiting for DATABASE_URL (vault), AWS_DEPLOY (aws-sts) — 1.0s`,
    ]);
    clock.advance(500);
    // At most four redraws a second, each starting at the line's beginning after clearing it.
    expect(stream.writes).toHaveLength(3);
    expect(stream.writes.every((w) => w.startsWith(CLEAR) && !w.includes('\n'))).toBe(true);
    db();
    clock.advance(250);
    // The elapsed time is that of the oldest credential still awaited.
    expect(stream.writes.at(-1)).toBe(`${CLEAR}credential-broker: waiting for AWS_DEPLOY (aws-sts) — 1.3s`);
    aws();
    expect(stream.writes.at(-1)).toBe(CLEAR);
    const count = stream.writes.length;
    clock.advance(5000);
    expect(stream.writes).toHaveLength(count);
    expect(clock.running).toBe(0);
  });

  it('erases the line when what was slow is answered and what remains is not slow yet', () => {
    const clock = fakeClock();
    const stream = fakeStream(true);
    const line = createWaitingLine({ stream, clock });
    const slow = line.start('DATABASE_URL', 'vault');
    clock.advance(1000);
    const fresh = line.start('API_TOKEN', 'sops');
    slow();
    clock.advance(250);
    expect(stream.writes.at(-1)).toBe(CLEAR);
    fresh();
  });

  it('writes nothing at all when stderr is not a terminal', () => {
    const clock = fakeClock();
    const stream = fakeStream(false);
    const line = createWaitingLine({ stream, clock });
    const done = line.start('DATABASE_URL', 'vault');
    clock.advance(10_000);
    done();
    expect(stream.writes).toEqual([]);
    expect(clock.running).toBe(0);
  });
});
