import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCODINGS } from '../helpers/encodings.mjs';
import { recordFigure } from '../helpers/figures.js';
import { lineReader } from '../helpers/line-reader.js';
import { childEnv, copyProject, type ProjectCopy, runNode } from './harness.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist', 'cli.js');
const recorder = join(root, 'test', 'helpers', 'record-sockets.cjs');
const encodings = join(root, 'test', 'helpers', 'encodings.mjs');
// Characters that every escaping scheme changes, so each derived form differs from the raw value.
const CANARY_ENV = `CANARY<cli>&"env' 9f8e/7d6c+5b4a`;
const CANARY_FILE = 'CANARY_CLI_FILE_1a2b3c4d5e6f';

let project: string;
let scratchBase: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'cb-cli-'));
  scratchBase = mkdtempSync(join(tmpdir(), 'cb-cli-scratch-'));
  mkdirSync(join(project, 'secrets'));
  writeFileSync(join(project, 'secrets', 'tls.pem'), `-----BEGIN TEST-----\n${CANARY_FILE}\n-----END TEST-----\n`);
  writeFileSync(
    join(project, 'credential-broker.config.json'),
    JSON.stringify({
      backends: { vault: { address: 'https://vault.internal:8200' } },
      credentials: {
        API_TOKEN: 'env:SOURCE_TOKEN',
        TLS_KEY: { ref: 'file:secrets/tls.pem', as: 'file', file: 'tls.pem' },
        DATABASE_URL: 'vault:secret/db#url',
        PAYMENTS: 'aws-sm://payments/api#key',
      },
    })
  );
  // The child prints its secrets every way a careless test would.
  writeFileSync(
    join(project, 'child.mjs'),
    `import { statSync, readFileSync } from 'node:fs';
const token = process.env.API_TOKEN ?? '';
const path = process.env.TLS_KEY ?? '';
import { ENCODINGS } from ${JSON.stringify(pathToFileURL(encodings).href)};
for (const [label, encode] of Object.entries(ENCODINGS)) console.log(label, encode(token));
console.log('colour', token.split('').map((c) => '\\x1b[31m' + c + '\\x1b[39m').join(''));
process.stdout.write(token.slice(0, 7));
await new Promise((r) => setTimeout(r, 150));
process.stdout.write(token.slice(7) + '\\n');
console.error('stderr', token);
console.log('file', path, (statSync(path).mode & 0o777).toString(8), readFileSync(path, 'utf8').split('\\n')[1]);
console.log('pem', readFileSync(path, 'utf8').split('\\n').join(' | '));
console.log('db', process.env.DATABASE_URL === undefined ? 'unset' : 'set');
process.exit(Number(process.env.CHILD_EXIT ?? 0));
`
  );
});

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(scratchBase, { recursive: true, force: true });
});

function runCli(args: string[], extraEnv: Record<string, string> = {}) {
  const record = join(project, `sockets-${Math.random().toString(16).slice(2)}.log`);
  const result = spawnSync(process.execPath, ['--require', recorder, cli, ...args], {
    cwd: project,
    encoding: 'utf8',
    env: {
      ...process.env,
      SOURCE_TOKEN: CANARY_ENV,
      RECORD_SOCKETS_FILE: record,
      XDG_RUNTIME_DIR: scratchBase,
      CREDENTIAL_BROKER_EGRESS: '',
      // The manifest's table, not its stacked form for narrow terminals.
      COLUMNS: '200',
      FORCE_COLOR: '0',
      ...extraEnv,
    },
  });
  const sockets = existsSync(record) ? readFileSync(record, 'utf8') : '';
  return { ...result, sockets };
}

// A child that, told to stop, reads its credential file 300 ms later (it prints the file's length, not a value).
const TEARDOWN = `import { readFileSync } from 'node:fs';
process.on('SIGTERM', () => {
  setTimeout(() => {
    console.log('teardown read ' + readFileSync(process.env.TLS_KEY, 'utf8').length + ' bytes');
    process.exit(0);
  }, 300);
});
console.log(process.pid + ' ' + process.env.TLS_KEY);
setInterval(() => {}, 1000);
`;

/** Cleanup after a test that may have failed: a process the test expected gone may still be there. */
function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone, as it should be.
  }
}

/** `credential-broker run -- node <script>` (or `command`), with its stdout read line by line. */
function startRun(name: string, script: string, command: readonly string[] = [process.execPath, name]) {
  writeFileSync(join(project, name), script);
  const proc = spawn(process.execPath, [cli, 'run', '--', ...command], {
    cwd: project,
    env: { ...process.env, SOURCE_TOKEN: CANARY_ENV, XDG_RUNTIME_DIR: scratchBase },
  });
  const code = new Promise<number | null>((resolveCode) => proc.on('close', (exitCode) => resolveCode(exitCode)));
  const reader = lineReader(proc.stdout, code, () => `credential-broker run -- node ${name} ended before that line`);
  return {
    proc,
    line: reader.nextLine,
    code,
  };
}

describe('credential-broker run', () => {
  it('materialises local credentials, skips network ones with reasons, scrubs every form, opens no socket', () => {
    const result = runCli(['run', '--', process.execPath, 'child.mjs']);
    expect(result.status).toBe(0);
    const out = result.stdout;
    for (const [label, encode] of Object.entries(ENCODINGS)) {
      const line = new RegExp(`^${label} (.*)$`, 'm').exec(out)?.[1] ?? '';
      expect(line, label).toContain('[redacted:API_TOKEN]');
      expect(out, label).not.toContain(encode(CANARY_ENV));
    }
    expect(out).toMatch(/^colour .*redacted:API_TOKEN/m);
    expect(out).toContain('[redacted:API_TOKEN]\n');
    expect(out).toMatch(/^pem .*\[redacted:TLS_KEY\]/m);
    expect(out).toMatch(/^file \S+tls\.pem 600 \[redacted:TLS_KEY\]$/m);
    expect(out).toContain('db unset');
    expect(result.stderr).toContain('stderr [redacted:API_TOKEN]');
    expect(result.stderr).toContain(
      'credential-broker: DATABASE_URL needs vault:secret/db#url (https://vault.internal:8200, self-hosted) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it'
    );
    expect(result.stderr).toContain(
      'credential-broker: PAYMENTS needs aws-sm:payments/api#key (https://secretsmanager.<region>.amazonaws.com, managed-cloud) but egress is disabled'
    );
    for (const text of [out, result.stderr]) {
      expect(text).not.toContain('9f8e/7d6c');
      expect(text).not.toContain(CANARY_FILE);
    }
    // The file existed with mode 600 during the run and is gone after it, with its whole scratch root.
    const path = /^file (\S+)/m.exec(out)?.[1] ?? '';
    expect(path.startsWith(scratchBase)).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(scratchBase)).toEqual([]);
    // The broker process itself (the first pid recorded is the CLI) opened no socket and resolved no name.
    const cliPid = String(result.pid);
    expect(result.sockets.split('\n').filter((line) => line.startsWith(`${cliPid} `))).toEqual([]);
    // The encodings, plus coloured characters, a split write, stderr and a multi-line file's content.
    recordFigure('R1', 'run', { vectors: Object.keys(ENCODINGS).length + 4 });
  });

  it("returns the child's exit code", () => {
    expect(runCli(['run', '--', process.execPath, 'child.mjs'], { CHILD_EXIT: '3' }).status).toBe(3);
  });

  it('forwards SIGTERM to the child and wipes', async () => {
    const run = startRun('sleeper.mjs', 'console.log(process.env.TLS_KEY); setInterval(() => {}, 1000);\n');
    const path = await run.line();
    expect(existsSync(path)).toBe(true);
    run.proc.kill('SIGTERM');
    expect(await run.code).toBe(143);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(scratchBase)).toEqual([]);
  });

  it('lets the child read its files while it shuts down after SIGTERM, and wipes when it has exited', async () => {
    const run = startRun('teardown.mjs', TEARDOWN);
    const [, path] = (await run.line()).split(' ') as [string, string];
    run.proc.kill('SIGTERM');
    // Its teardown, 300 ms after the signal, still found the file (not a value: its length).
    expect(await run.line()).toBe(
      `teardown read ${readFileSync(join(project, 'secrets', 'tls.pem'), 'utf8').length} bytes`
    );
    expect(await run.code).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(scratchBase)).toEqual([]);
  });

  it('signals the whole command: a process under a shell (or npx) gets the SIGTERM and shuts down with its files', async () => {
    const run = startRun(
      'under-shell.mjs',
      TEARDOWN,
      // Not the shell's last command, so the shell waits for it instead of becoming it.
      ['sh', '-c', `"${process.execPath}" under-shell.mjs; echo shell went on`]
    );
    const [pid, path] = (await run.line()).split(' ') as [string, string];
    try {
      run.proc.kill('SIGTERM');
      expect(await run.line()).toBe(
        `teardown read ${readFileSync(join(project, 'secrets', 'tls.pem'), 'utf8').length} bytes`
      );
      // The shell itself died of the signal, as it would in a terminal; run says so and exits as it did.
      expect(await run.code).toBe(143);
      expect(existsSync(path)).toBe(false);
      expect(readdirSync(scratchBase)).toEqual([]);
    } finally {
      killIfAlive(Number(pid));
    }
  });

  it('keeps the files while a process of the command shuts down after its shell has died of the signal', async () => {
    const log = join(project, 'teardown.log');
    const run = startRun('to-log.mjs', TEARDOWN, [
      'sh',
      '-c',
      `echo started; "${process.execPath}" to-log.mjs > "${log}" 2>&1; echo shell went on`,
    ]);
    expect(await run.line()).toBe('started');
    await expect.poll(() => existsSync(log) && readFileSync(log, 'utf8').includes(' ')).toBe(true);
    const [pid] = readFileSync(log, 'utf8').split(' ') as [string];
    try {
      run.proc.kill('SIGTERM');
      expect(await run.code).toBe(143);
      // Its teardown ran after the shell had gone, and still found its file.
      expect(readFileSync(log, 'utf8')).toContain(
        `teardown read ${readFileSync(join(project, 'secrets', 'tls.pem'), 'utf8').length} bytes`
      );
      expect(readdirSync(scratchBase)).toEqual([]);
    } finally {
      killIfAlive(Number(pid));
    }
  });

  it('stops at a signal when the command has exited but a process it left running holds its output', async () => {
    const run = startRun(
      'leaves-one.mjs',
      `import { spawn } from 'node:child_process';
const left = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'inherit' });
left.unref();
console.log(String(left.pid));
`
    );
    const left = Number(await run.line());
    try {
      // The command has exited (code 0), but its output stays open: run waits, as for any output still to come.
      await new Promise((resolveWait) => setTimeout(resolveWait, 300));
      expect(run.proc.exitCode).toBe(null);
      run.proc.kill('SIGTERM');
      // A stopped wait is no success.
      expect(await run.code).toBe(143);
      expect(readdirSync(scratchBase)).toEqual([]);
    } finally {
      killIfAlive(left);
    }
  });

  it('wipes at a second signal while the child is still running, and kills it at the third', async () => {
    const run = startRun(
      'stubborn.mjs',
      `process.on('SIGTERM', () => console.log('ignored'));
console.log(process.pid + ' ' + process.env.TLS_KEY);
setInterval(() => {}, 1000);
`
    );
    const [pid, path] = (await run.line()).split(' ') as [string, string];
    run.proc.kill('SIGTERM');
    expect(await run.line()).toBe('ignored');
    expect(existsSync(path)).toBe(true);
    run.proc.kill('SIGTERM');
    expect(await run.line()).toBe('ignored');
    // The wipe ran before the signal was forwarded, so the child's answer to it comes after.
    expect(existsSync(path)).toBe(false);
    try {
      run.proc.kill('SIGTERM');
      expect(await run.code).toBe(137);
      expect(readdirSync(scratchBase)).toEqual([]);
    } finally {
      killIfAlive(Number(pid));
    }
  });

  it('prints the manifest and needs no scratch dir or socket for it', () => {
    const result = runCli(['manifest', '--json']);
    expect(result.status).toBe(0);
    const manifest = JSON.parse(result.stdout);
    expect(manifest.egress).toEqual({ enabled: false, source: 'default' });
    expect(
      manifest.credentials.map((c: { name: string; badge: string; status: string }) => [c.name, c.badge, c.status])
    ).toEqual([
      ['API_TOKEN', 'local', 'resolve'],
      ['TLS_KEY', 'local', 'resolve'],
      ['DATABASE_URL', 'self-hosted', 'skipped-egress-disabled'],
      ['PAYMENTS', 'managed-cloud', 'skipped-egress-disabled'],
    ]);
    expect(result.sockets).toBe('');
  });
});

describe('credential-broker check, sweep, help', () => {
  it('check resolves local credentials, reports sizes only, and passes with network ones skipped', () => {
    const result = runCli(['check']);
    expect(result.stdout).toContain(`✓ API_TOKEN: ok (${Buffer.byteLength(CANARY_ENV)} bytes from env:SOURCE_TOKEN)`);
    expect(result.stdout).toMatch(/bytes from env:SOURCE_TOKEN\)\n {4}scrub: \d+ form\(s\) registered/);
    expect(result.stdout).toContain('- DATABASE_URL: not checked (egress disabled)');
    expect(result.stdout).toContain('credential-broker: check passed');
    expect(result.stdout + result.stderr).not.toContain('9f8e/7d6c');
    expect(result.status).toBe(0);
  });

  it('check fails with the reason when a local credential cannot be resolved', () => {
    const unset = spawnSync(process.execPath, [cli, 'check'], {
      cwd: project,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', XDG_RUNTIME_DIR: scratchBase },
    });
    expect(unset.stdout).toContain(
      '✗ API_TOKEN: env: read "env:SOURCE_TOKEN": environment variable SOURCE_TOKEN is not set. Export SOURCE_TOKEN in the environment that starts the test run'
    );
    expect(unset.status).toBe(1);
  });

  it('check with --egress names what keeps each network credential from resolving, before any request', () => {
    const result = runCli(['check', '--egress']);
    // The token file's path depends on the user's home directory; the rest of the line does not.
    expect(result.stdout).toContain(
      '✗ DATABASE_URL: vault: read token for "vault:secret/db#url": no Vault token: VAULT_TOKEN is not set and '
    );
    expect(result.stdout).toContain(
      "✗ PAYMENTS: aws-sm: get \"aws-sm:payments/api#key\": no AWS region is configured. Set backends['aws-sm'].region or AWS_REGION, or use the secret's full ARN"
    );
    expect(result.stdout).toContain(
      [
        'logins:',
        '  vault logs in with token from $VAULT_TOKEN or ~/.vault-token',
        '  aws-sm logs in with the AWS SDK default credential chain (env keys, profile, SSO, instance metadata)',
      ].join('\n')
    );
    expect(result.status).toBe(1);
  });

  it('sweep reports what it removed and kept', () => {
    const result = runCli(['sweep']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^credential-broker: swept \d+ stale scratch director(y|ies), kept \d+ in use$/m);
  });

  it('prints help that names every command', () => {
    const result = runCli(['--help']);
    for (const command of ['manifest', 'check', 'run', 'sweep', '--egress', 'CREDENTIAL_BROKER_EGRESS']) {
      expect(result.stdout).toContain(command);
    }
  });
});

// `run -- npm test`: argv shows no Vitest or Jest, so `run` resolves every credential for the whole command; the
// plugin and the preset take them out again before any worker starts. RUN_TOKEN (as both: the value and a _FILE
// path) is set by `run`; ENV_TOKEN is `env:ENV_TOKEN`, already in the environment with the same value, so `run`
// changes nothing there and the plugin's own plan must still read it.
describe.each([
  ['Vitest', 'test'],
  ['Jest', 'test:jest'],
])('credential-broker run -- npm run <script> (%s inside, unseen by argv)', (_runner, script) => {
  let p: ProjectCopy;
  let run: Awaited<ReturnType<typeof runNode>>;

  beforeAll(async () => {
    p = copyProject('run-npm-test', {
      // Jest's cache in the copy's out dir (beside the project), not in the user's temp dir.
      packageJson: { private: true, scripts: { test: 'vitest run', 'test:jest': 'jest --cacheDirectory=../out/jc' } },
      links: ['vitest', 'jest', '.bin'],
    });
    run = await runNode([cli, 'run', '--', 'npm', 'run', '--silent', script], {
      cwd: p.dir,
      env: childEnv(p, /^(VITEST|__VITEST|JEST_|TEST$|NODE_ENV$|NODE_OPTIONS$|CREDENTIAL_BROKER_|npm_)/, {
        ENV_TOKEN: 'BROKER_CANARY_RUN_ENV_SAME_4b8d',
        FORCE_COLOR: '0',
        npm_config_update_notifier: 'false',
      }),
    });
  }, 120_000);
  afterAll(() => p.remove());

  it('gives a test that declares nothing, and a child it starts, none of the values', () => {
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout + run.stderr;
    expect(out).toContain(
      'nothing: test RUN_TOKEN=unset RUN_TOKEN_FILE=unset ENV_TOKEN=unset; child RUN_TOKEN=unset RUN_TOKEN_FILE=unset ENV_TOKEN=unset'
    );
    expect(out).toMatch(
      /credential-broker: `credential-broker run` set 2 variables \(RUN_TOKEN, RUN_TOKEN_FILE\) for the whole command; the (Vitest plugin|Jest preset) removed them/
    );
    expect(out).not.toContain('BROKER_CANARY');
  });

  it('still gives a test that declares them its values, the env: one included', () => {
    expect(run.stdout + run.stderr).toContain('declares: test RUN_TOKEN=set RUN_TOKEN_FILE=set ENV_TOKEN=set');
  });
});
