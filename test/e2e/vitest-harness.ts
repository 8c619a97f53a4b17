/**
 * Runs the real Vitest CLI on a copy of a fixture project (see harness.ts). The copy resolves `credential-broker`
 * and `vitest` through symlinks to this repository's built package and its Vitest.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { childEnv, copyProject, type NodeRun, type ProjectCopy, repoRoot, runNode } from './harness.js';

export const vitestBin = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');

/** A copy of a Vitest fixture: `dir` is the Vitest root. */
export type FixtureCopy = ProjectCopy;
export type RunResult = NodeRun;

export interface RunOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
  /** The run's stdout is this file instead of a pipe (see runNode). */
  readonly stdoutFile?: string;
  /** Called with the child as soon as it is spawned (signal scenarios). */
  readonly onSpawn?: (child: ChildProcess) => void;
  /** Defaults to the repository's Vitest; the packed-tarball scenario runs the project's own. */
  readonly bin?: string;
}

/** Copies `fixtures/projects/<name>` into a fresh temp dir and links the package and Vitest into it. */
export function copyFixture(
  name: string,
  options: { readonly linkPackage?: boolean; readonly copyPackage?: boolean } = {}
): FixtureCopy {
  // What a user's project has; in the repository the fixtures use the package's own package.json instead.
  return copyProject(name, { packageJson: { private: true, type: 'module' }, links: ['vitest'], ...options });
}

// Everything the parent Vitest set for its own workers, and what would change how the child behaves.
const INHERITED_NOISE = /^(VITEST|__VITEST|TEST$|NODE_ENV$|NODE_OPTIONS$|FORCE_COLOR$|NO_COLOR$|CREDENTIAL_BROKER_)/;

/** Runs `vitest run <args>` in the copy. Never rejects on a failing run: the result says how it ended. */
export function runVitest(copy: FixtureCopy, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return runNode([options.bin ?? vitestBin, 'run', ...args], {
    cwd: copy.dir,
    env: childEnv(copy, INHERITED_NOISE, {}, options.env),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.stdoutFile === undefined ? {} : { stdoutFile: options.stdoutFile }),
    ...(options.onSpawn === undefined ? {} : { onSpawn: options.onSpawn }),
  });
}
