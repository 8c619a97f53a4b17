import { describe, expect, test } from 'vitest';
import { LineReader } from '../../../src/ipc/protocol.js';

describe(LineReader.name, () => {
  test('returns each complete line, joined across chunks', () => {
    const reader = new LineReader();
    expect(reader.push(Buffer.from('{"a":1}\n{"b"'))).toEqual(['{"a":1}']);
    expect(reader.push(Buffer.from(':2}'))).toEqual([]);
    expect(reader.push(Buffer.from('\n\n{"c":3}\n'))).toEqual(['{"b":2}', '', '{"c":3}']);
  });

  test('decodes a character whose UTF-8 bytes arrive in two chunks', () => {
    const bytes = Buffer.from('"CANARY_é€"\n');
    const reader = new LineReader();
    expect(reader.push(bytes.subarray(0, 9))).toEqual([]);
    expect(reader.push(bytes.subarray(9, 11))).toEqual([]);
    expect(reader.push(bytes.subarray(11))).toEqual(['"CANARY_é€"']);
  });

  test('caps a line in bytes, not characters', () => {
    // Four characters, twelve bytes.
    const line = '€€€€';
    expect(new LineReader(12).push(Buffer.from(`${line}\n`))).toEqual([line]);
    expect(new LineReader(11).push(Buffer.from(`${line}\n`))).toBeUndefined();
    const reader = new LineReader(11);
    expect(reader.push(Buffer.from('€€€'))).toEqual([]);
    expect(reader.push(Buffer.from('€'))).toBeUndefined();
  });
});
