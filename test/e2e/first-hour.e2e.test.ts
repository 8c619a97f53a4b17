/**
 * What a new user meets in the first hour (issue 13), with the real CLI, Vitest and Jest: config discovery that says
 * what it did, YAML configs, one story for egress on the command line, clean errors for the user's own mistakes.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, repoRoot, runNode, stripAnsi } from './harness.js';

const cli = join(repoRoot, 'dist', 'cli.js');
const vitestBin = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
const jestBin = join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js');
// TEST ONLY sentinel.
const SENTINEL = 'SENTINEL-first-hour-4f1c2a9b';
// What a token pasted into a docblock looks like (TEST ONLY): random, mixed case and digits.
const PASTED = `CANARY${randomBytes(18).toString('base64').replace(/[+/=]/g, 'x')}`;
const bases: string[] = [];

afterAll(() => {
  for (const base of bases) {
    rmSync(base, { recursive: true, force: true });
  }
});

/** A temp project with these files, the package and the runners linked in; `dir` is its root. */
function project(files: Record<string, string>) {
  const base = mkdtempSync(join(tmpdir(), 'cb-first-hour-'));
  bases.push(base);
  const dir = join(base, 'project');
  const runtimeDir = join(base, 'run');
  mkdirSync(runtimeDir, { mode: 0o700 });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(repoRoot, join(dir, 'node_modules', 'credential-broker'), 'dir');
  symlinkSync(join(repoRoot, 'node_modules', 'vitest'), join(dir, 'node_modules', 'vitest'), 'dir');
  for (const [path, text] of Object.entries({ 'package.json': '{ "private": true, "type": "module" }\n', ...files })) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const env = (extra: Record<string, string | undefined> = {}) =>
    childEnv(
      { dir, runtimeDir, outDir: base, remove: () => undefined },
      /^(VITEST|__VITEST|TEST$|NODE_ENV$|NODE_OPTIONS$|FORCE_COLOR$|CREDENTIAL_BROKER_)/,
      { NO_COLOR: '1', SOURCE_TOKEN: SENTINEL },
      extra
    );
  return {
    dir,
    cli: (args: string[], extra: Record<string, string | undefined> = {}) =>
      runNode([cli, ...args], { cwd: dir, env: env(extra) }),
    vitest: (args: string[] = []) => runNode([vitestBin, 'run', ...args], { cwd: dir, env: env() }),
    jest: (args: string[] = []) => runNode([jestBin, ...args], { cwd: dir, env: env() }),
  };
}

const YAML_CONFIG = `# TEST ONLY
backends:
  vault:
    address: https://vault.internal:8200
credentials:
  API_TOKEN: env:SOURCE_TOKEN
  DATABASE_URL: vault:secret/db#url
`;

function expectNoSentinel(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(SENTINEL);
  }
}

describe('config discovery', () => {
  it('reads credential-broker.config.yaml', async () => {
    const p = project({ 'credential-broker.config.yaml': YAML_CONFIG });
    const run = await p.cli(['manifest', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).credentials.map((c: { name: string }) => c.name)).toEqual([
      'API_TOKEN',
      'DATABASE_URL',
    ]);
  }, 60_000);

  it('names the file and line of a YAML mistake, without quoting it', async () => {
    const p = project({
      'credential-broker.config.yml': `credentials:\n  API_TOKEN: env:SOURCE_TOKEN\n bad: [${SENTINEL}\n`,
    });
    const run = await p.cli(['manifest']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`load config "${p.dir}/credential-broker\\.config\\.yml:\\d+": YAML `));
    expectNoSentinel(run.stdout, run.stderr);
  }, 60_000);

  it('refuses a credential-broker.config.* it does not read, by name', async () => {
    const p = project({ 'credential-broker.config.toml': '[credentials]\n' });
    const run = await p.cli(['manifest']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`"${p.dir}/credential-broker.config.toml": credential-broker does not read`);
  }, 60_000);

  it('with no config file: the CLI names the file names and the directories it searched, and exits non-zero', async () => {
    const p = project({});
    for (const command of [['manifest'], ['check'], ['run', '--', process.execPath, '-e', '0']]) {
      const run = await p.cli(command);
      expect(run.code, command.join(' ')).not.toBe(0);
      expect(run.stderr).toContain('no config file was found: looked for credential-broker.config.{ts,mts,cts,');
      expect(run.stderr).toContain(`yaml,yml} in ${p.dir}, `);
      expect(run.stderr).toContain(`Create ${p.dir}/credential-broker.config.yaml`);
    }
  }, 90_000);

  it('with no config file: a Vitest run that declares nothing runs silently; one that declares stops cleanly', async () => {
    const p = project({
      'vitest.config.ts':
        "import { credentialBroker } from 'credential-broker/vitest/plugin';\nimport { defineConfig } from 'vitest/config';\nexport default defineConfig({ plugins: [credentialBroker()] });\n",
      'tests/plain.test.ts': "import { expect, test } from 'vitest';\ntest('plain', () => expect(1).toBe(1));\n",
      'tests/db.test.ts':
        "/**\n * A test of the database.\n * @credentials DATABASE_URL\n */\nimport { test } from 'vitest';\ntest('db', () => {});\n",
    });
    const plain = await p.vitest(['tests/plain.test.ts']);
    expect(plain.code).toBe(0);
    expect(plain.stdout + plain.stderr).not.toContain('credential-broker');
    const declared = await p.vitest();
    const out = stripAnsi(declared.stdout + declared.stderr);
    expect(declared.code).toBe(1);
    expect(out).toContain(
      `credential-broker: load config: ${p.dir}/tests/db.test.ts:3: @credentials names DATABASE_URL, but no config file was found`
    );
    expect(out).not.toContain('Unhandled Error');
    expect(out).not.toMatch(/^\s+(at|❯) /m);
  }, 120_000);
});

describe('clean failures inside the runners', () => {
  it('Vitest: a docblock typo, or a docblock that is not first, stops the run with file:line and the fix, no stack', async () => {
    const p = project({
      'credential-broker.config.yaml': YAML_CONFIG,
      'vitest.config.ts':
        "import { credentialBroker } from 'credential-broker/vitest/plugin';\nimport { defineConfig } from 'vitest/config';\nexport default defineConfig({ plugins: [credentialBroker()] });\n",
      'tests/a.test.ts': "/** @credentials API_TOKNE */\nimport { test } from 'vitest';\ntest('a', () => {});\n",
      // Vitest's own style puts `// @vitest-environment` first; a docblock after it is read by no one.
      'tests/b.test.ts':
        "// @vitest-environment node\n/** @credentials API_TOKEN */\nimport { test } from 'vitest';\ntest('b', () => {});\n",
      // A value pasted where a name belongs: named by file and line, never echoed.
      'tests/c.test.ts': `/** @credentials ${PASTED} */\nimport { test } from 'vitest';\ntest('c', () => {});\n`,
    });
    const run = await p.vitest();
    const out = stripAnsi(run.stdout + run.stderr);
    expect(run.code).toBe(1);
    expect(out).toContain(
      `plan "${p.dir}/tests/c.test.ts:1": @credentials lists an entry that looks like a secret value, not a credential name (not shown here)`
    );
    expect(out).not.toContain(PASTED.slice(6));
    expect(out).toContain(
      `plan "${p.dir}/tests/a.test.ts:1": @credentials names API_TOKNE, which the config does not declare. Add API_TOKNE to "credentials" in credential-broker.config, or declare it inline as API_TOKNE=<ref>`
    );
    expect(out).toContain(
      `  - ${p.dir}/tests/b.test.ts:2: this @credentials line is not in the docblock at the very start of the file, so neither Jest nor the broker reads it`
    );
    expect(out).not.toContain('Unhandled Error');
    expect(out).not.toMatch(/^\s+(at|❯) /m);
  }, 120_000);

  it('Vitest: a configFile that does not exist names it and says what it is relative to', async () => {
    const p = project({
      'vitest.config.ts':
        "import { credentialBroker } from 'credential-broker/vitest/plugin';\nimport { defineConfig } from 'vitest/config';\nexport default defineConfig({ plugins: [credentialBroker({ configFile: 'config/missing.yaml' })] });\n",
      'tests/a.test.ts': "import { test } from 'vitest';\ntest('a', () => {});\n",
    });
    const run = await p.vitest();
    const out = stripAnsi(run.stdout + run.stderr);
    expect(run.code).toBe(1);
    expect(out).toContain(
      `load config "${p.dir}/config/missing.yaml": file does not exist. A configFile is relative to ${p.dir}`
    );
    expect(out).not.toContain('Unhandled Error');
    expect(out).not.toMatch(/^\s+(at|❯) /m);
  }, 120_000);
});

describe('egress on the command line', () => {
  it('run --egress turns egress on inside, and passes it to Vitest without resolving twice', async () => {
    const p = project({ 'credential-broker.config.yaml': YAML_CONFIG });
    writeFileSync(
      join(p.dir, 'child.mjs'),
      "process.stdout.write('egress=' + process.env.CREDENTIAL_BROKER_EGRESS + ' token=' + (process.env.API_TOKEN ?? 'unset'));\n"
    );
    const plain = await p.cli(['run', '--', process.execPath, 'child.mjs']);
    expect(plain.stdout).toBe('egress=undefined token=[redacted:API_TOKEN]');
    // `--only` limits what is resolved and what the manifest shows.
    const on = await p.cli(['run', '--egress', '--only', 'API_TOKEN', '--', process.execPath, 'child.mjs']);
    expect(on.code).toBe(0);
    expect(on.stdout).toBe('egress=1 token=[redacted:API_TOKEN]');
    expect(on.stderr).toContain('1 credential: 1 to resolve');
    expect(on.stderr).not.toContain('DATABASE_URL');
    expectNoSentinel(plain.stdout, plain.stderr, on.stdout, on.stderr);
  }, 90_000);

  it('a known runner inside gets egress and resolves its own credentials', async () => {
    const p = project({
      'credential-broker.config.yaml': YAML_CONFIG,
      'vitest.config.ts':
        "import { credentialBroker } from 'credential-broker/vitest/plugin';\nimport { defineConfig } from 'vitest/config';\nexport default defineConfig({ plugins: [credentialBroker()] });\n",
      'tests/a.test.ts':
        "/** @credentials API_TOKEN */\nimport { expect, test } from 'vitest';\ntest('a', () => { expect(process.env.CREDENTIAL_BROKER_EGRESS).toBe('1'); console.log('token', process.env.API_TOKEN); });\n",
    });
    const run = await p.cli(['run', '--egress', '--', process.execPath, vitestBin, 'run']);
    const out = stripAnsi(run.stdout + run.stderr);
    expect(run.code).toBe(0);
    // The plugin inside announces the manifest (egress on, from the env var `run` set); `run` itself does not.
    expect(out.match(/credential-broker manifest/g)).toHaveLength(1);
    expect(out).toContain('egress ENABLED (env)');
    expect(out).toContain('token [redacted:API_TOKEN]');
    expectNoSentinel(run.stdout, run.stderr);
  }, 120_000);

  it("starts the broker's own line after a child whose last line has no newline", async () => {
    const p = project({ 'credential-broker.config.yaml': YAML_CONFIG });
    const run = await p.cli([
      'run',
      '--',
      process.execPath,
      '-e',
      "process.stderr.write('partial'); process.kill(process.pid, 'SIGTERM')",
    ]);
    expect(run.stderr).toContain(`partial\ncredential-broker: ${process.execPath} was terminated by SIGTERM`);
  }, 60_000);
});

describe('polish', () => {
  it('a Vitest shard announces only the skips of its own tests', async () => {
    const file = (name: string) =>
      `/** @credentials ${name}=vault:secret/${name.toLowerCase()}#x */\nimport { test } from 'vitest';\ntest('${name}', () => {});\n`;
    const p = project({
      'credential-broker.config.yaml': 'backends:\n  vault:\n    address: https://vault.internal:8200\n',
      'vitest.config.ts':
        "import { credentialBroker } from 'credential-broker/vitest/plugin';\nimport { defineConfig } from 'vitest/config';\nexport default defineConfig({ plugins: [credentialBroker()] });\n",
      'tests/one.test.ts': file('NET_ONE'),
      'tests/two.test.ts': file('NET_TWO'),
    });
    const announced = [];
    for (const shard of ['1/2', '2/2']) {
      const run = await p.vitest([`--shard=${shard}`]);
      const out = stripAnsi(run.stdout + run.stderr);
      expect(run.code, out).toBe(0);
      expect(out).toContain('egress disabled — 1 network credential (');
      announced.push(/network credential \((\w+)\)/.exec(out)?.[1]);
    }
    expect(announced.sort()).toEqual(['NET_ONE', 'NET_TWO']);
  }, 180_000);

  it('--version prints the package version', async () => {
    const p = project({});
    const run = await p.cli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 30_000);

  it('the manifest fits COLUMNS', async () => {
    const p = project({ 'credential-broker.config.yaml': YAML_CONFIG });
    const run = await p.cli(['manifest'], { COLUMNS: '72' });
    expect(run.code).toBe(0);
    expect(Math.max(...run.stdout.split('\n').map((l) => [...l].length))).toBeLessThanOrEqual(72);
    expect(run.stdout).toContain('2 credentials: 1 to resolve, 1 skipped');
  }, 30_000);

  it('Jest: no config file and a declaration stops global setup with the message alone', async () => {
    const p = project({
      'package.json': '{ "private": true }\n',
      'jest.config.cjs': "module.exports = { preset: 'credential-broker', transform: {} };\n",
      'tests/a.test.js': "/** @credentials API_TOKEN */\ntest('a', () => {});\n",
    });
    const run = await p.jest();
    const err = stripAnsi(run.stderr);
    expect(run.code).toBe(1);
    expect(err).toContain(`${p.dir}/tests/a.test.js:1: @credentials names API_TOKEN, but no config file was found`);
    expect(err).not.toMatch(/^\s+at /m);
  }, 120_000);

  it('Jest: credentials.files is the record, as in Vitest; the old call still works and warns', async () => {
    const p = project({
      'package.json': '{ "private": true }\n',
      'credential-broker.config.yaml': 'credentials:\n  TOKEN_FILE:\n    ref: env:SOURCE_TOKEN\n    as: file\n',
      'jest.config.cjs': "module.exports = { preset: 'credential-broker', transform: {} };\n",
      'tests/a.test.js': `const { readFileSync } = require('node:fs');
const { credentials } = require('credential-broker/jest');
test('files', async () => {
  await credentials('TOKEN_FILE');
  const path = credentials.files.TOKEN_FILE;
  expect(readFileSync(path, 'utf8').startsWith('SENTINEL-')).toBe(true);
  expect({ ...credentials.files }).toEqual({ TOKEN_FILE: path });
  expect(credentials.files()).toEqual({ TOKEN_FILE: path });
});
`,
    });
    const run = await p.jest();
    const err = stripAnsi(run.stderr);
    expect(run.code, err).toBe(0);
    expect(err).toContain('credentials.files() is deprecated: read credentials.files.NAME, as in Vitest');
    expectNoSentinel(run.stdout, run.stderr);
  }, 120_000);
});
