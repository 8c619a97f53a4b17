import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEnvBackend } from '../../../src/backends/env/index.js';
import { createFileBackend } from '../../../src/backends/file/index.js';
import { parseRef } from '../../../src/ref/index.js';
import type { EnvRef, FileRef } from '../../../src/ref/types.js';

const quiet = { debug() {}, info() {}, warn() {} };
const ctx = (baseDir: string, env: Record<string, string> = {}) => ({
  signal: new AbortController().signal,
  env,
  baseDir,
  log: quiet,
});

describe(createFileBackend.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-file-'));
  // The shape of a Kubernetes secret mount: the file is a symbolic link through `..data`.
  mkdirSync(join(dir, '..2026_11_28'));
  writeFileSync(join(dir, '..2026_11_28', 'password'), 'CANARY_FILE_PASSWORD\n');
  symlinkSync('..2026_11_28', join(dir, '..data'));
  symlinkSync('..data/password', join(dir, 'password'));
  writeFileSync(join(dir, 'big'), 'x'.repeat(64));

  it('reads a file exactly as stored, following mounted-secret links', async () => {
    const doc = await createFileBackend().fetch(parseRef('file:password') as FileRef, ctx(dir));
    expect(doc.text.reveal()).toBe('CANARY_FILE_PASSWORD\n');
    expect(String(doc.text)).toBe('[redacted:file:password]');
  });

  it.each([
    ['file:missing', {}, `file: read "file:missing": ${join(dir, 'missing')} does not exist`],
    ['file:..data', {}, `file: read "file:..data": ${join(dir, '..data')} is not a regular file`],
    [
      'file:big',
      { maxBytes: 10 },
      `file: read "file:big": ${join(dir, 'big')} has 64 bytes, more than the limit of 10. Raise backends.file.maxBytes if this file is meant to be that large`,
    ],
  ])('refuses %s with a whole message', async (ref, settings, message) => {
    await expect(createFileBackend(settings).fetch(parseRef(ref) as FileRef, ctx(dir))).rejects.toThrow(message);
  });
});

describe(createEnvBackend.name, () => {
  it('reads the variable from the context, not from process.env', async () => {
    const doc = await createEnvBackend().fetch(parseRef('env:SOURCE') as EnvRef, ctx('/', { SOURCE: 'CANARY_ENV' }));
    expect(doc.text.reveal()).toBe('CANARY_ENV');
    await expect(createEnvBackend().fetch(parseRef('env:PATH') as EnvRef, ctx('/'))).rejects.toThrow(
      'env: read "env:PATH": environment variable PATH is not set. Export PATH in the environment that starts the test run'
    );
  });
});
