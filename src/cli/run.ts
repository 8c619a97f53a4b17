import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { finishRunCommand } from '../ci/run-hook.js';
import { noConfigError } from '../config/load.js';
import { FILE_PATH_SUFFIX } from '../config/normalise.js';
import { buildManifest } from '../egress/manifest.js';
import { renderManifest } from '../egress/render.js';
import { guardChildEnv } from '../guard/children.js';
import { preloadPath } from '../guard/preload-path.js';
import { ENV_EGRESS } from '../host/egress.js';
import { ENV_RUN_VARS, runVarNames } from '../host/run-vars.js';
import { startSession } from '../host/session.js';
import { openTaskDir } from '../materialise/index.js';
import { createScrubStream } from '../scrub/index.js';
import { passSignals } from './command-signals.js';
import { type CommonOptions, describeError, sessionOptions } from './options.js';

/**
 * @internal Whether the command runs Vitest or Jest (`vitest run`, `npx jest`, `node_modules/.bin/vitest`,
 * `npx vitest@4`, `npm exec vitest`, `pnpm vitest`): their plugin and preset resolve per test themselves, so `run`
 * resolves nothing for them and only passes egress on. A runner this does not see (`npm test`, `sh -c …`) still gets
 * only what each test declares: the plugin and preset remove what `run` set (see `src/host/run-vars.ts`), at the
 * cost of resolving twice.
 */
export function isKnownRunner(command: readonly string[]): boolean {
  const words = command.filter((w) => !w.startsWith('-')).map((w) => w.replace(/^.*[/\\]node(\.exe)?$/, 'node'));
  const [first = '', second = '', third] = words;
  const runner = (w: string | undefined) =>
    w !== undefined && /(^|[/\\])(vitest|jest)(@[\w.^~<>=*-]+)?(\.[cm]?js)?$/.test(w);
  if (runner(first)) {
    return true;
  }
  // `npx vitest`, `node …/vitest.mjs`, `pnpm vitest`, `yarn jest` (a package manager runs a bin by its name)…
  if (['node', 'npx', 'pnpx', 'bunx', 'exec', 'pnpm', 'yarn'].includes(first) && runner(second)) {
    return true;
  }
  // …and `npm exec vitest`, `pnpm exec jest`, `yarn exec`, `pnpm dlx`, `bun x` (`npm vitest` is no npm command).
  return ['npm', 'pnpm', 'yarn', 'bun'].includes(first) && ['exec', 'x', 'dlx'].includes(second) && runner(third);
}

/** Our lines after the child's: a child whose last line has no newline must not have ours glued to it. */
class LineState {
  atLineStart = true;
  see(chunk: string | Buffer): void {
    if (chunk.length > 0) {
      this.atLineStart = (typeof chunk === 'string' ? chunk.at(-1) : String.fromCharCode(chunk.at(-1) ?? 0)) === '\n';
    }
  }
  say(text: string): void {
    process.stderr.write(this.atLineStart ? text : `\n${text}`);
    this.atLineStart = text.endsWith('\n');
  }
}

/**
 * @internal `credential-broker run -- cmd args…`: resolve, materialise for the child (env + 0600 files), pipe its
 * stdout/stderr through the scrubber, forward signals, wipe when it exits, return its exit code.
 */
export async function runCommand(
  command: readonly string[],
  options: CommonOptions & { only?: string; audit?: string }
): Promise<number> {
  const [file, ...args] = command;
  if (file === undefined) {
    process.stderr.write('credential-broker: run needs a command after --\n');
    return 2;
  }
  let session: Awaited<ReturnType<typeof startSession>>;
  try {
    session = await startSession({ ...sessionOptions(options), serve: false });
  } catch (error) {
    process.stderr.write(`credential-broker: ${describeError(error)}\n`);
    return 2;
  }
  try {
    const wanted = options.only
      ?.split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    if (session.config.searched !== undefined && (wanted !== undefined || !isKnownRunner(command))) {
      process.stderr.write(`credential-broker: ${noConfigError(session.config.searched).message}\n`);
      return 2;
    }
    for (const name of wanted ?? []) {
      if (!session.config.credentials.has(name)) {
        process.stderr.write(`credential-broker: --only names ${name}, which the config does not declare\n`);
        return 2;
      }
    }
    // Vitest or Jest inside: the plugin or preset resolves what each test declares (no double resolution); `run`
    // only passes egress on. `--only` still means "these, for the whole command".
    const passThrough = wanted === undefined && isKnownRunner(command);
    const full = session.manifest();
    const manifest =
      wanted === undefined
        ? full
        : buildManifest({
            credentials: [...session.config.credentials.values()].filter((spec) => wanted.includes(spec.name)),
            backends: session.config.config.backends,
            egress: full.egress,
            env: process.env,
            baseDir: session.config.dir,
          });
    if (session.egressEnabled && !passThrough) {
      process.stderr.write(renderManifest(manifest, 'terminal'));
    }
    const entries = passThrough ? [] : manifest.credentials;
    const vars: Record<string, string> = {};
    const held: string[] = [];
    const dir = openTaskDir(session.handle.scratchRoot, 'run');
    for (const entry of entries) {
      if (entry.status !== 'resolve') {
        process.stderr.write(`${entry.reason}\n`);
        continue;
      }
      const spec = session.config.credentials.get(entry.name);
      if (spec === undefined) {
        continue;
      }
      const value = (await session.resolve(spec)).reveal();
      held.push(spec.name);
      if (spec.delivery === 'env' || spec.delivery === 'both') {
        vars[spec.envName] = value;
      }
      if (spec.delivery !== 'env') {
        const path = dir.writeFile(spec.fileName, value);
        vars[spec.delivery === 'file' ? spec.envName : `${spec.envName}${FILE_PATH_SUFFIX}`] = path;
      }
    }
    // A Vitest or Jest that argv did not show (`npm test`, `sh -c …`) removes these from what its workers and tests
    // inherit, and resolves per test itself. `--only` is the user naming credentials for the whole command: kept.
    const whole = wanted === undefined ? runVarNames(vars, process.env) : [];
    const listed = whole.length > 0 ? { [ENV_RUN_VARS]: whole.join(',') } : {};
    // The runner inside reads the same variable: `run --egress -- npx vitest run` turns egress on in the plugin.
    const egress = session.egressEnabled ? { [ENV_EGRESS]: '1' } : {};
    const started = Date.now();
    const lines = new LineState();
    const env = { ...vars, ...listed, ...egress, ...guardVars(session, held, file) };
    const code = await runChild(file, args, env, session.scrubber, lines);
    const guard = session.guardReport().summary;
    if (guard !== undefined) {
      lines.say(`${guard}\n`);
    }
    return finishRunCommand(session, {
      code,
      command,
      started,
      audit: options.audit,
      write: (text) => lines.say(text),
    });
  } catch (error) {
    process.stderr.write(`credential-broker: ${describeError(error)}\n`);
    return 1;
  } finally {
    await session.close();
  }
}

// Node children (and theirs) run the guard from a preload: the child holds every credential for its whole life.
function guardVars(
  session: Awaited<ReturnType<typeof startSession>>,
  held: readonly string[],
  file: string
): Record<string, string> {
  const preload = preloadPath();
  if (session.guard === undefined || preload === undefined) {
    return {};
  }
  const policy = { ...session.guard, held: { names: held, label: `credential-broker run ${file}` } };
  return guardChildEnv(policy, preload, process.env);
}

async function runChild(
  file: string,
  args: readonly string[],
  vars: Readonly<Record<string, string>>,
  scrubber: Parameters<typeof createScrubStream>[0],
  lines: LineState
): Promise<number> {
  // Piping loses the TTY, so keep the child's colours the way CI systems do: tell it colour is fine.
  const colour = process.stdout.isTTY && process.env['FORCE_COLOR'] === undefined ? { FORCE_COLOR: '1' } : {};
  // Without a terminal (CI, a container, `timeout`), the child leads a process group of its own and a signal goes to
  // that whole group: the process that matters is often not the child itself (`npx vitest`: npm runs `sh -c`, which
  // passes no signal on). The price: `detached` is a session of its own, which a SIGKILL of `run`'s group does not
  // reach (supervisors send SIGTERM first, and that is forwarded), and which has no controlling terminal. So from a
  // terminal the child stays in `run`'s group: its prompts (ssh, git, sudo, gpg open /dev/tty) work, and Ctrl-C
  // reaches it directly; a signal sent to `run` alone reaches the child only.
  const fromTerminal = process.stdin.isTTY === true;
  const child = spawn(file, args, {
    stdio: ['inherit', 'pipe', 'pipe'],
    env: { ...process.env, ...colour, ...vars },
    detached: !fromTerminal,
  });
  const out = createScrubStream(scrubber);
  const err = createScrubStream(scrubber);
  child.stdout.pipe(out);
  child.stderr.pipe(err);
  for (const stream of [out, err]) {
    stream.on('data', (chunk: Buffer | string) => lines.see(chunk));
  }
  out.pipe(process.stdout, { end: false });
  err.pipe(process.stderr, { end: false });
  const signals = passSignals(child, !fromTerminal, [
    [child.stdout, out],
    [child.stderr, err],
  ]);
  try {
    const [[code, signal]] = await Promise.all([
      once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>,
      once(out, 'end'),
      once(err, 'end'),
    ]);
    // After a signal, a process of the command's group may still be shutting down when the child has gone (`sh -c
    // 'node x > log'`: the shell dies at once, node's teardown runs on): its files stay until the group is gone.
    await signals.settled();
    if (signal !== null) {
      lines.say(`credential-broker: ${file} was terminated by ${signal}\n`);
      return 128 + (signalNumber(signal) ?? 1);
    }
    const abandoned = signals.abandoned;
    if (abandoned !== undefined) {
      lines.say(
        `credential-broker: ${file} had exited (code ${code}); stopped at ${abandoned} waiting for the output of processes it left running\n`
      );
      return 128 + (signalNumber(abandoned) ?? 1);
    }
    return code ?? 1;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    lines.say(`credential-broker: cannot run ${file} (${code ?? 'error'})\n`);
    // The shell's convention: 127 "command not found", 126 "found but cannot be run".
    return code === 'ENOENT' ? 127 : 126;
  } finally {
    signals.stop();
  }
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal];
}
