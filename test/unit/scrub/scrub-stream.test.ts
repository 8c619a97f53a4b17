import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createScrubStream, Scrubber, ScrubbingWriter } from '../../../src/scrub/index.js';

const SECRET = 'CANARY_split_me_9d2e';

function scrubber(): Scrubber {
  const s = new Scrubber();
  s.add(SECRET, 'TOKEN');
  return s;
}

async function throughStream(s: Scrubber, chunks: readonly (string | Buffer)[]): Promise<string> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks.map((c) => Buffer.from(c))),
    createScrubStream(s),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    })
  );
  return Buffer.concat(out).toString('utf8');
}

function throughWriter(s: Scrubber, chunks: readonly (string | Uint8Array)[]): { out: string; writes: number } {
  const out: Buffer[] = [];
  const writer = new ScrubbingWriter(s, (chunk) => out.push(Buffer.from(chunk)), { idleFlushMs: 0 });
  for (const chunk of chunks) {
    writer.write(chunk);
  }
  writer.flush();
  return { out: Buffer.concat(out).toString('utf8'), writes: out.length };
}

afterEach(() => {
  vi.useRealTimers();
});

describe(createScrubStream.name, () => {
  const text = `before ✓ ${SECRET} after`;
  const bytes = Buffer.from(text);

  it('redacts a value split at every byte position across two chunks', async () => {
    const s = scrubber();
    for (let at = 0; at <= bytes.length; at++) {
      expect(await throughStream(s, [bytes.subarray(0, at), bytes.subarray(at)])).toBe(
        'before ✓ [redacted:TOKEN] after'
      );
    }
  });

  it('redacts a value written one byte at a time, with colours between every character', async () => {
    const coloured = `<${[...SECRET].map((c) => `\x1b[31m${c}\x1b[39m`).join('')}>`;
    const one = [...Buffer.from(coloured)].map((b) => Buffer.from([b]));
    const expected = `<\x1b[31m[redacted:TOKEN]${'\x1b[39m\x1b[31m'.repeat(SECRET.length - 1)}\x1b[39m>`;
    expect(await throughStream(scrubber(), one)).toBe(expected);
  });

  it('redacts a cut prefix whose ellipsis arrives in a later chunk', async () => {
    const bytes = Buffer.from(`expected 'x ${SECRET.slice(0, 12)}…' to be ok`);
    for (let at = 0; at <= bytes.length; at++) {
      expect(await throughStream(scrubber(), [bytes.subarray(0, at), bytes.subarray(at)])).toBe(
        "expected 'x [redacted:TOKEN]…' to be ok"
      );
    }
  });

  it('passes text without values through byte-identical, also at the end of the stream', async () => {
    const plain = 'progress 45% ✓ \x1b[2K\r CANARY_spl';
    expect(await throughStream(scrubber(), [plain.slice(0, 7), plain.slice(7)])).toBe(plain);
  });

  it('passes everything through while no value is registered', async () => {
    const text = 'plain \x1b[31m✓\x1b[39m text…';
    expect(await throughStream(new Scrubber(), [text.slice(0, 9), text.slice(9)])).toBe(text);
  });

  it('holds a possible prefix through an idle pause and redacts it when the rest arrives', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const stream = createScrubStream(scrubber(), { idleFlushMs: 50 });
    const out: string[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    stream.write('token=CANARY_spl');
    await new Promise((resolve) => setImmediate(resolve));
    vi.advanceTimersByTime(10_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.join('')).toBe('token=');
    stream.end('it_me_9d2e done');
    await new Promise((resolve) => stream.on('end', resolve));
    expect(out.join('')).toBe('token=[redacted:TOKEN] done');
  });

  it('applies a value added while the stream holds its beginning', async () => {
    const s = new Scrubber();
    s.add('CANARY_first_value', 'FIRST');
    const stream = createScrubStream(s);
    const out: string[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    // Held because it could still become the first value.
    stream.write('x CANARY_firs');
    s.add('CANARY_firstborn', 'SECOND');
    stream.end('tborn y');
    await new Promise((resolve) => stream.on('end', resolve));
    expect(out.join('')).toBe('x [redacted:SECOND] y');
  });
});

describe(ScrubbingWriter.name, () => {
  it('redacts a value split at every position across two writes', () => {
    const s = scrubber();
    const text = `a ${SECRET} b`;
    for (let at = 0; at <= text.length; at++) {
      expect(throughWriter(s, [text.slice(0, at), text.slice(at)]).out).toBe('a [redacted:TOKEN] b');
    }
  });

  it('passes final output on at once and holds only a possible prefix', () => {
    const out: string[] = [];
    const writer = new ScrubbingWriter(scrubber(), (chunk) => out.push(chunk.toString()), { idleFlushMs: 0 });
    writer.write('line one\n');
    expect(out).toEqual(['line one\n']);
    writer.write('key: CANARY_s');
    expect(out).toEqual(['line one\n', 'key: ']);
    expect(writer.pending).toBe(8);
    writer.write('ummer');
    expect(out).toEqual(['line one\n', 'key: ', 'CANARY_summer']);
    writer.flush();
    expect(writer.pending).toBe(0);
  });

  it('releases a partial escape sequence on idle, but never a possible prefix', () => {
    vi.useFakeTimers();
    const out: string[] = [];
    const writer = new ScrubbingWriter(scrubber(), (chunk) => out.push(chunk.toString()), { idleFlushMs: 50 });
    writer.write('done\x1b[3');
    expect(out).toEqual(['done']);
    vi.advanceTimersByTime(50);
    expect(out).toEqual(['done', '\x1b[3']);
    writer.write('2mCANARY_split');
    expect(out).toEqual(['done', '\x1b[3', '2m']);
    vi.advanceTimersByTime(60_000);
    expect(out).toEqual(['done', '\x1b[3', '2m']);
    writer.write('_me_9d2e!');
    expect(out.join('')).toBe('done\x1b[32m[redacted:TOKEN]!');
  });

  it('does not hold an endless escape sequence', () => {
    const out: string[] = [];
    const writer = new ScrubbingWriter(scrubber(), (chunk) => out.push(chunk.toString()), { idleFlushMs: 0 });
    const params = '1;'.repeat(200);
    writer.write(`x\x1b[${params}`);
    writer.write(params);
    expect(out.join('')).toBe(`x\x1b[${params}${params}`);
    expect(writer.pending).toBe(0);
  });

  it('gives whole characters to a string sink, even when a write splits one', () => {
    vi.useFakeTimers();
    const out: string[] = [];
    const writer = new ScrubbingWriter(scrubber(), (chunk) => out.push(chunk as string), {
      idleFlushMs: 50,
      output: 'string',
    });
    const check = Buffer.from('ok ✓');
    writer.write(check.subarray(0, 4));
    vi.advanceTimersByTime(50);
    writer.write(check.subarray(4));
    writer.flush();
    expect(out).toEqual(['ok ', '✓']);
  });

  it('accepts Uint8Array chunks', () => {
    const bytes = new TextEncoder().encode(`a ${SECRET} b`);
    expect(throughWriter(scrubber(), [bytes.subarray(0, 5), bytes.subarray(5)]).out).toBe('a [redacted:TOKEN] b');
  });

  it('writes nothing for empty input', () => {
    expect(throughWriter(scrubber(), ['', new Uint8Array(0)])).toEqual({ out: '', writes: 0 });
  });
});
