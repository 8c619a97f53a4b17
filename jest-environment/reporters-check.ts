/**
 * A preset cannot order reporters, and a user's `reporters` replaces the preset's: without ours, every other
 * reporter and `--json` receive results only the worker scrubbed (docs/jest.md, "Your own reporters"). Said once,
 * at the start of the run, naming the config key and the fix; it names no credential and no value.
 */
import { realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Config } from '@jest/types';

const OURS = 'jest-reporter.cjs';

/** @internal The warning line when Jest's `reporters` is set and does not list ours, else undefined. */
export function missingReporterWarning(globalConfig: Config.GlobalConfig): string | undefined {
  const reporters = globalConfig.reporters;
  if (!Array.isArray(reporters) || reporters.some((entry) => isOurs(Array.isArray(entry) ? entry[0] : entry))) {
    return undefined;
  }
  return (
    "credential-broker: Jest's `reporters` does not list 'credential-broker/jest-reporter', so the other reporters, " +
    "--json and --outputFile receive results our reporter has not scrubbed. List it first: reporters: ['credential-broker/jest-reporter', 'default', …]"
  );
}

// Jest hands reporters' paths resolved; ours is the file next to this bundle (through a link or not).
function isOurs(path: unknown): boolean {
  if (typeof path !== 'string' || basename(path) !== OURS) {
    return false;
  }
  return real(path) === real(join(__dirname, OURS));
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
