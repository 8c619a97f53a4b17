import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeError } from '../../../src/cli/options.js';
import { runCommand } from '../../../src/cli/run.js';
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

describe(describeError.name, () => {
  it("prints a broker error's message and only the name of any other error", () => {
    expect(describeError(new BrokerError('NOT_FOUND', 'no such secret', { backend: 'file', ref: 'file:x' }))).toBe(
      'file: "file:x": no such secret'
    );
    expect(describeError(new TypeError(`cannot parse ${CANARY}`))).toBe('unexpected TypeError');
    expect(describeError(CANARY)).toBe('unexpected string');
  });
});
