import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { lineReader } from '../../../helpers/line-reader.js';

const here = fileURLToPath(new URL('.', import.meta.url));
// Absolute, so that children may run with a cwd outside the repository.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** A child `node --import tsx children/<script>` with line-wise stdout. */
export interface Child {
  readonly proc: ChildProcessWithoutNullStreams;
  /** Resolves with the next stdout line not yet consumed. */
  nextLine(): Promise<string>;
  /** Writes one line to the child's stdin. */
  send(line: string): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Env for children: ours without the variables that steer the scratch base or keep files. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (
      value !== undefined &&
      !/^(XDG_RUNTIME_DIR|TMPDIR|TMP|TEMP|CREDENTIAL_BROKER_KEEP_FILES|NODE_OPTIONS)$/.test(name)
    ) {
      env[name] = value;
    }
  }
  return { ...env, ...extra };
}

export function spawnChild(
  script: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string> }
): Child {
  const proc = spawn(process.execPath, ['--import', tsxLoader, join(here, script), ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: 'pipe',
  });
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    proc.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  const reader = lineReader(proc.stdout, exited, () => `child ${script} exited before printing a line:\n${stderr}`);
  return {
    proc,
    exited,
    nextLine: reader.nextLine,
    send(line) {
      proc.stdin.write(`${line}\n`);
    },
  };
}

/** A pid that certainly belonged to a process which has exited. */
export async function deadPid(): Promise<number> {
  const proc = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => proc.on('close', resolve));
  if (proc.pid === undefined) {
    throw new Error('spawn gave no pid');
  }
  return proc.pid;
}
