/**
 * The Vitest worker's runtime loader (vitest-plugin/runtime-loader.ts): each case runs real, separate Node processes,
 * as a run's forks are, against a small CommonJS "built runtime" and a private scratch root in a temp dir.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtRuntimePath, runtimeLoader } from '../../../vitest-plugin/runtime-loader.js';

const child = fileURLToPath(new URL('./children/load-runtime.ts', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const VALUE = 'CODE_CACHE_CANARY_TEST_ONLY_7d41';

// Holds the value every way a runtime does (a string, a derived string, bytes, a global) and uses require and
// __filename, so the wrapper is checked too.
const RUNTIME = `'use strict';
const { basename } = require('node:path');
const kept = [];
exports.hold = function hold(value) {
  const reversed = value.split('').reverse().join('');
  kept.push(value, reversed, Buffer.from(value), { value });
  globalThis.heldByTest = kept;
  return \`\${reversed.length} \${basename(__filename)} v1\`;
};
`;

interface Outcome {
  readonly cacheUse: string;
  readonly saved: boolean;
  readonly answer: string;
}

let dir: string;
let built: string;
let root: string;

function fork(scratchRoot = root): Outcome {
  const run = spawnSync(process.execPath, ['--import', tsx, child, built, scratchRoot, VALUE], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as Outcome;
}

const caches = () => readdirSync(root).filter((name) => name.endsWith('.v8cache'));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cb-runtime-loader-'));
  built = join(dir, 'vitest-runtime.cjs');
  writeFileSync(built, RUNTIME);
  root = join(dir, 'credential-broker-1-00ff');
  mkdirSync(root, { mode: 0o700 });
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the runtime loader', () => {
  it("compiles the first fork's runtime and leaves a 0600 cache that the next fork compiles from", () => {
    expect(fork()).toEqual({ cacheUse: 'compiled', saved: true, answer: `${VALUE.length} vitest-runtime.cjs v1` });
    expect(caches()).toHaveLength(1);
    expect(lstatSync(join(root, caches()[0] ?? '')).mode & 0o777).toBe(0o600);
    expect(fork()).toEqual({ cacheUse: 'from cache', saved: false, answer: `${VALUE.length} vitest-runtime.cjs v1` });
    // No half-written file left behind.
    expect(readdirSync(root)).toEqual(caches());
  });

  it('leaves in the cache none of the values the process held (as text, as UTF-16, as bytes)', () => {
    fork();
    const cache = readFileSync(join(root, caches()[0] ?? ''));
    expect(cache.length).toBeGreaterThan(0);
    expect(cache.includes(VALUE)).toBe(false);
    expect(cache.includes(Buffer.from(VALUE, 'utf16le'))).toBe(false);
    expect(cache.includes([...VALUE].reverse().join(''))).toBe(false);
  });

  it('replaces a cache V8 rejects, and still runs the file', () => {
    fork();
    writeFileSync(join(root, caches()[0] ?? ''), Buffer.alloc(4096, 7));
    expect(fork()).toMatchObject({ cacheUse: 'cache rejected', saved: true, answer: expect.stringMatching(/ v1$/) });
    expect(fork()).toMatchObject({ cacheUse: 'from cache' });
  });

  it('keys the cache to the built file itself: an edit of the same length gets a cache of its own', () => {
    fork();
    writeFileSync(built, RUNTIME.replace(' v1', ' v2'));
    utimesSync(built, new Date(), new Date(Date.now() + 5_000));
    expect(fork()).toEqual({ cacheUse: 'compiled', saved: true, answer: `${VALUE.length} vitest-runtime.cjs v2` });
    expect(caches()).toHaveLength(2);
  });

  it('neither follows nor writes through a symbolic link planted at the cache path', () => {
    fork();
    const name = caches()[0] ?? '';
    const outside = join(dir, 'outside');
    writeFileSync(outside, readFileSync(join(root, name)));
    rmSync(join(root, name));
    symlinkSync(outside, join(root, name));
    const before = readFileSync(outside);
    expect(fork()).toMatchObject({ cacheUse: 'compiled', saved: true });
    expect(readFileSync(outside).equals(before)).toBe(true);
    expect(lstatSync(join(root, name)).isFile()).toBe(true);
  });

  it('neither reads nor writes a cache in a root that group or others can enter', () => {
    fork();
    const name = caches()[0] ?? '';
    chmodSync(root, 0o750);
    expect(fork()).toMatchObject({ cacheUse: 'compiled', saved: false });
    rmSync(join(root, name));
    expect(fork()).toMatchObject({ cacheUse: 'compiled', saved: false });
    expect(caches()).toEqual([]);
  });

  it('imports the source when there is no built file (this repository, before a build)', async () => {
    const loader = runtimeLoader(join(dir, 'missing.cjs'), async () => ({ from: 'source' }) as never);
    expect(await loader.load(root)).toEqual({ from: 'source' });
    expect(loader.cacheUse).toBe('imported');
    expect(loader.saveCache()).toBe(false);
  });

  it('finds the built runtime next to the built setup file', () => {
    expect(builtRuntimePath(pathToFileURL('/pkg/dist/vitest-setup.js').href)).toBe('/pkg/dist/vitest-runtime.cjs');
  });
});
