/**
 * INI sops files (`stores/ini/store.go` on go-ini v1.67 with `AllowNonUniqueSections`). The parser and
 * writer follow go-ini's rules, quirks included: keys before the first header form a `DEFAULT` section,
 * `#` or `;` anywhere in an unquoted value starts a comment, comments above a header or key belong to it,
 * `"""…"""` values may span lines, and output aligns `=` within each section.
 */
import { valToString } from './dotenv-format.js';
import { parseProblem } from './problem.js';
import { Branch, Comment, type TreeItem } from './tree.js';

const DEFAULT_SECTION = 'DEFAULT';
const DELIMITERS = '=:';

interface IniKey {
  readonly name: string;
  value: string;
  comment: string;
}

interface IniSection {
  readonly name: string;
  comment: string;
  readonly keys: IniKey[];
}

class IniReader {
  private readonly lines: string[];
  private index = 0;
  private comment = '';

  constructor(text: string) {
    const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
    // Each line keeps its "\n", as go-ini's ReadBytes('\n') does.
    this.lines = body.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  }

  private fail(what: string): never {
    throw parseProblem(`malformed INI at line ${this.index}: ${what}`);
  }

  private next(): string | undefined {
    const line = this.lines[this.index];
    if (line !== undefined) {
      this.index++;
    }
    return line;
  }

  parse(): IniSection[] {
    const sections: IniSection[] = [{ name: DEFAULT_SECTION, comment: '', keys: [] }];
    let section = sections[0] as IniSection;
    for (let raw = this.next(); raw !== undefined; raw = this.next()) {
      const line = raw.trimStart();
      if (line === '') {
        continue;
      }
      if (line[0] === '#' || line[0] === ';') {
        this.comment += line;
        continue;
      }
      if (line[0] === '[') {
        const close = line.lastIndexOf(']');
        if (close === -1) {
          this.fail('a section header has no closing "]"');
        }
        const name = line.slice(1, close);
        if (name === '') {
          this.fail('empty section name');
        }
        const trailing = cleanComment(line.slice(close + 1));
        if (trailing !== undefined) {
          this.comment += trailing;
        }
        section = { name, comment: this.comment.trim(), keys: [] };
        sections.push(section);
        this.comment = '';
        continue;
      }
      const { name, offset } = this.keyName(line);
      const value = this.value(line.slice(offset));
      const existing = section.keys.find((k) => k.name === name);
      const key = existing ?? { name, value, comment: '' };
      key.value = value;
      key.comment = this.comment.trim();
      if (existing === undefined) {
        section.keys.push(key);
      }
      this.comment = '';
    }
    return sections;
  }

  private keyName(line: string): { name: string; offset: number } {
    const quote =
      line.startsWith('"""') && line.length > 6 ? '"""' : line[0] === '"' ? '"' : line[0] === '`' ? '`' : '';
    if (quote !== '') {
      const end = line.indexOf(quote, quote.length);
      if (end === -1) {
        this.fail('a quoted key has no closing quote');
      }
      const delimiter = indexOfAny(line.slice(end + quote.length), DELIMITERS);
      if (delimiter < 0) {
        this.fail('no "=" or ":" after a key');
      }
      return { name: line.slice(quote.length, end).trim(), offset: end + delimiter + quote.length + 1 };
    }
    const delimiter = indexOfAny(line, DELIMITERS);
    if (delimiter < 0) {
      this.fail('no "=" or ":" in a line that is not a section or comment');
    }
    if (delimiter === 0) {
      this.fail('empty key name');
    }
    return { name: line.slice(0, delimiter).trim(), offset: delimiter + 1 };
  }

  private value(raw: string): string {
    let line = raw.trimStart();
    if (line === '') {
      return '';
    }
    const quote = line.length > 3 && line.startsWith('"""') ? '"""' : line[0] === '`' ? '`' : '';
    if (quote !== '') {
      const rest = line.slice(quote.length);
      const end = rest.lastIndexOf(quote);
      return end === -1 ? this.multiline(rest, quote) : rest.slice(0, end);
    }
    line = line.trim();
    if (line.endsWith('\\')) {
      return this.continuation(line.slice(0, -1));
    }
    const hash = indexOfAny(line, '#;');
    if (hash > -1) {
      this.comment += line.slice(hash);
      line = line.slice(0, hash).trim();
    }
    if (surrounded(line, "'") || surrounded(line, '"')) {
      line = line.slice(1, -1);
    }
    return line;
  }

  private multiline(start: string, quote: string): string {
    let value = start;
    for (;;) {
      const next = this.next();
      if (next === undefined) {
        this.fail(`a ${quote} value is not closed`);
      }
      const end = next.lastIndexOf(quote);
      if (end > -1) {
        const trailing = cleanComment(next.slice(end));
        if (trailing !== undefined) {
          this.comment += trailing.trim();
        }
        return value + next.slice(0, end);
      }
      value += next;
    }
  }

  private continuation(start: string): string {
    let value = start;
    for (let next = this.next(); next !== undefined; next = this.next()) {
      const line = next.trim();
      if (line === '') {
        break;
      }
      value += line;
      if (!value.endsWith('\\')) {
        break;
      }
      value = value.slice(0, -1);
    }
    return value;
  }
}

function indexOfAny(text: string, chars: string): number {
  for (let i = 0; i < text.length; i++) {
    if (chars.includes(text[i] as string)) {
      return i;
    }
  }
  return -1;
}

function cleanComment(text: string): string | undefined {
  const i = indexOfAny(text, '#;');
  return i === -1 ? undefined : text.slice(i);
}

const surrounded = (s: string, q: string): boolean =>
  s.length >= 2 && s[0] === q && s[s.length - 1] === q && s.indexOf(q, 1) === s.length - 1;

// sops `stripCommentChar`: drop the leading run of `;`/`#` and spaces of the first line only.
function stripCommentChar(comment: string): string {
  if (comment.startsWith(';')) {
    return comment.replace(/^[; ]+/, '');
  }
  if (comment.startsWith('#')) {
    return comment.replace(/^[# ]+/, '');
  }
  return comment;
}

/** @internal Parse an INI sops file: one branch whose items are the sections, `DEFAULT` first. */
export function loadIni(text: string): Branch[] {
  const items: TreeItem[] = new IniReader(text).parse().map((section) => {
    const entries: TreeItem[] = [];
    if (section.comment !== '') {
      entries.push({ key: new Comment(stripCommentChar(section.comment)), value: null });
    }
    for (const key of section.keys) {
      entries.push({ key: key.name, value: key.value });
      if (key.comment !== '') {
        entries.push({ key: new Comment(stripCommentChar(key.comment)), value: null });
      }
    }
    return { key: section.name, value: new Branch(entries) };
  });
  return [new Branch(items)];
}

function commentLines(comment: string, trimLines: boolean): string[] {
  return comment.split('\n').map((line) => {
    if (line[0] !== '#' && line[0] !== ';') {
      return `; ${trimLines ? line.trim() : line}`;
    }
    return `${line[0]} ${line.slice(1).trim()}`;
  });
}

/** @internal The INI text of a decrypted branch, as `sops -d` prints it (go-ini `WriteTo`). */
export function emitIni(branch: Branch): string {
  const sections: IniSection[] = [];
  for (const item of branch.items) {
    if (item.key instanceof Comment) {
      continue;
    }
    if (!(item.value instanceof Branch)) {
      throw parseProblem('an INI section is not a mapping');
    }
    const section: IniSection = { name: item.key, comment: '', keys: [] };
    let last: IniKey | undefined;
    item.value.items.forEach((entry, i) => {
      if (entry.key instanceof Comment) {
        if (i === 0) {
          section.comment = entry.key.value;
        } else if (last !== undefined) {
          last.comment = entry.key.value;
        }
        return;
      }
      const value = valToString(entry.value);
      const existing = section.keys.find((k) => k.name === entry.key);
      last = existing ?? { name: entry.key, value, comment: '' };
      last.value = value;
      if (existing === undefined) {
        section.keys.push(last);
      }
    });
    sections.push(section);
  }
  const out: string[] = [];
  sections.forEach((section, i) => {
    if (section.comment !== '') {
      out.push(...commentLines(section.comment, false).map((l) => `${l}\n`));
    }
    if (i > 0 || section.name.toUpperCase() !== DEFAULT_SECTION) {
      out.push(`[${section.name}]\n`);
    } else if (section.keys.length === 0) {
      return;
    }
    const names = section.keys.map((k) => quoteKey(k.name));
    // go-ini pads by byte length.
    const align = Math.max(0, ...names.map((n) => Buffer.byteLength(n)));
    section.keys.forEach((key, j) => {
      if (key.comment !== '') {
        out.push(...commentLines(key.comment, true).map((l) => `${l}\n`));
      }
      const name = names[j] as string;
      out.push(`${name}${' '.repeat(align - Buffer.byteLength(name))} = ${quoteValue(key.value)}\n`);
    });
    if (i < sections.length - 1) {
      out.push('\n');
    }
  });
  return out.join('');
}

function quoteKey(name: string): string {
  if (name.includes('"') || indexOfAny(name, DELIMITERS) > -1) {
    return `\`${name}\``;
  }
  return name.includes('`') ? `"""${name}"""` : name;
}

function quoteValue(value: string): string {
  if (value.includes('\n') || value.includes('`')) {
    return `"""${value}"""`;
  }
  if (value.includes('#') || value.includes(';')) {
    return `\`${value}\``;
  }
  return value.trim() !== value ? `"${value}"` : value;
}
