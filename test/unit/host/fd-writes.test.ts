/**
 * The main process's fd 1 and 2 written with fs.writeSync / fs.write (pino and sonic-boom log so) go through the
 * same scrubbing writer as process.stdout / process.stderr. Both fs functions and both streams are replaced by
 * recorders before the patch is installed, so nothing reaches the real descriptors; all is restored afterwards.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scrubProcessOutput } from '../../../src/host/process-output.js';
import { Scrubber } from '../../../src/scrub/index.js';

const VALUE = 'SENTINEL-fd-writes-7c1e9a40b2';
const TWIN = 'harmless-CANARY-fd-writes';
const RED = '[redacted:API_TOKEN]';

type Fs = Record<PropertyKey, unknown>;
const target = fs as unknown as Fs;
const saved = {
  fs: { writeSync: fs.writeSync, write: fs.write, writevSync: fs.writevSync, writev: fs.writev },
  stdout: process.stdout.write,
  stderr: process.stderr.write,
};

// What reached the real fs functions (fd, text) and the streams' own writes, in order.
let reached: { where: string; text: string }[] = [];
let active = false;
const scrubber = new Scrubber();
scrubber.add(VALUE, 'API_TOKEN');

const text = (chunk: unknown): string =>
  typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');

beforeAll(() => {
  target['writeSync'] = (fd: number, data: unknown) => {
    reached.push({ where: `fs:${fd}`, text: text(data) });
    return 0;
  };
  target['write'] = (fd: number, data: unknown, ...rest: unknown[]) => {
    reached.push({ where: `fs:${fd}`, text: text(data) });
    (rest.at(-1) as (e: null, n: number, d: unknown) => void)(null, 0, data);
  };
  target['writevSync'] = (fd: number, data: Uint8Array[]) => {
    reached.push({ where: `fs:${fd}`, text: text(Buffer.concat(data)) });
    return 0;
  };
  target['writev'] = (fd: number, data: Uint8Array[], ...rest: unknown[]) => {
    reached.push({ where: `fs:${fd}`, text: text(Buffer.concat(data)) });
    (rest.at(-1) as (e: null, n: number, d: unknown) => void)(null, 0, data);
  };
  // stdout on a file: a SyncWriteStream writes with fs.writeSync(1) itself (looked up when it writes).
  process.stdout.write = ((chunk: unknown) => {
    reached.push({ where: 'stdout', text: text(chunk) });
    fs.writeSync(1, chunk as string);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => {
    reached.push({ where: 'stderr', text: text(chunk) });
    return true;
  }) as typeof process.stderr.write;
  scrubProcessOutput(() => (active ? scrubber : undefined));
});

afterAll(() => {
  Object.assign(target, saved.fs);
  delete target[Symbol.for('credential-broker.fd-writes')];
  for (const [stream, write] of [
    [process.stdout, saved.stdout],
    [process.stderr, saved.stderr],
  ] as const) {
    stream.write = write;
    delete (stream as unknown as Fs)[Symbol.for('credential-broker.main-output')];
  }
});

beforeEach(() => {
  reached = [];
  active = true;
});

describe('fs writes to fd 1 and 2 in the main process', () => {
  it('scrubs fs.writeSync with a string, with position and encoding, and reports its length', () => {
    expect(fs.writeSync(2, `auth=Bearer ${VALUE}\n`)).toBe(`auth=Bearer ${VALUE}\n`.length);
    const hex = Buffer.from(`hex ${VALUE}\n`).toString('hex');
    expect(fs.writeSync(2, hex, null, 'hex')).toBe(hex.length / 2);
    expect(reached).toEqual([
      { where: 'stderr', text: `auth=Bearer ${RED}\n` },
      { where: 'stderr', text: `hex ${RED}\n` },
    ]);
  });

  it('scrubs fs.writeSync with a buffer: offset and length, options object, and the whole buffer', () => {
    const buf = Buffer.from(`xx${VALUE}yy`);
    expect(fs.writeSync(2, buf, 2, VALUE.length, null)).toBe(VALUE.length);
    // The options form is in Node's documentation, not in @types/node's overloads.
    const withOptions = fs.writeSync as unknown as (fd: number, b: Buffer, o: object) => number;
    expect(withOptions(2, buf, { offset: 2, length: VALUE.length })).toBe(VALUE.length);
    expect(fs.writeSync(2, new Uint8Array(buf))).toBe(buf.length);
    expect(fs.writeSync(2, buf, 2)).toBe(buf.length - 2);
    expect(reached.map((r) => r.text)).toEqual([RED, RED, `xx${RED}yy`, `${RED}yy`]);
  });

  it('rejects an out-of-range offset without writing', () => {
    expect(() => fs.writeSync(2, Buffer.from(VALUE), 4, VALUE.length)).toThrow(RangeError);
    expect(reached).toEqual([]);
  });

  it("scrubs fs.write in each form, and calls back with (null, the caller's length, the caller's data)", async () => {
    const buf = Buffer.from(`[${VALUE}]`);
    const calls = await Promise.all([
      new Promise((resolve) => fs.write(2, `s ${VALUE}\n`, (...args) => resolve(args))),
      new Promise((resolve) => fs.write(2, `p ${VALUE}\n`, null, 'utf8', (...args) => resolve(args))),
      new Promise((resolve) => fs.write(2, buf, (...args) => resolve(args))),
      new Promise((resolve) => fs.write(2, buf, 1, VALUE.length, null, (...args) => resolve(args))),
      new Promise((resolve) => fs.write(2, buf, { offset: 1 }, (...args) => resolve(args))),
    ]);
    expect(calls).toEqual([
      [null, `s ${VALUE}\n`.length, `s ${VALUE}\n`],
      [null, `p ${VALUE}\n`.length, `p ${VALUE}\n`],
      [null, buf.length, buf],
      [null, VALUE.length, buf],
      [null, buf.length - 1, buf],
    ]);
    expect(reached.map((r) => r.text)).toEqual([`s ${RED}\n`, `p ${RED}\n`, `[${RED}]`, RED, `${RED}]`]);
  });

  it('scrubs fs.writevSync and fs.writev as one write, a value split across their buffers too', async () => {
    const half = Math.floor(VALUE.length / 2);
    const buffers = [Buffer.from(`v ${VALUE.slice(0, half)}`), Buffer.from(`${VALUE.slice(half)}\n`)];
    expect(fs.writevSync(2, buffers)).toBe(`v ${VALUE}\n`.length);
    const args = await new Promise((resolve) => fs.writev(2, buffers, null, (...a) => resolve(a)));
    expect(args).toEqual([null, `v ${VALUE}\n`.length, buffers]);
    expect(reached.map((r) => r.text)).toEqual([`v ${RED}\n`, `v ${RED}\n`]);
  });

  it('keeps the order of process.stderr.write and fs writes to fd 2', () => {
    process.stderr.write('one\n');
    fs.writeSync(2, 'two\n');
    process.stderr.write('three\n');
    expect(reached.map((r) => r.text).join('')).toBe('one\ntwo\nthree\n');
  });

  it('scrubs once when stdout is a file: the stream passes its scrubbed bytes to fs.writeSync(1) untouched', () => {
    fs.writeSync(1, `log ${VALUE}\n`);
    process.stdout.write(`out ${VALUE}\n`);
    expect(reached).toEqual([
      { where: 'stdout', text: `log ${RED}\n` },
      { where: 'fs:1', text: `log ${RED}\n` },
      { where: 'stdout', text: `out ${RED}\n` },
      { where: 'fs:1', text: `out ${RED}\n` },
    ]);
  });

  it('leaves other descriptors, and all writes before there is a scrubber, untouched', () => {
    fs.writeSync(7, `other ${VALUE}`);
    active = false;
    fs.writeSync(2, `early ${TWIN}`);
    expect(reached).toEqual([
      { where: 'fs:7', text: `other ${VALUE}` },
      { where: 'fs:2', text: `early ${TWIN}` },
    ]);
  });

  it('prints a harmless twin verbatim', () => {
    fs.writeSync(2, `auth=Bearer ${TWIN}\n`);
    expect(reached).toEqual([{ where: 'stderr', text: `auth=Bearer ${TWIN}\n` }]);
  });
});
