/**
 * How `credential-broker run` passes the signals it gets to the command it runs, and how long it keeps the
 * command's files after one (docs/cli.md, "Signals").
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { deferWipeOnFirstSignal } from '../materialise/index.js';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
// How long the command may shut down with its files after the first signal (a second one wipes at once). CI systems
// give about as long between their cancel signals: GitHub Actions sends SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s
// after that.
const SHUTDOWN_GRACE_MS = 10_000;
// The third signal kills: a command that ignores the first two would otherwise keep `run`, and its values, alive.
const KILL_AT_SIGNAL = 3;

/** @internal The signals `run` got while its command ran. */
export interface CommandSignals {
  /**
   * The signal that came after the command had exited while a process it left running (in a session of its own,
   * which no signal of ours reaches) still held its output open: `run` stopped waiting for that output.
   */
  readonly abandoned: NodeJS.Signals | undefined;
  /** After a signal, until every process of the command's own group is gone (within the grace period). */
  settled(): Promise<void>;
  /** Puts back what {@link passSignals} installed. */
  stop(): void;
}

/**
 * @internal From now until `stop()`, the signals `run` gets go to its command: to its whole process group when it
 * leads one (no terminal), else to the command alone, and only SIGTERM (a terminal sends SIGINT and SIGHUP to its
 * whole foreground group, the command included). The files stay through the first signal (see
 * {@link deferWipeOnFirstSignal}); the third kills.
 */
export function passSignals(
  child: ChildProcess,
  ownGroup: boolean,
  outputs: readonly (readonly [Readable, Writable])[]
): CommandSignals {
  let received = 0;
  let abandoned: NodeJS.Signals | undefined;
  const send = (signal: NodeJS.Signals): void => {
    if (ownGroup && child.pid !== undefined) {
      try {
        process.kill(-child.pid, signal);
        return;
      } catch {
        // The group is gone: the command alone, if it is still there.
      }
    }
    child.kill(signal);
  };
  const forward = (signal: NodeJS.Signals) => () => {
    received += 1;
    const sent = received >= KILL_AT_SIGNAL ? 'SIGKILL' : signal;
    if (child.exitCode !== null || child.signalCode !== null) {
      // What it left in its group shuts down too; what it left in a session of its own no longer holds `run`.
      abandoned ??= signal;
      send(sent);
      for (const [from, to] of outputs) {
        from.unpipe(to);
        from.destroy();
        to.end();
      }
      return;
    }
    if (ownGroup || sent === 'SIGKILL' || signal === 'SIGTERM') {
      send(sent);
    }
  };
  const handlers = FORWARDED_SIGNALS.map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) {
    process.on(signal, handler);
  }
  const release = deferWipeOnFirstSignal(SHUTDOWN_GRACE_MS);
  return {
    get abandoned() {
      return abandoned;
    },
    async settled() {
      if (ownGroup && received > 0 && child.pid !== undefined) {
        await groupGone(child.pid, SHUTDOWN_GRACE_MS);
      }
    },
    stop() {
      release();
      for (const [signal, handler] of handlers) {
        process.off(signal, handler);
      }
    },
  };
}

async function groupGone(leader: number, withinMs: number): Promise<void> {
  for (const end = Date.now() + withinMs; Date.now() < end; await sleep(50)) {
    try {
      process.kill(-leader, 0);
    } catch {
      return;
    }
  }
}
