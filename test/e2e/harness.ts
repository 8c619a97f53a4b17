/**
 * What the Jest and Vitest end-to-end harnesses share: a copy of a fixture project in a temp dir (fixtures are never
 * written to) linked to this repository's built package, a child runner's environment, a spawned run with its
 * output collected, and the leak search over what a run left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
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
// The built package the copies link to: this repository (its dist), unless a developer points elsewhere.
const packageRoot = process.env['BROKER_E2E_PACKAGE_ROOT'] || repoRoot;

export interface ProjectCopy {
  /** The project directory (the runner's root). */
  readonly dir: string;
  /** A private dir used as XDG_RUNTIME_DIR, so the run's scratch root is created (and must vanish) here. */
  readonly runtimeDir: string;
  /** A scratch dir for probe files, reports and caches, outside the project. */
  readonly outDir: string;
  remove(): void;
}

export interface CopyOptions {
  /** The copy's own package.json (what a user's project has). */
  readonly packageJson: Readonly<Record<string, unknown>>;
  /** Packages of this repository's node_modules linked next to `credential-broker`. */
  readonly links: readonly string[];
  /** `false` leaves node_modules out (the packed-tarball scenarios install into it). */
  readonly linkPackage?: boolean;
  /**
   * The package as npm installs it: a copy of its package.json and dist/ in node_modules, where Vite leaves it to
   * Node's loader (a link resolves outside node_modules, and Vite runs the file itself), with this repository's
   * other packages linked beside it for its dependencies.
   */
  readonly copyPackage?: boolean;
}

/** Copies `fixtures/projects/<name>` into a fresh temp dir; links the package and `links` unless told not to. */
export function copyProject(name: string, options: CopyOptions): ProjectCopy {
  const base = mkdtempSync(join(tmpdir(), `cb-${name}-`));
  const dir = join(base, 'project');
  cpSync(join(repoRoot, 'fixtures', 'projects', name), dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(options.packageJson, null, 2)}\n`);
  if (options.copyPackage === true) {
    const installed = join(dir, 'node_modules', 'credential-broker');
    mkdirSync(installed, { recursive: true });
    cpSync(join(packageRoot, 'package.json'), join(installed, 'package.json'));
    cpSync(join(packageRoot, 'dist'), join(installed, 'dist'), { recursive: true });
    for (const entry of readdirSync(join(repoRoot, 'node_modules'))) {
      if (entry !== 'credential-broker' && !entry.startsWith('.')) {
        symlinkSync(join(repoRoot, 'node_modules', entry), join(dir, 'node_modules', entry), 'dir');
      }
    }
  } else if (options.linkPackage !== false) {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(packageRoot, join(dir, 'node_modules', 'credential-broker'), 'dir');
    for (const link of options.links) {
      symlinkSync(join(repoRoot, 'node_modules', link), join(dir, 'node_modules', link), 'dir');
    }
  }
  const runtimeDir = join(base, 'run');
  mkdirSync(runtimeDir, { mode: 0o700 });
  const outDir = join(base, 'out');
  mkdirSync(outDir);
  return { dir, runtimeDir, outDir, remove: () => rmSync(base, { recursive: true, force: true }) };
}

/**
 * A child runner's environment: ours minus the variables matching `noise`, scratch roots in the copy's private dir,
 * `CI=1`, then `set`, then `extra` (where `undefined` removes a variable).
 */
export function childEnv(
  copy: ProjectCopy,
  noise: RegExp,
  set: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string | undefined>> = {}
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!noise.test(key)) {
      env[key] = value;
    }
  }
  env['XDG_RUNTIME_DIR'] = copy.runtimeDir;
  env['CI'] = '1';
  Object.assign(env, set);
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) {
      delete env[key];
    } else {
      env[key] = value;
    }
  }
  return env;
}

export interface NodeRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly pid: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NodeRunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Called with the child as soon as it is spawned (signal scenarios). */
  readonly onSpawn?: (child: ChildProcess) => void;
  /** The child's stdout is this file (as in `> out.txt`) instead of a pipe; `stdout` is read from it at the end. */
  readonly stdoutFile?: string;
}

/** Runs `node <args>` and collects its output. Never rejects on a failing run: the result says how it ended. */
export function runNode(args: readonly string[], options: NodeRunOptions): Promise<NodeRun> {
  return new Promise((resolvePromise, reject) => {
    const file = options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, 'w');
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', file ?? 'pipe', 'pipe'],
    });
    if (file !== undefined) {
      closeSync(file);
    }
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (options.stdoutFile !== undefined) {
        stdout = readFileSync(options.stdoutFile, 'utf8');
      }
      resolvePromise({ code, signal, pid: child.pid ?? -1, stdout, stderr });
    });
  });
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

/** Whether `pid` is running: not gone, and not a zombie left for an init that may never reap it. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return existsSync(`/proc/${pid}`) || process.platform !== 'linux';
  }
}
