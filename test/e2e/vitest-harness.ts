/**
 * Runs the real Vitest CLI on a copy of a fixture project in a temp dir (fixtures are never written to). The copy
 * resolves `credential-broker` and `vitest` through symlinks to this repository's built package and its Vitest.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const vitestBin = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
// The built package the copies link to: this repository (its dist), unless a developer points elsewhere.
const packageRoot = process.env.BROKER_E2E_PACKAGE_ROOT || repoRoot;

export interface FixtureCopy {
  /** The project directory (the Vitest root). */
  readonly dir: string;
  /** A private dir used as XDG_RUNTIME_DIR, so the run's scratch root is created (and must vanish) here. */
  readonly runtimeDir: string;
  /** A scratch dir for probe files and reports, outside the project. */
  readonly outDir: string;
  remove(): void;
}

/** Copies `fixtures/projects/<name>` into a fresh temp dir and links the package and Vitest into it. */
export function copyFixture(name: string, options: { readonly linkPackage?: boolean } = {}): FixtureCopy {
  const base = mkdtempSync(join(tmpdir(), `cb-${name}-`));
  const dir = join(base, 'project');
  cpSync(join(repoRoot, 'fixtures', 'projects', name), dir, { recursive: true });
  // What a user's project has; in the repository the fixtures use the package's own package.json instead.
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ private: true, type: 'module' }, null, 2)}\n`);
  if (options.linkPackage !== false) {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(packageRoot, join(dir, 'node_modules', 'credential-broker'), 'dir');
    symlinkSync(join(repoRoot, 'node_modules', 'vitest'), join(dir, 'node_modules', 'vitest'), 'dir');
  }
  const runtimeDir = join(base, 'run');
  mkdirSync(runtimeDir, { mode: 0o700 });
  const outDir = join(base, 'out');
  mkdirSync(outDir);
  return { dir, runtimeDir, outDir, remove: () => rmSync(base, { recursive: true, force: true }) };
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
  /** Called with the child as soon as it is spawned (signal scenarios). */
  readonly onSpawn?: (child: import('node:child_process').ChildProcess) => void;
  /** Defaults to the repository's Vitest; the packed-tarball scenario runs the project's own. */
  readonly bin?: string;
}

/** The environment of a child Vitest: ours minus everything the parent Vitest set for its own workers. */
export function childEnv(copy: FixtureCopy, extra: RunOptions['env'] = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(VITEST|__VITEST|TEST$|NODE_ENV$|NODE_OPTIONS$|FORCE_COLOR$|NO_COLOR$|CREDENTIAL_BROKER_)/.test(key)) {
      env[key] = value;
    }
  }
  env.XDG_RUNTIME_DIR = copy.runtimeDir;
  env.CI = '1';
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) {
      delete env[key];
    } else {
      env[key] = value;
    }
  }
  return env;
}

/** Runs `vitest run <args>` in the copy. Never rejects on a failing run: the result says how it ended. */
export function runVitest(copy: FixtureCopy, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [options.bin ?? vitestBin, 'run', ...args], {
      cwd: copy.dir,
      env: childEnv(copy, options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Every entry left under a directory, recursively (the scratch root check). */
export function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

/** Removes ANSI escape sequences, for assertions on coloured output. */
export function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}
