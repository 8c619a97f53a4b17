import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeError } from '../../../src/cli/options.js';
import { isKnownRunner, runCommand } from '../../../src/cli/run.js';
import { BrokerError } from '../../../src/errors.js';

const CANARY = 'CANARY_RUN_UNIT_5d2c8a';

let project: string;
let scratch: string;
let stderr: string[];
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'cb-run-'));
  scratch = mkdtempSync(join(tmpdir(), 'cb-run-scratch-'));
  writeFileSync(join(project, 'secret.txt'), CANARY);
  writeFileSync(
    join(project, 'credential-broker.config.json'),
    JSON.stringify({ credentials: { SECRET: { ref: 'file:secret.txt', as: 'both', file: 'secret.txt' } } })
  );
  vi.stubEnv('XDG_RUNTIME_DIR', scratch);
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  rmSync(project, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe(runCommand.name, () => {
  it('returns 127 with a one-line reason when the command does not exist, and wipes', async () => {
    const code = await runCommand([join(project, 'no-such-command')], {
      config: join(project, 'credential-broker.config.json'),
    });
    expect([code, stderr.join('')]).toEqual([
      127,
      `credential-broker: cannot run ${join(project, 'no-such-command')} (ENOENT)\n`,
    ]);
    expect(readdirSync(scratch).filter((name) => !name.startsWith('.'))).toEqual([]);
  });

  it('returns 126 when the command is not executable', async () => {
    const code = await runCommand([join(project, 'secret.txt')], {
      config: join(project, 'credential-broker.config.json'),
    });
    expect([code, stderr.join('')]).toEqual([
      126,
      `credential-broker: cannot run ${join(project, 'secret.txt')} (EACCES)\n`,
    ]);
  });
});

describe('what runCommand tells a runner it cannot see in argv', () => {
  // The child records the list `run` gave it (names only) in a file: its stdout goes through the scrubber.
  const listed = async (options: { only?: string }, extraEnv: Record<string, string> = {}) => {
    const out = join(project, 'listed.txt');
    for (const [name, value] of Object.entries(extraEnv)) {
      vi.stubEnv(name, value);
    }
    const code = await runCommand(
      [
        process.execPath,
        '-e',
        `require('fs').writeFileSync(${JSON.stringify(out)}, String(process.env.CREDENTIAL_BROKER_RUN_VARS))`,
      ],
      { config: join(project, 'credential-broker.config.json'), ...options }
    );
    expect(code).toBe(0);
    return readFileSync(out, 'utf8');
  };

  it('names every variable it set for the whole command, never a value', async () => {
    expect(await listed({})).toBe('SECRET,SECRET_FILE');
  });

  it('leaves out an env: source already holding the same value, which the plugin must still read', async () => {
    writeFileSync(
      join(project, 'credential-broker.config.json'),
      JSON.stringify({
        credentials: { SECRET: 'file:secret.txt', SAME: 'env:SAME', OTHER: 'env:SAME' },
      })
    );
    expect(await listed({}, { SAME: 'CANARY_RUN_UNIT_SAME' })).toBe('SECRET,OTHER');
  });

  it('lists nothing for --only: the user named those for the whole command', async () => {
    expect(await listed({ only: 'SECRET' })).toBe('undefined');
  });
});

describe(isKnownRunner.name, () => {
  it.each([
    'vitest run',
    'npx vitest run',
    'npx vitest@4 run',
    'npx --yes jest@30.1.0',
    'node node_modules/vitest/vitest.mjs run',
    '/usr/local/bin/node node_modules/.bin/jest',
    'npm exec vitest -- run',
    'npm x jest',
    'pnpm exec vitest run',
    'pnpm vitest run',
    'yarn jest',
    'bunx vitest',
  ])('sees Vitest or Jest in "%s"', (command) => {
    expect(isKnownRunner(command.split(' '))).toBe(true);
  });

  // Any of these may run Vitest or Jest: the plugin and preset then remove what `run` set (tested in the e2e).
  it.each(['npm test', 'yarn test', 'npm vitest', 'sh -c vitest', 'make test', 'node child.mjs', 'npx vitest-preview'])(
    'does not see one in "%s"',
    (command) => {
      expect(isKnownRunner(command.split(' '))).toBe(false);
    }
  );
});

describe(describeError.name, () => {
  it("prints a broker error's message and only the name of any other error", () => {
    expect(describeError(new BrokerError('NOT_FOUND', 'no such secret', { backend: 'file', ref: 'file:x' }))).toBe(
      'file: "file:x": no such secret'
    );
    expect(describeError(new TypeError(`cannot parse ${CANARY}`))).toBe('unexpected TypeError');
    expect(describeError(CANARY)).toBe('unexpected string');
  });
});
