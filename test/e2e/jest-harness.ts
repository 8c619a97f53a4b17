/**
 * Runs the real Jest CLI on a copy of a fixture project (see harness.ts). The copy resolves `credential-broker`
 * through a symlink to this repository's built package, and `jest-junit` to ours.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv, copyProject, type NodeRun, type ProjectCopy, repoRoot, runNode } from './harness.js';

export const jestBin = join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js');

/** A copy of a Jest fixture: `dir` is Jest's rootDir; `outDir` holds reports, probes and Jest's cache. */
export type JestProject = ProjectCopy;
export type JestRun = NodeRun;

export interface JestRunOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
  /** The run's stdout is this file instead of a pipe (see runNode). */
  readonly stdoutFile?: string;
  /** Jest's entry script; the packed-tarball scenario still uses the repository's Jest. */
  readonly bin?: string;
}

/** Copies `fixtures/projects/<name>` into a fresh temp dir; links the package unless told not to. */
export function copyJestFixture(name: string, options: { readonly linkPackage?: boolean } = {}): JestProject {
  return copyProject(name, {
    // A user's project; CommonJS so that Jest runs the .js tests without a transform.
    packageJson: { name: `${name}-copy`, private: true },
    links: ['jest-junit'],
    ...options,
  });
}

// Variables that would change how the child Jest behaves: ours, the parent runner's, colour switches, and the
// AI-agent markers that make Jest 30 pick its terse "agent" reporter over "default".
const INHERITED_NOISE =
  /^(VITEST|__VITEST|JEST_|TEST$|NODE_ENV$|NODE_OPTIONS$|FORCE_COLOR$|NO_COLOR$|CREDENTIAL_BROKER_|AI_AGENT$|AUGMENT_AGENT$|CLAUDE_CODE$|CLAUDECODE$|CODEX_|CURSOR_AGENT$|GEMINI_CLI$|GOOSE_PROVIDER$|OPENCODE$|REPL_ID$)/;

/** The child Jest's environment: ours minus the noise, scratch roots in the project's private dir. */
export function jestEnv(project: JestProject, extra: JestRunOptions['env'] = {}): NodeJS.ProcessEnv {
  const set = {
    JUNIT_DIR: project.outDir,
    PROBE_FILE: join(project.outDir, 'probe.jsonl'),
    BROKER_STATS_FILE: join(project.outDir, 'stats.json'),
  };
  return childEnv(project, INHERITED_NOISE, set, extra);
}

/** Runs `jest <args>` in the project. Never rejects on a failing run: the result says how it ended. */
export function runJest(project: JestProject, args: readonly string[], options: JestRunOptions = {}): Promise<JestRun> {
  return runNode([options.bin ?? jestBin, `--cacheDirectory=${join(project.outDir, 'jest-cache')}`, ...args], {
    cwd: project.dir,
    env: jestEnv(project, options.env),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.stdoutFile === undefined ? {} : { stdoutFile: options.stdoutFile }),
  });
}

/** What the fixture's tests recorded in PROBE_FILE (paths, modes, pids — never values). */
export function readProbes(project: JestProject): Record<string, string | number | null>[] {
  const file = join(project.outDir, 'probe.jsonl');
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, string | number | null>)
    : [];
}
