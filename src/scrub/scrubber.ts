import { inspect } from 'node:util';
import { type Automaton, buildAutomaton, type Pattern } from './automaton.js';
import { deriveForms } from './forms.js';
import { type Ops, ScanSession } from './scan-session.js';
import { SecretValue } from './secret-value.js';

/**
 * @public Shortest value the scrubber redacts by default (UTF-16 code units). Below six characters a
 * value collides with ordinary words and numbers so often that redacting it garbles the output, and
 * the garbling itself tells a reader what the value is (azure-pipelines-agent#1207); six is where
 * GitHub starts masking the pieces of a split secret and where Azure caps its "ignore shorter" knob,
 * and it still covers six-digit PINs. GitLab refuses to mask anything under eight.
 */
export const DEFAULT_MIN_LENGTH = 6;

/** @public Default shortest prefix of a value that is redacted when an ellipsis cuts it (chai: 40 chars). */
export const DEFAULT_TRUNCATED_MIN_LENGTH = 8;

/** @public */
export interface ScrubberOptions {
  /**
   * Values (and derived forms) shorter than this many UTF-16 code units are not scrubbed;
   * {@link Scrubber.add} returns a warning for such a value instead.
   * @defaultValue {@link DEFAULT_MIN_LENGTH} (6)
   */
  readonly minLength?: number;
  /**
   * Replacement text: a template where `{name}` is the credential name, or a function of the name.
   * @defaultValue `'[redacted:{name}]'`
   */
  readonly replacement?: string | ((name: string) => string);
  /**
   * A prefix of a registered form at least this many UTF-8 bytes long, directly followed by `…` or
   * `...`, is redacted: test runners cut long values that way (chai's `truncateThreshold`). Never
   * below `minLength`; `Infinity` turns it off.
   * @defaultValue {@link DEFAULT_TRUNCATED_MIN_LENGTH} (8)
   */
  readonly truncatedMinLength?: number;
}

/** @public Returned by {@link Scrubber.add} for a value that will not be scrubbed. Names the credential, never the value. */
export interface ScrubWarning {
  readonly code: 'SECRET_TOO_SHORT';
  readonly name: string;
  readonly minLength: number;
  /** A sentence to print loudly at resolve time. */
  readonly message: string;
}

/** @internal What a stream needs from the scrubber: the automaton of the moment and its replacements. */
export interface Compiled {
  readonly automaton: Automaton;
  readonly replacements: readonly Uint8Array[];
  readonly replacementText: readonly string[];
  readonly truncatedMinLength: number;
}

/**
 * @public Redacts registered values, in all their derived forms ({@link deriveForms}), from text.
 * Matching is one Aho–Corasick pass whatever the number of values; overlapping matches are replaced
 * by their union, so no part of any value survives; escape sequences between the characters of a
 * value do not stop the match and are kept after the replacement. Values may be added at any time:
 * the automaton is rebuilt once, on the next scrub.
 */
export class Scrubber {
  readonly #minLength: number;
  readonly #truncatedMinLength: number;
  readonly #render: (name: string) => string;
  readonly #values = new Set<string>();
  readonly #forms = new Map<string, number>();
  readonly #names: string[] = [];
  readonly #nameIndex = new Map<string, number>();
  readonly #formObservers: ((form: string, name: string) => void)[] = [];
  #compiled: Compiled | undefined;

  constructor(options: ScrubberOptions = {}) {
    this.#minLength = Math.max(1, options.minLength ?? DEFAULT_MIN_LENGTH);
    this.#truncatedMinLength = Math.max(this.#minLength, options.truncatedMinLength ?? DEFAULT_TRUNCATED_MIN_LENGTH);
    const replacement = options.replacement ?? '[redacted:{name}]';
    this.#render =
      typeof replacement === 'function' ? replacement : (name) => replacement.replace(/\{name\}/g, () => name);
  }

  /**
   * Registers a resolved value under its credential name. Returns a warning, and registers nothing,
   * when the value is shorter than `minLength`; the caller should print it.
   */
  add(value: string | SecretValue, name: string): ScrubWarning | undefined {
    const plain = value instanceof SecretValue ? value.reveal() : value;
    if (plain.length < this.#minLength) {
      return {
        code: 'SECRET_TOO_SHORT',
        name,
        minLength: this.#minLength,
        message: `scrub: credential "${name}" is shorter than ${this.#minLength} characters, so it is NOT redacted from output. Use a longer value or lower the scrub minimum length.`,
      };
    }
    if (this.#values.has(plain)) {
      return undefined;
    }
    this.#values.add(plain);
    let nameIndex = this.#nameIndex.get(name);
    if (nameIndex === undefined) {
      nameIndex = this.#names.length;
      this.#names.push(name);
      this.#nameIndex.set(name, nameIndex);
    }
    for (const form of deriveForms(plain, this.#minLength)) {
      if (!this.#forms.has(form)) {
        this.#forms.set(form, nameIndex);
        this.#compiled = undefined;
        for (const observe of this.#formObservers) {
          observe(form, name);
        }
      }
    }
    return undefined;
  }

  /**
   * Calls `observer` synchronously with each form as it is registered (and with those registered already), before
   * `add` returns: CI log maskers (GitHub's `::add-mask::`) must learn a form before any test can print it.
   */
  onForm(observer: (form: string, name: string) => void): void {
    for (const [form, index] of this.#forms) {
      observer(form, this.#names[index]!);
    }
    this.#formObservers.push(observer);
  }

  /** Number of values registered (each with all its forms). */
  get size(): number {
    return this.#values.size;
  }

  /** Number of distinct forms being matched. */
  get formCount(): number {
    return this.#forms.size;
  }

  /** Credential names registered, in registration order. */
  get names(): readonly string[] {
    return [...this.#names];
  }

  /** `text` with every registered form replaced. Returns `text` itself when nothing matched. */
  scrub(text: string): string {
    if (this.#forms.size === 0 || text.length === 0) {
      return text;
    }
    const compiled = this.compiled();
    const buf = Buffer.from(text, 'utf8');
    const ops = this.#session(compiled).once(buf);
    return ops === undefined ? text : opsToString(ops, text, buf, compiled.replacementText);
  }

  /** Bytes with every registered form replaced. Returns `buf` itself (as a Buffer) when nothing matched. */
  scrubBuffer(buf: Uint8Array): Buffer {
    const input = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    if (this.#forms.size === 0 || input.length === 0) {
      return input;
    }
    const compiled = this.compiled();
    const ops = this.#session(compiled).once(input);
    if (ops === undefined) {
      return input;
    }
    const parts: Uint8Array[] = [];
    for (let o = 0; o < ops.length; o += 2) {
      parts.push(ops[o] === -1 ? compiled.replacements[ops[o + 1]!]! : input.subarray(ops[o]!, ops[o + 1]!));
    }
    return Buffer.concat(parts);
  }

  /** Whether `text` contains any registered form (what {@link Scrubber.scrub} would replace). */
  has(text: string | Uint8Array): boolean {
    if (this.#forms.size === 0 || text.length === 0) {
      return false;
    }
    const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    return this.#session(this.compiled()).once(buf) !== undefined;
  }

  /** @internal The automaton for the values registered so far, rebuilt only after an `add`. */
  compiled(): Compiled {
    if (this.#compiled !== undefined) {
      return this.#compiled;
    }
    const patterns: Pattern[] = [];
    for (const [form, name] of this.#forms) {
      patterns.push({ bytes: Buffer.from(form, 'utf8'), name });
    }
    const replacementText = this.#names.map((name) => this.#render(name));
    this.#compiled = {
      automaton: buildAutomaton(patterns, this.#truncatedMinLength),
      replacementText,
      replacements: replacementText.map((text) => Buffer.from(text, 'utf8')),
      truncatedMinLength: this.#truncatedMinLength,
    };
    return this.#compiled;
  }

  #session(compiled: Compiled): ScanSession {
    return new ScanSession(compiled.automaton, compiled.replacements, compiled.truncatedMinLength);
  }

  [inspect.custom](): string {
    return `Scrubber { size: ${this.size}, names: ${inspect(this.#names)} }`;
  }
}

// Builds the output from slices of the original string, so that only matched text is re-encoded.
function opsToString(ops: Ops, text: string, buf: Uint8Array, replacements: readonly string[]): string {
  const ascii = buf.length === text.length;
  let bytePos = 0;
  let unitPos = 0;
  const toUnits = (pos: number): number => {
    if (ascii) {
      return pos;
    }
    unitPos += utf16Length(buf, bytePos, pos);
    bytePos = pos;
    return unitPos;
  };
  const parts: string[] = [];
  for (let o = 0; o < ops.length; o += 2) {
    if (ops[o] === -1) {
      parts.push(replacements[ops[o + 1]!]!);
    } else {
      const from = toUnits(ops[o]!);
      parts.push(text.slice(from, toUnits(ops[o + 1]!)));
    }
  }
  return parts.join('');
}

/** @internal UTF-16 length of the valid UTF-8 in `buf[from, to)`, four bytes at a time where aligned. */
export function utf16Length(buf: Uint8Array, from: number, to: number): number {
  let units = 0;
  let i = from;
  const scalar = (end: number): void => {
    for (; i < end; i++) {
      const b = buf[i]!;
      if ((b & 0xc0) !== 0x80) {
        units += b >= 0xf0 ? 2 : 1;
      }
    }
  };
  scalar(Math.min(to, from + ((4 - ((buf.byteOffset + from) & 3)) & 3)));
  const count = (to - i) >> 2;
  if (count > 0) {
    const words = new Int32Array(buf.buffer, buf.byteOffset + i, count);
    let continuation = 0;
    let fourByte = 0;
    for (let k = 0; k < count; k++) {
      const w = words[k]!;
      if ((w & 0x80808080) === 0) {
        continue;
      }
      // Per byte: 10xxxxxx continues a character, 11110xxx starts a surrogate pair.
      continuation += Math.imul((w & ~(w << 1) & 0x80808080) >>> 7, 0x01010101) >>> 24;
      fourByte += Math.imul((w & (w << 1) & (w << 2) & (w << 3) & 0x80808080) >>> 7, 0x01010101) >>> 24;
    }
    units += count * 4 - continuation + fourByte;
    i += count * 4;
  }
  scalar(to);
  return units;
}
