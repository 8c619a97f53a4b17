import { describe, expect, it } from 'vitest';
import { EscapeParser, GROUND, STR } from '../../../src/scrub/ansi-escape.js';

function parse(text: string, base = 100) {
  const spans: [number, number][] = [];
  const payload: string[] = [];
  const parser = new EscapeParser({
    span: (start, end) => spans.push([start, end]),
    payloadStart: () => payload.push(''),
    payloadByte: (b) => {
      payload[payload.length - 1] += String.fromCharCode(b);
    },
  });
  const buf = Buffer.from(text, 'latin1');
  parser.begin(base);
  const next = parser.feed(buf, base, 1);
  return { spans, payload, next, state: parser.state };
}

describe(EscapeParser.name, () => {
  it('skips a colour (CSI) whole and resumes at the first text byte', () => {
    expect(parse('\x1b[31mred')).toMatchObject({ spans: [[100, 105]], next: 5, state: GROUND });
  });

  it('hands a hyperlink (OSC 8) payload to the scrubber byte by byte, up to its terminator', () => {
    const link = '\x1b]8;;https://x.test/?t=SECRET\x1b\\text';
    const { spans, payload, next } = parse(link);
    expect(payload).toEqual(['8;;https://x.test/?t=SECRET']);
    expect(spans).toEqual([[100, 100 + link.indexOf('text')]]);
    expect(next).toBe(link.indexOf('text'));
  });

  it('ends a sequence at a byte that cannot continue it: that byte is text again', () => {
    expect(parse('\x1b[31\nx')).toMatchObject({ spans: [[100, 104]], next: 4, state: GROUND });
  });

  it('keeps its state across chunks, and says where a held sequence resumes', () => {
    const parser = new EscapeParser({ span: () => {}, payloadStart: () => {}, payloadByte: () => {} });
    parser.begin(10);
    expect(parser.feed(Buffer.from('\x1b]0;tit'), 10, 1)).toBe(7);
    expect([parser.state, parser.inString, parser.stateAt(10), parser.stateAt(12)]).toEqual([STR, true, GROUND, STR]);
  });
});
