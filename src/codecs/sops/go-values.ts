/**
 * Go's text forms of numbers, booleans and times, as sops uses them. The MAC hashes values exactly as
 * Go's `strconv` prints them, so JavaScript's own number printing (exponents from 1e21, `-0` as `0`)
 * cannot be used.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** @internal A Go `int` (64-bit) value. A bigint keeps integers beyond 2^53 exact. */
export class GoInt {
  constructor(readonly value: bigint) {}
}

/** @internal A Go `float64` value, kept apart from {@link GoInt} because Go prints them differently. */
export class GoFloat {
  constructor(readonly value: number) {}
}

/**
 * @internal A Go `time.Time`, stored as what `MarshalText` prints (RFC 3339 with nanoseconds) and what
 * `Format(time.RFC3339)` prints (whole seconds).
 */
export class GoTime {
  constructor(
    readonly text: string,
    readonly seconds: string
  ) {}
}

/** @internal `strconv.Atoi`: optional sign, decimal digits, within int64. */
export function parseGoInt(text: string): GoInt | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) {
    return undefined;
  }
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? undefined : new GoInt(value);
}

/** @internal `strconv.ParseInt(text, 0, 64)` as yaml.v3 calls it: base prefixes and 1.1-style octal. */
export function parseGoIntBase0(text: string): GoInt | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (m === null) {
    return undefined;
  }
  const [, sign = '', digits = ''] = m;
  let magnitude: bigint;
  if (/^0[oO]/.test(digits)) {
    magnitude = BigInt(`0o${digits.slice(2)}`);
  } else if (/^0[0-7]+$/.test(digits)) {
    magnitude = BigInt(`0o${digits.slice(1)}`);
  } else {
    magnitude = BigInt(digits);
  }
  const value = sign === '-' ? -magnitude : magnitude;
  return value < INT64_MIN || value > INT64_MAX ? undefined : new GoInt(value);
}

const DECIMAL_FLOAT = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?[0-9]+)$/;

/** @internal `strconv.ParseFloat(text, 64)`: decimal, hex (`0x1p-2`), `inf`/`infinity`/`nan`; out of range fails. */
export function parseGoFloat(text: string): GoFloat | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special !== null) {
    const [, sign, word = ''] = special;
    if (word.toLowerCase() === 'nan') {
      return sign === '' ? new GoFloat(Number.NaN) : undefined;
    }
    return new GoFloat(sign === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
  }
  let value: number;
  if (DECIMAL_FLOAT.test(text)) {
    value = Number(text);
  } else {
    const hex = HEX_FLOAT.exec(text);
    if (hex === null) {
      return undefined;
    }
    const [, sign, whole = '', fraction = '', exponent = '0'] = hex;
    if (whole === '' && fraction === '') {
      return undefined;
    }
    const mantissa = Number.parseInt(`${whole}${fraction}` || '0', 16);
    value = mantissa * 2 ** (Number(exponent) - 4 * fraction.length);
    if (sign === '-') {
      value = -value;
    }
  }
  return Number.isFinite(value) ? new GoFloat(value) : undefined;
}

/** @internal `strconv.ParseBool`. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) {
    return true;
  }
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) {
    return false;
  }
  return undefined;
}

/** Shortest round-trip decimal digits and the decimal point position (`0.DIGITS × 10^point`). */
function shortestDigits(x: number): { digits: string; point: number } {
  const [mantissa = '0', exponent = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  return { digits, point: Number(exponent) + 1 };
}

function special(x: number): string | undefined {
  if (Number.isNaN(x)) {
    return 'NaN';
  }
  if (!Number.isFinite(x)) {
    return x > 0 ? '+Inf' : '-Inf';
  }
  return undefined;
}

const sign = (x: number): string => (x < 0 || Object.is(x, -0) ? '-' : '');

function fixed(digits: string, point: number, decimals: number): string {
  const padded = point <= 0 ? `${'0'.repeat(1 - point)}${digits}` : digits.padEnd(point, '0');
  const intLen = point <= 0 ? 1 : point;
  const whole = padded.slice(0, intLen);
  const fraction = padded.slice(intLen).padEnd(decimals, '0').slice(0, decimals);
  return decimals > 0 ? `${whole}.${fraction}` : whole;
}

function exponential(digits: string, point: number, upper: boolean): string {
  const exp = digits === '0' ? 0 : point - 1;
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${mantissa}${upper ? 'E' : 'e'}${e}`;
}

/** @internal `strconv.FormatFloat(x, 'f', -1, 64)`: never an exponent. What the MAC hashes. */
export function formatGoFloatF(x: number): string {
  const s = special(x);
  if (s !== undefined) {
    return s;
  }
  const { digits, point } = shortestDigits(x);
  return `${sign(x)}${digits === '0' ? '0' : fixed(digits, point, Math.max(digits.length - point, 0))}`;
}

/** @internal `strconv.FormatFloat(x, 'g' | 'G', -1, 64)`: exponent form from 1e+06 and below 1e-04. */
export function formatGoFloatG(x: number, upper = false): string {
  const s = special(x);
  if (s !== undefined) {
    return s;
  }
  const { digits, point } = shortestDigits(x);
  const exp = point - 1;
  if (digits !== '0' && (exp < -4 || exp >= 6)) {
    return `${sign(x)}${exponential(digits, point, upper)}`;
  }
  return `${sign(x)}${digits === '0' ? '0' : fixed(digits, point, Math.max(digits.length - point, 0))}`;
}

/** @internal How yaml.v3 writes a float64. */
export function formatYamlFloat(x: number): string {
  const text = formatGoFloatG(x);
  return text === '+Inf' ? '.inf' : text === '-Inf' ? '-.inf' : text === 'NaN' ? '.nan' : text;
}

/** @internal How `encoding/json` writes a float64 (`undefined` for NaN and infinities, which it refuses). */
export function formatJsonFloat(x: number): string | undefined {
  if (!Number.isFinite(x)) {
    return undefined;
  }
  // Go and ECMAScript agree on the shortest digits and on the 1e-6/1e21 switch to exponents; only -0 differs.
  return Object.is(x, -0) ? '-0' : String(x);
}

/** @internal sops `stores.ValToString` for a float: `%G`, with `.0` added when it would read as an integer. */
export function formatValToStringFloat(x: number): string {
  const text = formatGoFloatG(x, true);
  if (text.includes('.') || text.includes('E') || special(x) !== undefined) {
    return text;
  }
  return `${text}.0`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(month: number, year: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

interface TimeParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Fraction digits, at most 9 (Go keeps nanoseconds). */
  readonly fraction: string;
  /** Offset from UTC in minutes. */
  readonly offset: number;
}

function makeTime(p: TimeParts): GoTime | undefined {
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > daysIn(p.month, p.year)) {
    return undefined;
  }
  if (p.hour > 23 || p.minute > 59 || p.second > 59) {
    return undefined;
  }
  const two = (n: number): string => String(n).padStart(2, '0');
  const zone =
    p.offset === 0
      ? 'Z'
      : `${p.offset < 0 ? '-' : '+'}${two(Math.floor(Math.abs(p.offset) / 60))}:${two(Math.abs(p.offset) % 60)}`;
  const base = `${String(p.year).padStart(4, '0')}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
  const nanos = p.fraction.slice(0, 9).replace(/0+$/, '');
  return new GoTime(`${base}${nanos === '' ? '' : `.${nanos}`}${zone}`, `${base}${zone}`);
}

function zoneOffset(zone: string): number | undefined {
  if (zone === 'Z') {
    return 0;
  }
  const m = /^([+-])([0-9]{2}):([0-9]{2})$/.exec(zone);
  if (m === null) {
    return undefined;
  }
  const [, s, hh = '0', mm = '0'] = m;
  if (Number(hh) > 23 || Number(mm) > 59) {
    return undefined;
  }
  return (s === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm));
}

/** @internal `time.Parse(time.RFC3339, text)` / `Time.UnmarshalText`: the strict RFC 3339 form. */
export function parseRfc3339(text: string): GoTime | undefined {
  const m =
    /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})$/.exec(
      text
    );
  if (m === null) {
    return undefined;
  }
  const offset = zoneOffset(m[8] ?? '');
  if (offset === undefined) {
    return undefined;
  }
  return makeTime({
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
    fraction: m[7] ?? '',
    offset,
  });
}

/**
 * @internal The unquoted timestamps yaml.v3 turns into `time.Time`: `2006-1-2T15:4:5.999999999Z07:00` (also
 * with `t`), `2006-1-2 15:4:5.999999999` (UTC) and `2006-1-2`.
 */
export function parseYamlTimestamp(text: string): GoTime | undefined {
  const m =
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,]([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2}))|(?: ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,]([0-9]+))?))?$/.exec(
      text
    );
  if (m === null) {
    return undefined;
  }
  const zoned = m[4] !== undefined;
  const offset = zoned ? zoneOffset(m[8] ?? '') : 0;
  if (offset === undefined) {
    return undefined;
  }
  return makeTime({
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number((zoned ? m[4] : m[9]) ?? 0),
    minute: Number((zoned ? m[5] : m[10]) ?? 0),
    second: Number((zoned ? m[6] : m[11]) ?? 0),
    fraction: (zoned ? m[7] : m[12]) ?? '',
    offset,
  });
}
