import { inspect } from 'node:util';
import { type Automaton, buildAutomaton, type Pattern } from './automaton.js';
import {
  applyEdits,
  asDecimalBytes,
  type Edit,
  numberRuns,
  rewriteRun,
  runSeparator,
  runSpan,
} from './decimal-runs.js';
import {
  BUFFER_INSPECT_BYTES,
  bufferInspection,
  deriveByteForms,
  deriveForms,
  ENCODERS,
  nearMissForms,
  wrappedBase64Lines,
} from './forms.js';
import { splitValue } from './parts.js';
import { publicHeadLength } from './public-head.js';
import { type Ops, opsMatches, ScanSession } from './scan-session.js';
import { isCommon } from './secret-like.js';
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

/** @public Where a registered form of a value was found by {@link Scrubber.findings}. Never holds the value. */
export interface Finding {
  /** The credential's name. */
  readonly name: string;
  /** Byte offsets of the match in the scanned bytes, `[start, end)`. */
  readonly start: number;
  readonly end: number;
  /**
   * What replaces the match in a file the run created, when not the redaction label: for a run of decimal bytes, the
   * bytes of its redacted text in the same layout (a JSON array stays one).
   */
  readonly replacement?: string;
}

/** @public What {@link Scrubber.report} says about one credential (counts only). */
export interface FormReport {
  readonly name: string;
  /** Distinct forms registered for the credential's values. */
  readonly forms: number;
  /** Of those, the ones too common to fail a file scan (still scrubbed from output). */
  readonly commonForms: number;
  /** Secret-bearing parts registered besides the whole value (PEM body lines, secret fields, URL passwords). */
  readonly parts: number;
  /**
   * Where those parts were found, never what they are: key paths (`DATABASE_PASSWORD (line 1)`, `db.password`),
   * `URL password`, `PEM PRIVATE KEY body`, `line 3`.
   */
  readonly partsFrom: readonly string[];
  /** Whether a value itself is too common to scrub without false positives. */
  readonly common: boolean;
}

interface FormEntry {
  /** The credential's name index. */
  readonly name: number;
  /** Index of the masked text of a structured value printed whole, or -1: the credential's label. */
  readonly masked: number;
  common: boolean;
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
  readonly #forms = new Map<string, FormEntry>();
  /** Byte forms ({@link deriveByteForms}), keyed by their bytes as Latin-1 text: matched in bytes, never told to CI. */
  readonly #byteForms = new Map<string, FormEntry>();
  readonly #names: string[] = [];
  readonly #nameIndex = new Map<string, number>();
  /** Masked texts of structured values, replacing the value printed whole. */
  readonly #masked: string[] = [];
  readonly #report = new Map<number, { parts: number; common: boolean; from: Set<string> }>();
  readonly #formObservers: ((form: string, name: string) => void)[] = [];
  readonly #pending: { readonly plain: string; readonly nameIndex: number }[] = [];
  #compiled: Compiled | undefined;
  #strict: Compiled | undefined;

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
    const nameIndex = this.#nameFor(name);
    this.#compiled = undefined;
    this.#strict = undefined;
    // Forms are derived when something is first scrubbed (a test file's worker often never prints), unless an
    // observer must learn each form before `add` returns.
    this.#pending.push({ plain, nameIndex });
    if (this.#formObservers.length > 0) {
      this.#settle();
    }
    return undefined;
  }

  // Derives and registers the forms of the values added since the last call, in the order they were added.
  #settle(): void {
    if (this.#pending.length === 0) {
      return;
    }
    for (const { plain, nameIndex } of this.#pending.splice(0)) {
      this.#derive(plain, nameIndex);
    }
  }

  #derive(value: string, nameIndex: number): void {
    // A value read from a file usually ends in a newline (`echo`, an editor), and a test that uses it strips it
    // (`.trim()`, `new Headers()`), so the value without it is what gets printed. Its forms are registered instead of
    // the value's own: each of those contains them, and a redaction then leaves the output's own line break in place.
    const core = value.trim();
    const plain = core !== value && core.length >= this.#minLength ? core : value;
    const label = this.#render(this.#names[nameIndex]!);
    const { parts, masked, opaque } = splitValue(plain, this.#minLength, label);
    const valueCommon = isCommon(plain);
    const report = this.#report.get(nameIndex)!;
    report.parts += parts.length;
    for (const part of parts) {
      for (const from of part.from) {
        report.from.add(from);
      }
    }
    report.common ||= valueCommon;
    // Printed whole, a structured value keeps its furniture: the masked text replaces it.
    if (masked !== undefined) {
      for (const form of ENCODERS.identity!(plain).concat(ENCODERS.lineEnds!(plain))) {
        if (form !== undefined && form.length >= this.#minLength) {
          const text = form.includes('\r\n') ? masked.replace(/\r?\n/g, '\r\n') : masked.replace(/\r\n/g, '\n');
          this.#masked.push(text);
          this.#register(form, nameIndex, valueCommon, this.#masked.length - 1);
        }
      }
    }
    // Wrapped base64 of a structured value: only the lines that encode more than furniture (a line that encodes
    // `-----END PRIVATE KEY-----` only would redact that armour in every base64 text).
    for (const form of deriveForms(plain, this.#minLength, masked === undefined ? [] : ['base64Wrapped'])) {
      this.#register(form, nameIndex, valueCommon);
    }
    this.#registerBytes(plain, nameIndex, valueCommon);
    if (masked !== undefined) {
      for (const width of [64, 76]) {
        for (const line of wrappedBase64Lines(Buffer.from(plain, 'utf8'), width)) {
          if (!masked.includes(line.encodes) && line.form.length >= this.#minLength) {
            this.#register(line.form, nameIndex, valueCommon);
          }
        }
      }
    }
    // `console.log(buffer)` shows the first 50 bytes in hex; registered when they are not furniture.
    const shown = Buffer.from(plain, 'utf8').subarray(0, BUFFER_INSPECT_BYTES).toString('utf8');
    if (opaque && !isCommon(shown)) {
      this.#register(bufferInspection(plain), nameIndex, false);
    }
    for (const part of parts) {
      for (const form of deriveForms(part.text, this.#minLength)) {
        this.#register(form, nameIndex, part.common);
      }
      this.#registerBytes(part.text, nameIndex, part.common);
    }
    // Near misses are redacted where they are printed, but never fail a file scan: they are a guess.
    for (const text of [...(opaque ? [plain] : []), ...parts.map((part) => part.text)]) {
      for (const form of nearMissForms(text)) {
        this.#register(form, nameIndex, true);
      }
    }
  }

  #nameFor(name: string): number {
    let nameIndex = this.#nameIndex.get(name);
    if (nameIndex === undefined) {
      nameIndex = this.#names.length;
      this.#names.push(name);
      this.#nameIndex.set(name, nameIndex);
      this.#report.set(nameIndex, { parts: 0, common: false, from: new Set() });
    }
    return nameIndex;
  }

  // The first registration of a form decides its replacement; it is common only if every source says so.
  #register(form: string, name: number, common: boolean, masked = -1): void {
    const entry = this.#forms.get(form);
    if (entry === undefined) {
      this.#forms.set(form, { name, masked, common });
      this.#compiled = undefined;
      this.#strict = undefined;
      for (const observe of this.#formObservers) {
        observe(form, this.#names[name]!);
      }
    } else if (entry.common && !common) {
      entry.common = false;
      this.#strict = undefined;
    }
  }

  // A CI log masker reads text: a byte form reaches it only through our streams, which redact it first.
  #registerBytes(text: string, name: number, common: boolean): void {
    for (const bytes of deriveByteForms(text, this.#minLength)) {
      const key = Buffer.from(bytes).toString('latin1');
      const entry = this.#byteForms.get(key);
      if (entry === undefined) {
        this.#byteForms.set(key, { name, masked: -1, common });
        this.#compiled = undefined;
        this.#strict = undefined;
      } else if (entry.common && !common) {
        entry.common = false;
        this.#strict = undefined;
      }
    }
  }

  /**
   * Calls `observer` synchronously with each form as it is registered (and with those registered already), before
   * `add` returns: CI log maskers (GitHub's `::add-mask::`) must learn a form before any test can print it.
   */
  onForm(observer: (form: string, name: string) => void): void {
    this.#settle();
    for (const [form, index] of this.#forms) {
      observer(form, this.#names[index.name]!);
    }
    this.#formObservers.push(observer);
  }

  /** The shortest value, and form, this scrubber redacts (UTF-16 code units; see {@link ScrubberOptions.minLength}). */
  get minLength(): number {
    return this.#minLength;
  }

  /** Number of values registered (each with all its forms). */
  get size(): number {
    return this.#values.size;
  }

  /** Number of distinct forms being matched. */
  get formCount(): number {
    this.#settle();
    return this.#forms.size + this.#byteForms.size;
  }

  /** Credential names registered, in registration order. */
  get names(): readonly string[] {
    return [...this.#names];
  }

  /**
   * `text` with every registered form replaced, and every run of decimal bytes that decodes to text holding one
   * (decimal-runs.ts). Returns `text` itself when nothing matched.
   */
  scrub(text: string): string {
    this.#settle();
    if (this.#forms.size === 0 || text.length === 0) {
      return text;
    }
    const scrubbed = this.#scrubForms(text);
    return applyEdits(scrubbed, this.decimalEdits(scrubbed));
  }

  /**
   * @internal Where runs of decimal bytes in `text` hold a value, and the run rewritten with the value's numbers
   * replaced (decimal-runs.ts): for a stream, which matches registered forms across chunks elsewhere. A Latin-1 string
   * of bytes gives byte offsets.
   */
  decimalEdits(text: string): readonly Edit[] {
    this.#settle();
    if (this.#forms.size === 0 || text.length === 0) {
      return [];
    }
    const compiled = this.compiled();
    const edits: Edit[] = [];
    for (const run of numberRuns(text, this.#minLength)) {
      const ops = this.#session(compiled).once(run.bytes);
      if (ops !== undefined) {
        const matches = opsMatches(ops, run.bytes.length);
        const rewritten = rewriteRun(text, run, matches, (match) => compiled.replacementText[match.name]!);
        edits.push({ start: run.start, end: run.end, text: rewritten });
      }
    }
    return edits;
  }

  #scrubForms(text: string): string {
    const compiled = this.compiled();
    const buf = Buffer.from(text, 'utf8');
    const ops = this.#session(compiled).once(buf);
    return ops === undefined ? text : opsToString(ops, text, buf, compiled.replacementText);
  }

  /** Bytes with every registered form replaced. Returns `buf` itself (as a Buffer) when nothing matched. */
  scrubBuffer(buf: Uint8Array): Buffer {
    this.#settle();
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
    this.#settle();
    if (this.#forms.size === 0 || text.length === 0) {
      return false;
    }
    const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    return this.#session(this.compiled()).once(buf) !== undefined;
  }

  /** @internal The automaton for the values registered so far, rebuilt only after an `add`. */
  compiled(): Compiled {
    this.#settle();
    this.#compiled ??= this.#compile(false);
    return this.#compiled;
  }

  // Replacement index: the name's label (index = name index), or a masked text after all the labels. A truncated
  // prefix always prints the label: the masked text would show furniture that was cut off.
  #compile(strictOnly: boolean): Compiled {
    const labels = this.#names.length;
    const patterns: Pattern[] = [];
    const forms = [...this.#forms].map(([form, entry]) => [Buffer.from(form, 'utf8'), entry] as const);
    const byteForms = [...this.#byteForms].map(([form, entry]) => [Buffer.from(form, 'latin1'), entry] as const);
    for (const [bytes, entry] of [...forms, ...byteForms]) {
      if (!strictOnly || !entry.common) {
        const name = entry.masked < 0 || strictOnly ? entry.name : labels + entry.masked;
        patterns.push({ bytes, name, truncatedName: entry.name, truncatedMinLength: cutPrefixMin(bytes) });
      }
    }
    const replacementText = [...this.#names.map((name) => this.#render(name)), ...this.#masked];
    return {
      automaton: buildAutomaton(patterns, this.#truncatedMinLength),
      replacementText,
      replacements: replacementText.map((text) => Buffer.from(text, 'utf8')),
      truncatedMinLength: this.#truncatedMinLength,
    };
  }

  /**
   * Where `bytes` hold a form that cannot occur by accident — every registered form except the common ones
   * ({@link FormReport.commonForms}) — for file scans. Overlapping matches are merged, named by the first.
   */
  findings(bytes: Uint8Array): Finding[] {
    this.#settle();
    if (this.#forms.size === 0 || bytes.length === 0) {
      return [];
    }
    this.#strict ??= this.#compile(true);
    const strict = this.#strict;
    const ops = this.#session(strict).once(bytes);
    const found: Finding[] = (ops === undefined ? [] : opsMatches(ops, bytes.length)).map(({ start, end, name }) => ({
      name: this.#names[name]!,
      start,
      end,
    }));
    // A run of decimal bytes (a Buffer printed one number per line) holding a form that cannot occur by accident: in a
    // created file, its numbers become those of the label, so a JSON array stays one.
    const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    for (const run of numberRuns(latin1, this.#minLength)) {
      const hits = this.#session(strict).once(run.bytes);
      for (const match of hits === undefined ? [] : opsMatches(hits, run.bytes.length)) {
        const [start, end] = runSpan(run, match);
        const name = this.#names[match.name]!;
        if (!found.some((f) => f.start < end && f.end > start)) {
          const replacement = asDecimalBytes(this.label(name), runSeparator(latin1, run));
          found.push({ name, start, end, replacement });
        }
      }
    }
    return found.sort((a, b) => a.start - b.start);
  }

  /** The redaction label of a credential name (the `replacement` option applied). */
  label(name: string): string {
    return this.#render(name);
  }

  /** Per credential: how many forms are registered, how many are too common to fail a file scan, and its parts. */
  report(): FormReport[] {
    this.#settle();
    const counts = this.#names.map(() => ({ forms: 0, commonForms: 0 }));
    for (const entry of [...this.#forms.values(), ...this.#byteForms.values()]) {
      counts[entry.name]!.forms++;
      if (entry.common) {
        counts[entry.name]!.commonForms++;
      }
    }
    return this.#names.map((name, i) => {
      const { parts, common, from } = this.#report.get(i)!;
      return { name, ...counts[i]!, parts, common, partsFrom: [...from] };
    });
  }

  #session(compiled: Compiled): ScanSession {
    return new ScanSession(compiled.automaton, compiled.replacements, compiled.truncatedMinLength);
  }

  [inspect.custom](): string {
    return `Scrubber { size: ${this.size}, names: ${inspect(this.#names)} }`;
  }
}

/**
 * A cut prefix of a form is redacted from half the form's length, up to {@link CUT_PREFIX_CAP} bytes (never below
 * `truncatedMinLength`): a vendor's public prefix in a hint (`github_pat_...`, 11 bytes of an 82-byte token) is not a
 * cut value, while a runner's cut (chai: 37 characters) and most of a short value are. Counted past the furniture
 * every credential of the kind shares (PEM armour, an OpenSSH key's first line: {@link publicHeadLength}).
 */
function cutPrefixMin(form: Buffer): number {
  // Only the first bytes can be furniture: a bounded read, as this runs for every form of every value.
  const head = publicHeadLength(form.toString('latin1', 0, PUBLIC_HEAD_READ));
  return head + Math.min(CUT_PREFIX_CAP, Math.ceil((form.length - head) / 2));
}

const CUT_PREFIX_CAP = 16;
const PUBLIC_HEAD_READ = 256;

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
