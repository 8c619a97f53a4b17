import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * @internal Written into each scratch root so that `sweep` can tell a dead owner from a live one, and a
 * reused pid from the original process.
 */
export interface OwnerRecord {
  readonly version: 1;
  readonly pid: number;
  /** Containers sharing a temp dir have separate pid namespaces: a pid is only meaningful on its own host. */
  readonly hostname: string;
  readonly startedAt: string;
  /** Linux: field 22 of `/proc/<pid>/stat`, the start time in clock ticks since boot. Identifies pid reuse. */
  readonly startTicks?: string;
}

/** @internal The record for this process. */
export function currentOwnerRecord(): OwnerRecord {
  const startTicks = processStartTicks(process.pid);
  return {
    version: 1,
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    ...(startTicks === undefined ? {} : { startTicks }),
  };
}

/** @internal Parses a record; undefined for anything that is not one. */
export function parseOwnerRecord(text: string): OwnerRecord | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) {
    return undefined;
  }
  const { version, pid, hostname: host, startedAt, startTicks } = data as Record<string, unknown>;
  if (version !== 1 || !Number.isSafeInteger(pid) || typeof host !== 'string' || typeof startedAt !== 'string') {
    return undefined;
  }
  return {
    version: 1,
    pid: pid as number,
    hostname: host,
    startedAt,
    ...(typeof startTicks === 'string' ? { startTicks } : {}),
  };
}

/** @internal Start time of `pid` in clock ticks since boot, on Linux; undefined elsewhere or when it is gone. */
export function processStartTicks(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is parenthesised and may contain spaces or ')': split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the name start at field 3, so field 22 is index 19.
  const ticks = fields[19];
  return ticks !== undefined && /^\d+$/.test(ticks) ? ticks : undefined;
}

/** @internal Whether a process with this pid exists (signal 0). EPERM means it exists but is not ours. */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
