import { ESC_BYTE, EscapeParser, GROUND, STR_ESC } from './ansi-escape.js';
import { type Automaton, ESCAPE_SENTINEL, GRAM_MASK, gramIndex, shallowDepth, stateId, step } from './automaton.js';

/*
 * One pass of the scrubber over a byte stream. It runs the automaton, records what must be replaced,
 * and decides how much of the input is final (cannot become part of a match any more).
 *
 * Escape sequences are skipped by the automaton, so a value coloured character by character still
 * matches. Their bytes are recorded as "spans"; a match covers the text bytes and the spans between
 * them, and on output the replacement is followed by those spans, so the terminal's colour state
 * after the match is what the program meant. String sequences (OSC, DCS, …) are not displayed but
 * can carry data (a hyperlink URL), so their payload is scanned by a second automaton state.
 *
 * Positions are absolute offsets in the stream. Everything before `#emitted` has been handed out.
 */

const EMPTY = new Uint8Array(0);
const SKIP_MIN_INPUT = 256;
const MAX_PARTIAL_ESCAPE = 256;
const DOTS = Buffer.from('...');
const ELLIPSIS = Buffer.from('…');

// Next position of `needle` in `buf` from `from`, or the length when there is none.
function nextOf(buf: Buffer, needle: number | Uint8Array, from: number): number {
  const at = buf.indexOf(needle, from);
  return at < 0 ? buf.length : at;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** @internal An output instruction: `[from, to]` copies input bytes, `[-1, name]` is a replacement. */
export type Ops = number[];

/** @internal A replaced range of the input, `[start, end)`, and the replacement's index. */
export interface OpsMatch {
  readonly start: number;
  readonly end: number;
  readonly name: number;
}

/**
 * @internal The input ranges `ops` replace: a replacement stands for what no copy covers from the end of the copy
 * before it up to the next copy (escape sequences inside a match are copied after the label, so the match ends where
 * the text resumes).
 */
export function opsMatches(ops: Ops, length: number): OpsMatch[] {
  const matches: OpsMatch[] = [];
  let pos = 0;
  for (let o = 0; o < ops.length; o += 2) {
    if (ops[o] === -1) {
      let end = length;
      for (let n = o + 2; n < ops.length; n += 2) {
        if (ops[n] !== -1) {
          end = ops[n]!;
          break;
        }
      }
      matches.push({ start: pos, end: Math.max(pos, end), name: ops[o + 1]! });
    } else {
      pos = ops[o + 1]!;
    }
  }
  return matches;
}

/** @internal */
export class ScanSession {
  #a: Automaton;
  readonly #truncMin: number;
  #s = 0;
  /** The escape sequence in progress (src/scrub/ansi-escape.ts). */
  readonly #esc: EscapeParser;
  #strS = 0;
  /** Completed skipped spans, flat `[start, end)` pairs, sorted. */
  #spans: number[] = [];
  /** Main matches, flat `[start, end]` + name triples (end inclusive), in discovery order. */
  #ranges: number[] = [];
  /** Matches inside string payloads, same layout. */
  #payload: number[] = [];
  /** Truncation candidates, flat `[ellipsisPos, start, end, name]`. */
  #cands: number[] = [];
  #emitted = 0;
  #end = 0;
  /** Copy of the bytes `[#emitted, #end)` between writes. */
  #held: Uint8Array = EMPTY;
  /** Parser state at `#emitted`, to rescan the held bytes when the automaton changes. */
  #heldState = GROUND;
  #chunk: Uint8Array = EMPTY;
  #chunkBase = 0;

  #replacements: readonly Uint8Array[];

  /**
   * @param replacements - replacement bytes by name index, for the byte outputs.
   * @param truncatedMinLength - a prefix at least this long followed by an ellipsis is redacted;
   *   the automaton must have no dense state this deep.
   */
  constructor(automaton: Automaton, replacements: readonly Uint8Array[], truncatedMinLength: number) {
    this.#a = automaton;
    this.#replacements = replacements;
    this.#truncMin = truncatedMinLength;
    this.#esc = new EscapeParser({
      span: (start, end) => {
        this.#spans.push(start, end);
      },
      payloadStart: () => {
        this.#strS = 0;
      },
      payloadByte: (b, pos) => this.#payloadByte(b, pos),
    });
  }

  /** Bytes received but not yet handed out. */
  get pending(): number {
    return this.#end - this.#emitted;
  }

  /** Switches to a rebuilt automaton: the held bytes are scanned again from the root. */
  setAutomaton(a: Automaton, replacements: readonly Uint8Array[]): void {
    if (a === this.#a) {
      return;
    }
    this.#a = a;
    this.#replacements = replacements;
    const held = asBuffer(this.#held);
    const from = this.#emitted;
    this.#s = 0;
    this.#strS = 0;
    this.#esc.state = this.#heldState;
    this.#spans = [];
    this.#ranges = [];
    this.#payload = [];
    this.#cands = [];
    this.#scan(held, from);
  }

  /** Scans a chunk and returns the output that became final. */
  write(bytes: Uint8Array): Uint8Array[] {
    const chunk = asBuffer(bytes);
    const base = this.#end;
    this.#chunk = chunk;
    this.#chunkBase = base;
    this.#scan(chunk, base);
    this.#end = base + chunk.length;
    this.#verifyCandidates(false);
    return this.#advance(this.#boundary(false));
  }

  /**
   * Output held only for tidiness (a partial escape sequence or UTF-8 character). What could
   * still become a match stays held: a value written in two parts with a pause must not leak.
   */
  flushIdle(): Uint8Array[] {
    this.#chunk = EMPTY;
    this.#chunkBase = this.#end;
    return this.#advance(this.#boundary(true));
  }

  /** End of the stream: everything goes out, and the session starts afresh. */
  end(): Uint8Array[] {
    this.#chunk = EMPTY;
    this.#chunkBase = this.#end;
    this.#verifyCandidates(true);
    const out = this.#advance(this.#end);
    this.#s = 0;
    this.#esc.state = GROUND;
    this.#strS = 0;
    this.#heldState = GROUND;
    return out;
  }

  /** Whole-input pass: the ops for all of `buf`, or `undefined` when nothing matched. */
  once(bytes: Uint8Array): Ops | undefined {
    const buf = asBuffer(bytes);
    this.#chunk = buf;
    this.#chunkBase = 0;
    this.#scan(buf, 0);
    this.#end = buf.length;
    this.#verifyCandidates(true);
    if (this.#ranges.length === 0 && this.#payload.length === 0) {
      return undefined;
    }
    return this.#collect(0, buf.length);
  }

  #scan(buf: Buffer, base: number): void {
    const a = this.#a;
    const dense = a.dense;
    const classOf = a.classOf;
    const limit = a.limit;
    const n = buf.length;
    // Short input is scanned faster than the skip mode's native searches are set up.
    const grams = n >= SKIP_MIN_INPUT ? a.grams : undefined;
    const shallowLimit = grams === undefined ? 0 : a.shallowLimit;
    const shift = a.shift;
    const window = a.window;
    let s = this.#s;
    let i = 0;
    // Skip mode may only resume past the position where the automaton last took over, and never
    // before a span it recorded: it would scan that escape sequence again.
    let resumeAfter = -1;
    let nextEsc = -1;
    // A cut prefix is at least `#truncMin` bytes long and begins as its pattern does, so a skip whose window is no
    // longer cannot pass its start (the 3-gram check stops there, and the automaton follows it to its ellipsis). Only a
    // longer window could jump over one: then the skip stops before every ellipsis. Those two searches cost ~10 % of a
    // stream's time on log text, where dots abound.
    const stopAtEllipses = Number.isFinite(this.#truncMin) && shift !== undefined && window > this.#truncMin;
    let nextDots = stopAtEllipses ? -1 : n;
    let nextEllipsis = stopAtEllipses ? -1 : n;
    outer: while (i < n) {
      if (this.#esc.state !== GROUND) {
        i = this.#esc.feed(buf, base, i);
        continue;
      }
      if (s === 0 && grams !== undefined) {
        // Skip mode: at the root, a position whose first three bytes start no pattern cannot start
        // a match, and a window whose last 3-gram sits in no pattern's head can jump (Wu–Manber).
        // Bytes from two before an escape byte, an ellipsis (see `stopAtEllipses`) or the end are left to the
        // automaton: it skips escapes, and a truncated prefix is only seen by following it to its ellipsis.
        if (nextEsc < i) {
          nextEsc = nextOf(buf, ESC_BYTE, i);
        }
        if (nextDots < i) {
          nextDots = nextOf(buf, DOTS, i);
        }
        if (nextEllipsis < i) {
          nextEllipsis = nextOf(buf, ELLIPSIS, i);
        }
        // One byte more before an ellipsis or an escape: a closing quote may sit between a cut prefix and the ellipsis,
        // and a colour code after the quote.
        const nextStop = Math.min(nextEsc, nextDots, nextEllipsis) - 1;
        const stop = nextStop - 2;
        if (shift !== undefined) {
          const windowStop = nextStop - window + 1;
          while (i < windowStop) {
            const e = i + window - 1;
            const jump = shift[gramIndex(buf[e - 2]!, buf[e - 1]!, buf[e]!)]!;
            if (jump !== 0) {
              i += jump;
            } else if (grams[gramIndex(buf[i]!, buf[i + 1]!, buf[i + 2]!)] === 0) {
              i++;
            } else {
              break;
            }
          }
        }
        if (i < stop) {
          let g = (buf[i]! << 6) ^ buf[i + 1]!;
          while (i < stop) {
            g = ((g << 6) ^ buf[i + 2]!) & GRAM_MASK;
            if (grams[g] !== 0) {
              break;
            }
            i++;
          }
        }
        resumeAfter = i;
      }
      if (s < limit) {
        let t = 0;
        while (i < n) {
          t = dense[s + classOf[buf[i]!]!]!;
          if (t >= limit) {
            break;
          }
          s = t;
          i++;
          if (t < shallowLimit) {
            const resume = i - shallowDepth(a, t);
            if (resume > resumeAfter && base + resume >= this.#lastSpanEnd()) {
              i = resume;
              s = 0;
              continue outer;
            }
          }
        }
        if (i >= n) {
          break;
        }
        if (t === ESCAPE_SENTINEL) {
          this.#esc.begin(base + i);
          i++;
          continue;
        }
        s = t;
        i++;
      } else {
        const b = buf[i]!;
        if (b === ESC_BYTE) {
          this.#esc.begin(base + i);
          i++;
          continue;
        }
        if (b === 0xe2 || b === 0x2e || b === 0x27 || b === 0x22 || b === 0x60) {
          const id = s - limit + a.denseCount;
          const depth = a.depth[id]!;
          if (depth >= this.#truncMin && depth >= a.prefixMin[id]!) {
            // After a quote, the ellipsis may follow it: util.inspect cuts a long string as `'…prefix'... N more`.
            this.#addCandidate(base + i, s, b === 0xe2 || b === 0x2e ? 0 : 1);
          }
        }
        s = step(a, s, b);
        i++;
      }
      if (s >= limit) {
        const id = s - limit + a.denseCount;
        const len = a.outLen[id]!;
        if (len > 0) {
          const end = base + i - 1;
          this.#ranges.push(this.#walkBack(end + 1, len), end, a.outName[id]!);
        }
      }
    }
    this.#s = s;
  }

  #lastSpanEnd(): number {
    const spans = this.#spans;
    return spans.length === 0 ? 0 : spans[spans.length - 1]!;
  }

  #payloadByte(b: number, pos: number): void {
    const a = this.#a;
    const s = step(a, this.#strS, b);
    this.#strS = s;
    if (s >= a.limit) {
      const id = s - a.limit + a.denseCount;
      const len = a.outLen[id]!;
      if (len > 0) {
        this.#payload.push(pos - len + 1, pos, a.outName[id]!);
      }
    }
  }

  /**
   * Start of the `count` text bytes that end just before `upper`, skipping spans (and the escape
   * sequence in progress, which lies past `upper` when the caller passes its start).
   */
  #walkBack(upper: number, count: number): number {
    const spans = this.#spans;
    let k = spans.length - 2;
    let p = upper;
    let need = count;
    while (need > 0) {
      while (k >= 0 && spans[k]! >= p) {
        k -= 2;
      }
      if (k < 0) {
        return p - need;
      }
      const start = spans[k]!;
      const end = spans[k + 1]!;
      if (end >= p) {
        p = start;
        k -= 2;
        continue;
      }
      const run = p - end;
      if (need <= run) {
        return p - need;
      }
      need -= run;
      p = start;
      k -= 2;
    }
    return p;
  }

  // `pos`: the byte after the prefix; the ellipsis is looked for `after` bytes later (past a closing quote).
  #addCandidate(pos: number, s: number, after: number): void {
    const a = this.#a;
    const id = stateId(a, s);
    this.#cands.push(pos + after, this.#walkBack(pos, a.depth[id]!), this.#walkBack(pos, 1), a.prefixName[id]!);
  }

  #byteAt(pos: number): number {
    return pos >= this.#chunkBase ? this.#chunk[pos - this.#chunkBase]! : this.#held[pos - this.#emitted]!;
  }

  // Chai and others cut long values with `…`; a long prefix of a value followed by it is redacted.
  #verifyCandidates(final: boolean): void {
    const cands = this.#cands;
    if (cands.length === 0) {
      return;
    }
    const keep: number[] = [];
    for (let c = 0; c < cands.length; c += 4) {
      const pos = this.#pastColours(cands[c]!);
      if (pos === undefined || pos + 3 > this.#end) {
        if (!final) {
          keep.push(cands[c]!, cands[c + 1]!, cands[c + 2]!, cands[c + 3]!);
        }
        continue;
      }
      const b0 = this.#byteAt(pos);
      const b1 = this.#byteAt(pos + 1);
      const b2 = this.#byteAt(pos + 2);
      if ((b0 === 0xe2 && b1 === 0x80 && b2 === 0xa6) || (b0 === 0x2e && b1 === 0x2e && b2 === 0x2e)) {
        this.#ranges.push(cands[c + 1]!, cands[c + 2]!, cands[c + 3]!);
      }
    }
    this.#cands = keep;
  }

  // The first position from `pos` that is not in a colour code (`ESC [ … m`); undefined while one is cut off by the end.
  #pastColours(pos: number): number | undefined {
    let p = pos;
    while (p < this.#end && this.#byteAt(p) === ESC_BYTE) {
      let q = p + 1;
      if (q < this.#end && this.#byteAt(q) !== 0x5b) {
        return p;
      }
      q++;
      while (q < this.#end && q - p < MAX_PARTIAL_ESCAPE) {
        const b = this.#byteAt(q);
        if (b === 0x6d) {
          break;
        }
        if (!((b >= 0x30 && b <= 0x39) || b === 0x3b)) {
          return p;
        }
        q++;
      }
      if (q >= this.#end) {
        return undefined;
      }
      if (this.#byteAt(q) !== 0x6d) {
        return p;
      }
      p = q + 1;
    }
    return p;
  }

  /** First position that is not final yet. */
  #boundary(idle: boolean): number {
    const a = this.#a;
    const end = this.#end;
    const inString = this.#esc.inString;
    let b = end;
    const depth = a.depth[stateId(a, this.#s)]!;
    if (depth > 0) {
      b = Math.min(b, this.#walkBack(this.#esc.state === GROUND ? end : this.#esc.start, depth));
    }
    if (inString) {
      // The ESC of a possible string terminator is held even when idle, so a rescan sees it.
      const payloadEnd = this.#esc.state === STR_ESC ? this.#esc.strEscPos : end;
      b = Math.min(b, payloadEnd - a.depth[stateId(a, this.#strS)]!);
    } else if (this.#esc.state !== GROUND && !idle && end - this.#esc.start <= MAX_PARTIAL_ESCAPE) {
      // Held only so that output chunks end on whole sequences; an endless one goes out as it comes.
      b = Math.min(b, this.#esc.start);
    }
    for (let c = 1; c < this.#cands.length; c += 4) {
      b = Math.min(b, this.#cands[c]!);
    }
    if (!idle && b === end) {
      b = end - this.#partialUtf8();
    }
    // No match may straddle the boundary.
    for (let moved = true; moved; ) {
      moved = false;
      for (const list of [this.#ranges, this.#payload]) {
        for (let r = 0; r < list.length; r += 3) {
          if (list[r]! < b && list[r + 1]! >= b) {
            b = list[r]!;
            moved = true;
          }
        }
      }
    }
    return Math.max(b, this.#emitted);
  }

  // Bytes at the end that start a UTF-8 sequence still missing its continuation bytes.
  #partialUtf8(): number {
    const end = this.#end;
    for (let back = 1; back <= 3 && end - back >= this.#emitted; back++) {
      const byte = this.#byteAt(end - back);
      if ((byte & 0xc0) === 0x80) {
        continue;
      }
      const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      return need > back ? back : 0;
    }
    return 0;
  }

  #advance(b: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (b > this.#emitted) {
      const ops = this.#collect(this.#emitted, b);
      for (let o = 0; o < ops.length; o += 2) {
        const from = ops[o]!;
        const to = ops[o + 1]!;
        if (from === -1) {
          out.push(this.#replacements[to]!);
        } else {
          this.#slice(from, to, out);
        }
      }
    }
    // Keep a private copy of what is held: the caller may reuse its chunk.
    const heldFrom = b;
    const parts: Uint8Array[] = [];
    if (heldFrom < this.#end) {
      this.#slice(heldFrom, this.#end, parts);
    }
    this.#held = parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]!.slice() : Buffer.concat(parts);
    // The parser state at b: inside the escape in progress only when b is past its start.
    this.#heldState = this.#esc.stateAt(b);
    this.#emitted = b;
    this.#chunk = EMPTY;
    this.#chunkBase = this.#end;
    let k = 0;
    while (k < this.#spans.length && this.#spans[k + 1]! <= b) {
      k += 2;
    }
    if (k > 0) {
      this.#spans.splice(0, k);
    }
    return out;
  }

  #slice(from: number, to: number, out: Uint8Array[]): void {
    const cb = this.#chunkBase;
    if (from < cb) {
      out.push(this.#held.subarray(from - this.#emitted, Math.min(to, cb) - this.#emitted));
    }
    if (to > cb) {
      out.push(this.#chunk.subarray(Math.max(from, cb) - cb, to - cb));
    }
  }

  /** Output ops for `[from, to)`; removes the matches it consumed. */
  #collect(from: number, to: number): Ops {
    const main = takeMerged(this.#ranges, to);
    this.#ranges = main.rest;
    const payload = takeMerged(this.#payload, to);
    this.#payload = payload.rest;
    const spans = this.#spans;
    const ops: Ops = [];
    const inner = payload.merged;
    let pi = 0;
    const raw = (x: number, y: number): void => {
      let p = x;
      while (pi < inner.length && inner[pi]! < y) {
        const ps = inner[pi]!;
        if (ps > p) {
          ops.push(p, ps);
        }
        ops.push(-1, inner[pi + 2]!);
        p = inner[pi + 1]! + 1;
        pi += 3;
      }
      if (p < y) {
        ops.push(p, y);
      }
    };
    let pos = from;
    let si = 0;
    for (let r = 0; r < main.merged.length; r += 3) {
      const start = main.merged[r]!;
      const end = main.merged[r + 1]!;
      raw(pos, start);
      ops.push(-1, main.merged[r + 2]!);
      while (si < spans.length && spans[si]! < start) {
        si += 2;
      }
      while (si < spans.length && spans[si]! <= end) {
        raw(spans[si]!, spans[si + 1]!);
        si += 2;
      }
      pos = end + 1;
    }
    raw(pos, to);
    return ops;
  }
}

// Matches that start before `to` (all of them end before it), merged into a sorted union; the
// earliest-starting match names the merged range.
function takeMerged(list: number[], to: number): { merged: number[]; rest: number[] } {
  if (list.length === 0) {
    return { merged: [], rest: list };
  }
  const taken: [number, number, number][] = [];
  const rest: number[] = [];
  for (let r = 0; r < list.length; r += 3) {
    if (list[r]! < to) {
      taken.push([list[r]!, list[r + 1]!, list[r + 2]!]);
    } else {
      rest.push(list[r]!, list[r + 1]!, list[r + 2]!);
    }
  }
  taken.sort((x, y) => x[0] - y[0] || y[1] - x[1]);
  const merged: number[] = [];
  for (const [start, end, name] of taken) {
    const last = merged.length - 3;
    if (last >= 0 && start <= merged[last + 1]!) {
      merged[last + 1] = Math.max(merged[last + 1]!, end);
    } else {
      merged.push(start, end, name);
    }
  }
  return { merged, rest };
}
