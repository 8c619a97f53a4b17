/*
 * The escape sequences of a terminal stream (ECMA-48), recognised byte by byte so the scrubber can step over them:
 * a value coloured character by character must still match, and the colours must survive its replacement. Control
 * sequences (CSI) and two-byte escapes are skipped whole; string sequences (OSC, DCS, SOS, PM, APC) are not
 * displayed but carry data — a hyperlink's URL — so their payload is handed to the scrubber byte by byte.
 */

/** Text: no sequence in progress. */
export const GROUND = 0;
/** After ESC. */
export const ESC = 1;
/** ESC + intermediate bytes. */
export const INTER = 2;
/** ESC [ … */
export const CSI = 3;
/** ESC ] / P / X / ^ / _ : payload until BEL or ST. */
export const STR = 4;
/** ESC inside a string: ST (ESC \) or the start of a new sequence. */
export const STR_ESC = 5;

export const ESC_BYTE = 0x1b;

/** What the parser reports to its scanner, in absolute stream positions. */
export interface EscapeSink {
  /** A skipped span `[start, end)`: a whole sequence, or the part of one before a byte that aborted it. */
  span(start: number, end: number): void;
  /** A string sequence's payload begins. */
  payloadStart(): void;
  /** One payload byte of a string sequence. */
  payloadByte(byte: number, pos: number): void;
}

/** @internal The state of one sequence at a time; the scanner calls {@link begin} at an ESC and {@link feed} after. */
export class EscapeParser {
  /** One of the states above; a plain field, read in the scanner's hot loop. */
  state = GROUND;
  /** Absolute position of the sequence's ESC. */
  start = 0;
  /** In `STR_ESC`: where the ESC that may begin the string terminator lies. */
  strEscPos = 0;
  readonly #sink: EscapeSink;

  constructor(sink: EscapeSink) {
    this.#sink = sink;
  }

  /** An ESC at absolute position `pos` starts a sequence. */
  begin(pos: number): void {
    this.state = ESC;
    this.start = pos;
  }

  /** Inside a string sequence (its payload may still hold a match). */
  get inString(): boolean {
    return this.state === STR || this.state === STR_ESC;
  }

  /**
   * The state to resume from when output stops at absolute position `at`: inside the sequence in progress only when
   * `at` is past its start (a terminator's ESC is rescanned, so `STR_ESC` resumes as `STR`).
   */
  stateAt(at: number): number {
    if (this.state === GROUND || at <= this.start) {
      return GROUND;
    }
    return this.state === STR_ESC ? STR : this.state;
  }

  /**
   * Consumes the sequence in progress from `buf[from]` (`base` is `buf[0]`'s absolute position); returns the index
   * of the first byte after it, or `buf.length` when the sequence continues past the chunk.
   */
  feed(buf: Uint8Array, base: number, from: number): number {
    const n = buf.length;
    let i = from;
    while (i < n) {
      const b = buf[i]!;
      switch (this.state) {
        case ESC:
          if (b === 0x5b) {
            this.state = CSI;
          } else if (b === 0x5d || b === 0x50 || b === 0x58 || b === 0x5e || b === 0x5f) {
            this.state = STR;
            this.#sink.payloadStart();
          } else if (b >= 0x20 && b <= 0x2f) {
            this.state = INTER;
          } else if (b >= 0x30 && b <= 0x7e) {
            return this.#close(base + i + 1, i + 1);
          } else {
            return this.#abort(buf, base, i);
          }
          break;
        case INTER:
          if (b >= 0x30 && b <= 0x7e) {
            return this.#close(base + i + 1, i + 1);
          }
          if (b < 0x20 || b > 0x2f) {
            return this.#abort(buf, base, i);
          }
          break;
        case CSI:
          if (b >= 0x40 && b <= 0x7e) {
            return this.#close(base + i + 1, i + 1);
          }
          if (b < 0x20 || b > 0x3f) {
            return this.#abort(buf, base, i);
          }
          break;
        case STR:
          if (b === 0x07 || b === 0x18 || b === 0x1a) {
            return this.#close(base + i + 1, i + 1);
          }
          if (b === ESC_BYTE) {
            this.state = STR_ESC;
            this.strEscPos = base + i;
          } else {
            this.#sink.payloadByte(b, base + i);
          }
          break;
        default:
          // STR_ESC
          if (b === 0x5c) {
            return this.#close(base + i + 1, i + 1);
          }
          // Any other sequence ends the string and starts at that ESC.
          this.#sink.span(this.start, this.strEscPos);
          this.start = this.strEscPos;
          this.state = ESC;
          continue;
      }
      i++;
    }
    return i;
  }

  #close(endPos: number, next: number): number {
    this.#sink.span(this.start, endPos);
    this.state = GROUND;
    return next;
  }

  // A byte that cannot continue the sequence is text again; what came before it stays skipped.
  #abort(buf: Uint8Array, base: number, i: number): number {
    if (buf[i] === ESC_BYTE) {
      this.#sink.span(this.start, base + i);
      this.start = base + i;
      this.state = ESC;
      return i + 1;
    }
    return this.#close(base + i, i);
  }
}
