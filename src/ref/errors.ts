import { BrokerError } from '../errors.js';
import { displayRefInput } from './display.js';

/**
 * @public A malformed reference. A `BrokerError` with code `REF_SYNTAX` (so `isBrokerError` holds) that also
 * carries where parsing stopped and what would have been accepted there, for editors and config validators.
 *
 * Message shape, one line: `ref: [<problem>; ]expected <expected> at column <n> in "<input>"[. <hint>]`, e.g.
 * `ref: unexpected "?"; expected "#" or end of input at column 20 in "vault:secret/db?a=1?b"`.
 * The input is echoed with any value that looks like a credential replaced by `<redacted>`.
 */
export class RefSyntaxError extends BrokerError {
  /** 1-based, counted in Unicode code points of the input as given (the echo may be shorter where redacted). */
  readonly column: number;
  /** What the grammar would have accepted at {@link RefSyntaxError.column}, in words. */
  readonly expected: string;
  /** The rejected input, in display form (credential-looking values redacted). */
  readonly input: string;
  readonly #rebuild: (context: string) => RefSyntaxError;

  /**
   * @param index 0-based UTF-16 index into `input` where parsing stopped.
   * @param context prefixed to the message as `<context>: ref: …`, e.g. the file a ref was read from.
   */
  constructor(input: string, index: number, expected: string, problem?: string, hint?: string, context?: string) {
    const display = displayRefInput(input);
    const column = [...input.slice(0, index)].length + 1;
    const what = problem === undefined ? `expected ${expected}` : `${problem}; expected ${expected}`;
    const reason = `ref: ${what} at column ${column} in ${quote(display)}`;
    super('REF_SYNTAX', context === undefined ? reason : `${context}: ${reason}`, hint === undefined ? {} : { hint });
    this.column = column;
    this.expected = expected;
    this.input = display;
    this.#rebuild = (outer) =>
      new RefSyntaxError(input, index, expected, problem, hint, context === undefined ? outer : `${outer}: ${context}`);
  }

  /** The same error with `context` in front of its message: where the ref came from. */
  within(context: string): RefSyntaxError {
    return this.#rebuild(context);
  }
}

/** @internal Raises a {@link RefSyntaxError} at a 0-based (UTF-16) index of the input being parsed. */
export type Fail = (index: number, expected: string, problem?: string, hint?: string) => never;

/** @internal The input being parsed and the two ways to reject it. */
export class RefReader {
  readonly input: string;

  constructor(input: string) {
    this.input = input;
  }

  readonly fail: Fail = (index, expected, problem, hint) => {
    throw new RefSyntaxError(this.input, index, expected, problem, hint);
  };

  /** Reject whatever character is at `index` (or the end of input). */
  unexpected(index: number, expected: string, hint?: string): never {
    return this.fail(index, expected, `unexpected ${describeChar(charAt(this.input, index))}`, hint);
  }
}

/** @internal The whole code point at a UTF-16 index, or undefined past the end. */
export function charAt(text: string, index: number): string | undefined {
  const code = text.codePointAt(index);
  return code === undefined ? undefined : String.fromCodePoint(code);
}

/** @internal How an unexpected character is named in a message. */
export function describeChar(ch: string | undefined): string {
  if (ch === undefined) {
    return 'end of input';
  }
  const code = ch.codePointAt(0)!;
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
    return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return /\s/.test(ch) ? 'whitespace' : JSON.stringify(ch);
}

/** @internal A JSON string literal that also escapes DEL and C1 controls, which JSON leaves raw (and invisible). */
export function quote(text: string): string {
  return JSON.stringify(text).replaceAll(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  );
}
