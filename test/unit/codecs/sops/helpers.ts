import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { FetchContext } from '../../../../src/contract/backend.js';
import type { SopsFormat } from '../../../../src/ref/types.js';

export const FIXTURES = join(import.meta.dirname, '../../../../fixtures/sops');
export const VECTORS = join(FIXTURES, 'vectors');

export interface VectorRecord {
  readonly format: SopsFormat;
  readonly sopsVersion: string;
  readonly dataKeyHex: string;
  readonly mac: string;
  readonly decrypted: Record<string, unknown>;
}

/** `vectors/expected.json`, by path relative to `vectors/`. */
export const EXPECTED: Readonly<Record<string, VectorRecord>> = JSON.parse(
  readFileSync(join(VECTORS, 'expected.json'), 'utf8')
).files;

export const vector = (path: string): Buffer => readFileSync(join(VECTORS, path));
export const dataKeyOf = (path: string): Uint8Array =>
  new Uint8Array(Buffer.from(EXPECTED[path]?.dataKeyHex ?? '', 'hex'));

/** A fresh temp dir, removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cb-sops-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fetch context whose environment has only what is given (no HOME: nothing is found by accident). */
export const fetchContext = (baseDir: string, env: Record<string, string | undefined> = {}): FetchContext => ({
  signal: new AbortController().signal,
  env,
  baseDir,
  log: { debug() {}, info() {}, warn() {} },
});

/** What a caught promise rejected with. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
