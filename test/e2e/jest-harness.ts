/**
 * Runs the real Jest CLI on a copy of a fixture project in a temp dir (fixtures are never written to). The copy
 * resolves `credential-broker` through a symlink to this repository's built package, and `jest-junit` to ours.
 */
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const jestBin = join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js');
const packageRoot = process.env['BROKER_E2E_PACKAGE_ROOT'] ?? repoRoot;

export interface JestProject {
  /** The project directory (Jest's rootDir). */
  readonly dir: string;
  /** Private dir used as XDG_RUNTIME_DIR: the run's scratch root is created here and must vanish. */
  readonly runtimeDir: string;
  /** Reports, probes and Jest's cache, outside the project. */
  readonly outDir: string;
  remove(): void;
}

/** Copies `fixtures/projects/<name>` into a fresh temp dir; links the package unless told not to. */
export function copyJestFixture(name: string, options: { readonly linkPackage?: boolean } = {}): JestProject {
  const base = mkdtempSync(join(tmpdir(), `cb-${name}-`));
  const dir = join(base, 'project');
  cpSync(join(repoRoot, 'fixtures', 'projects', name), dir, { recursive: true });
  // A user's project; CommonJS so that Jest runs the .js tests without a transform.
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `${name}-copy`, private: true }, null, 2)}\n`);
  if (options.linkPackage !== false) {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(packageRoot, join(dir, 'node_modules', 'credential-broker'), 'dir');
    symlinkSync(join(repoRoot, 'node_modules', 'jest-junit'), join(dir, 'node_modules', 'jest-junit'), 'dir');
  }
  const runtimeDir = join(base, 'run');
  mkdirSync(runtimeDir, { mode: 0o700 });
  const outDir = join(base, 'out');
  mkdirSync(outDir);
  return { dir, runtimeDir, outDir, remove: () => rmSync(base, { recursive: true, force: true }) };
}

export interface JestRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly pid: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface JestRunOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
  /** Jest's entry script; the packed-tarball scenario still uses the repository's Jest. */
  readonly bin?: string;
}

// Variables that would change how the child Jest behaves: ours, the parent runner's, colour switches, and the
// AI-agent markers that make Jest 30 pick its terse "agent" reporter over "default".
const INHERITED_NOISE =
  /^(VITEST|__VITEST|JEST_|TEST$|NODE_ENV$|NODE_OPTIONS$|FORCE_COLOR$|NO_COLOR$|CREDENTIAL_BROKER_|AI_AGENT$|AUGMENT_AGENT$|CLAUDE_CODE$|CLAUDECODE$|CODEX_|CURSOR_AGENT$|GEMINI_CLI$|GOOSE_PROVIDER$|OPENCODE$|REPL_ID$)/;

/** The child Jest's environment: ours minus the noise, scratch roots in the project's private dir. */
export function jestEnv(project: JestProject, extra: JestRunOptions['env'] = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!INHERITED_NOISE.test(key)) {
      env[key] = value;
    }
  }
  env['XDG_RUNTIME_DIR'] = project.runtimeDir;
  env['CI'] = '1';
  env['JUNIT_DIR'] = project.outDir;
  env['PROBE_FILE'] = join(project.outDir, 'probe.jsonl');
  env['BROKER_STATS_FILE'] = join(project.outDir, 'stats.json');
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) {
      delete env[key];
    } else {
      env[key] = value;
    }
  }
  return env;
}

/** Runs `jest <args>` in the project. Never rejects on a failing run: the result says how it ended. */
export function runJest(project: JestProject, args: readonly string[], options: JestRunOptions = {}): Promise<JestRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [options.bin ?? jestBin, `--cacheDirectory=${join(project.outDir, 'jest-cache')}`, ...args],
      { cwd: project.dir, env: jestEnv(project, options.env), stdio: ['ignore', 'pipe', 'pipe'] }
    );
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
      resolvePromise({ code, signal, pid: child.pid ?? -1, stdout, stderr });
    });
  });
}

/** What the fixture's tests recorded (paths, modes, pids — never values). */
export function readProbes(project: JestProject): Record<string, string | number | null>[] {
  const file = join(project.outDir, 'probe.jsonl');
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, string | number | null>)
    : [];
}

/** Every file under `dir`, recursively, with its text (the leak sweep over a project, reports and scratch). */
export function filesUnder(dir: string): { readonly path: string; readonly text: string }[] {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((entry) => join(dir, entry))
    .filter((path) => !path.includes(`${join('node_modules', '')}`) && statSync(path).isFile())
    .map((path) => ({ path, text: readFileSync(path, 'latin1') }));
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

/**
 * The forms of a sentinel that must not appear anywhere, by name: the value, and the encodings the fixture's tests
 * print (JSON-escaped, URL-encoded, base64, hex). Each is long enough to be unambiguous.
 */
export function sentinelForms(value: string): Record<string, string> {
  const bytes = Buffer.from(value, 'utf8');
  return {
    raw: value,
    json: JSON.stringify(value).slice(1, -1),
    url: encodeURIComponent(value),
    base64: bytes.toString('base64').replace(/=+$/, '').slice(0, -1),
    hex: bytes.toString('hex'),
  };
}

/** Where a form of a sentinel shows up in the given texts, by label (expect this to equal []). */
export function findLeaks(
  texts: readonly { readonly where: string; readonly text: string }[],
  sentinels: Readonly<Record<string, string>>
): string[] {
  const found: string[] = [];
  for (const [label, sentinel] of Object.entries(sentinels)) {
    for (const [form, needle] of Object.entries(sentinelForms(sentinel))) {
      for (const { where, text } of texts) {
        if (text.includes(needle) || stripAnsi(text).includes(needle)) {
          found.push(`${where}: ${label} (${form})`);
        }
      }
    }
  }
  return found;
}
