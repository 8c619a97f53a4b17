import { describe, expect, it } from 'vitest';
import { Scrubber } from '../../../src/scrub/index.js';
import { scrubStreamWrites } from '../../../src/worker/stdio.js';

const SECRET = 'CANARY_STDIO_7c1e5a90';

function fakeStream(): { stream: NodeJS.WriteStream; written: () => string } {
  const chunks: string[] = [];
  const stream = {
    write(chunk: string | Uint8Array) {
      chunks.push(Buffer.from(chunk).toString('utf8'));
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, written: () => chunks.join('') };
}

describe(scrubStreamWrites.name, () => {
  it('scrubs a value written in pieces and passes the rest on', () => {
    const scrubber = new Scrubber();
    scrubber.add(SECRET, 'TOKEN');
    const { stream, written } = fakeStream();
    const flush = scrubStreamWrites(stream, () => scrubber);
    stream.write('token=');
    stream.write(SECRET.slice(0, 9));
    stream.write(Buffer.from(`${SECRET.slice(9)} done\n`));
    flush();
    expect(written()).toBe('token=[redacted:TOKEN] done\n');
  });

  it('switches to a newer scrubber after passing on what the old one held', () => {
    const first = new Scrubber();
    const second = new Scrubber();
    second.add(SECRET, 'LATER');
    let current = first;
    const { stream, written } = fakeStream();
    const flush = scrubStreamWrites(stream, () => current);
    stream.write('before ');
    current = second;
    stream.write(`after ${SECRET}\n`);
    flush();
    expect(written()).toBe('before after [redacted:LATER]\n');
  });

  it('runs a write callback and reports success', async () => {
    const { stream } = fakeStream();
    scrubStreamWrites(stream, () => new Scrubber());
    const called = await new Promise<boolean>((resolve) => {
      expect(stream.write('x', () => resolve(true))).toBe(true);
    });
    expect(called).toBe(true);
  });
});
