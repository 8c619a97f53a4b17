/**
 * JSON and binary sops files (`stores/json/store.go`). The reader keeps key order and duplicate keys, and
 * tells integers from floats by their text as Go's `UseNumber` decoder does; the writer reproduces
 * `encodeTree` + `json.Indent` with a tab, which is what `sops -d` prints.
 */
import { formatJsonFloat, GoFloat, GoInt, GoTime, parseGoFloat } from './go-values.js';
import { parseProblem, SopsProblem } from './problem.js';
import { Branch, Comment, type TreeItem, type TreeValue } from './tree.js';

const INT64 = /^-?(0|[1-9][0-9]*)$/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings may not hold raw control characters.
const STRING = /"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class JsonReader {
  private pos = 0;

  constructor(private readonly text: string) {}

  fail(what: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const col = this.pos - before.lastIndexOf('\n');
    throw parseProblem(`malformed JSON at line ${line}, column ${col}: ${what}`);
  }

  private skip(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos] as string)) {
      this.pos++;
    }
  }

  private peek(): string | undefined {
    this.skip();
    return this.text[this.pos];
  }

  private expect(c: string): void {
    if (this.peek() !== c) {
      this.fail(this.pos >= this.text.length ? `unexpected end of input, expected "${c}"` : `expected "${c}"`);
    }
    this.pos++;
  }

  private string(): string {
    this.skip();
    STRING.lastIndex = this.pos;
    const m = STRING.exec(this.text);
    if (m === null) {
      this.fail(this.pos >= this.text.length ? 'unexpected end of input' : 'invalid string');
    }
    this.pos = STRING.lastIndex;
    // Go's decoder turns unpaired surrogate escapes into U+FFFD.
    return (JSON.parse(m[0]) as string).replace(LONE_SURROGATE, '\uFFFD');
  }

  value(depth: number): TreeValue {
    if (depth > 256) {
      this.fail('nesting deeper than 256 levels');
    }
    const c = this.peek();
    if (c === '{') {
      return this.object(depth);
    }
    if (c === '[') {
      this.pos++;
      const items: TreeValue[] = [];
      if (this.peek() === ']') {
        this.pos++;
        return items;
      }
      for (;;) {
        items.push(this.value(depth + 1));
        if (this.peek() === ',') {
          this.pos++;
          continue;
        }
        this.expect(']');
        return items;
      }
    }
    if (c === '"') {
      return this.string();
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (m === null || m[0] === '') {
      this.fail(c === undefined ? 'unexpected end of input' : 'expected a value');
    }
    this.pos = NUMBER.lastIndex;
    return number(m[0], this);
  }

  object(depth: number): Branch {
    this.expect('{');
    const items: TreeItem[] = [];
    if (this.peek() === '}') {
      this.pos++;
      return new Branch(items);
    }
    for (;;) {
      if (this.peek() !== '"') {
        this.fail(this.pos >= this.text.length ? 'unexpected end of input' : 'expected an object key');
      }
      const key = this.string();
      this.expect(':');
      items.push({ key, value: this.value(depth + 1) });
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      this.expect('}');
      return new Branch(items);
    }
  }

  end(): void {
    if (this.peek() !== undefined) {
      this.fail('unexpected data after the top-level object');
    }
  }

  top(): Branch {
    const c = this.peek();
    if (c !== '{') {
      if (c === undefined) {
        this.fail('the file is empty');
      }
      if (!/[["\-0-9tfn]/.test(c)) {
        this.fail('expected "{"');
      }
      throw parseProblem('sops JSON files hold a top-level object; this one holds another JSON type');
    }
    const branch = this.object(0);
    this.end();
    return branch;
  }
}

// Go's `normalizeJSONNumber`: int64 integers are ints, everything else a float64.
function number(text: string, reader: JsonReader): GoInt | GoFloat {
  if (INT64.test(text)) {
    const value = BigInt(text);
    if (value >= -(2n ** 63n) && value < 2n ** 63n) {
      return new GoInt(value);
    }
  }
  const f = parseGoFloat(text);
  if (f === undefined) {
    reader.fail('a number out of range');
  }
  return f;
}

/** @internal Parse a JSON (or binary-format) sops file into its single branch. */
export function loadJson(text: string): Branch[] {
  return [new JsonReader(text).top()];
}

/** @internal Go `json.Marshal` of a string: HTML-safe escapes, U+2028/2029 escaped. */
export function jsonString(s: string): string {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0) ?? 0;
    if (c === '"' || c === '\\') {
      out += `\\${c}`;
    } else if (c === '\n') {
      out += '\\n';
    } else if (c === '\r') {
      out += '\\r';
    } else if (c === '\t') {
      out += '\\t';
    } else if (c === '\b') {
      out += '\\b';
    } else if (c === '\f') {
      out += '\\f';
    } else if (cp < 0x20 || c === '<' || c === '>' || c === '&' || cp === 0x2028 || cp === 0x2029) {
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    } else {
      out += c;
    }
  }
  return `${out}"`;
}

/** @internal Go `json.Marshal` of a leaf. */
export function jsonScalar(value: Exclude<TreeValue, Branch | TreeValue[] | Comment>): string {
  if (typeof value === 'string') {
    return jsonString(value);
  }
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'boolean') {
    return String(value);
  }
  if (value instanceof GoInt) {
    return value.value.toString();
  }
  if (value instanceof GoFloat) {
    const text = formatJsonFloat(value.value);
    if (text === undefined) {
      throw new SopsProblem('UNSUPPORTED', 'decrypt', 'a NaN or infinite number cannot be written as JSON');
    }
    return text;
  }
  if (value instanceof GoTime) {
    return jsonString(value.text);
  }
  return jsonString(Buffer.from(value).toString('base64'));
}

function indentJson(value: TreeValue, depth: number): string {
  const pad = '\t'.repeat(depth + 1);
  const close = '\t'.repeat(depth);
  if (value instanceof Branch) {
    const entries = value.items.flatMap((item) =>
      typeof item.key === 'string' ? [`${pad}${jsonString(item.key)}: ${indentJson(item.value, depth + 1)}`] : []
    );
    return entries.length === 0 ? '{}' : `{\n${entries.join(',\n')}\n${close}}`;
  }
  if (Array.isArray(value)) {
    const entries = value.flatMap((item) => (item instanceof Comment ? [] : [`${pad}${indentJson(item, depth + 1)}`]));
    return entries.length === 0 ? '[]' : `[\n${entries.join(',\n')}\n${close}]`;
  }
  if (value instanceof Comment) {
    return jsonString(value.value);
  }
  return jsonScalar(value);
}

/** @internal The JSON text of a decrypted branch, as `sops -d` prints it. */
export function emitJson(branch: Branch): string {
  return `${indentJson(branch, 0)}\n`;
}

/** @internal One value as `sops -d --extract` prints it from a JSON file. */
export function emitJsonValue(value: TreeValue): string {
  return indentJson(value, 0);
}
