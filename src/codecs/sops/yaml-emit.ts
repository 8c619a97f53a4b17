/**
 * sops tree → YAML text, the way `sops -d` prints it: sops turns the tree into yaml.v3 nodes
 * (`appendTreeBranch`) and yaml.v3's libyaml port writes them with 4-space indentation. This is a port of
 * the parts of that emitter a sops document reaches: block mappings and sequences, empty `{}`/`[]`, the four
 * scalar styles with libyaml's style choice and 80-column folding, and head, line and foot comments.
 */
import { formatYamlFloat, GoFloat, GoInt, GoTime } from './go-values.js';
import { Branch, Comment, type TreeValue } from './tree.js';
import { resolvePlain } from './yaml-load.js';

const BEST_INDENT = 4;
const BEST_WIDTH = 80;

type Style = 'plain' | 'single' | 'double' | 'literal';

interface ScalarNode {
  readonly kind: 'scalar';
  readonly text: string;
  readonly style: Style;
  head: string[];
  line: string[];
  foot: string[];
}

interface MapNode {
  readonly kind: 'map';
  readonly pairs: { key: ScalarNode; value: YamlNode }[];
  head: string[];
  line: string[];
  foot: string[];
}

interface SeqNode {
  readonly kind: 'seq';
  readonly items: YamlNode[];
  head: string[];
  line: string[];
  foot: string[];
}

type YamlNode = ScalarNode | MapNode | SeqNode;

const isBreak = (c: string): boolean => c === '\n' || c === '\r' || c === '\u0085' || c === '\u2028' || c === '\u2029';

// libyaml `is_printable` on the UTF-8 bytes; code points beyond U+FFFF count as not printable.
function isPrintable(c: string): boolean {
  const cp = c.codePointAt(0) ?? 0;
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff)
  );
}

interface Analysis {
  readonly multiline: boolean;
  readonly blockPlainAllowed: boolean;
  readonly singleQuotedAllowed: boolean;
  readonly blockAllowed: boolean;
}

/** libyaml `yaml_emitter_analyze_scalar`, for block context. */
function analyze(value: string): Analysis {
  if (value === '') {
    return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  }
  const chars = [...value];
  let blockIndicators = value.startsWith('---') || value.startsWith('...');
  let lineBreaks = false;
  let special = false;
  let tabs = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWhitespace = true;
  let previousSpace = false;
  let previousBreak = false;
  chars.forEach((c, i) => {
    const next = chars[i + 1];
    const followedByWhitespace = next === undefined || next === ' ' || next === '\t';
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) {
        blockIndicators = true;
      } else if ((c === '?' || c === ':' || c === '-') && followedByWhitespace) {
        blockIndicators = true;
      }
    } else if ((c === ':' && followedByWhitespace) || (c === '#' && precededByWhitespace)) {
      blockIndicators = true;
    }
    if (c === '\t') {
      tabs = true;
    } else if (!isPrintable(c)) {
      special = true;
    }
    if (c === ' ') {
      leadingSpace ||= i === 0;
      trailingSpace ||= i === chars.length - 1;
      breakSpace ||= previousBreak;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      leadingBreak ||= i === 0;
      trailingBreak ||= i === chars.length - 1;
      spaceBreak ||= previousSpace;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = c === ' ' || c === '\t' || isBreak(c) || c === '\0';
  });
  let blockPlainAllowed = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak);
  let singleQuotedAllowed = true;
  let blockAllowed = !trailingSpace;
  if (breakSpace) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || tabs || special) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || special) {
    blockAllowed = false;
  }
  if (lineBreaks || blockIndicators) {
    blockPlainAllowed = false;
  }
  return { multiline: lineBreaks, blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const OLD_BOOLS = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'on',
  'On',
  'ON',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'off',
  'Off',
  'OFF',
]);

/** yaml.v3 `stringv` followed by libyaml `select_scalar_style`. */
function stringStyle(value: string, simpleKey: boolean): Style {
  const a = analyze(value);
  let style: Style;
  if (value.includes('\n')) {
    style = 'literal';
  } else {
    const resolved = resolvePlain(value);
    const plainReadsBack = 'value' in resolved && typeof resolved.value === 'string';
    style = plainReadsBack && !BASE60_FLOAT.test(value) && !OLD_BOOLS.has(value) ? 'plain' : 'double';
  }
  if (simpleKey && a.multiline) {
    style = 'double';
  }
  if (style === 'plain' && (!a.blockPlainAllowed || (value === '' && simpleKey))) {
    style = 'single';
  }
  if (style === 'single' && !a.singleQuotedAllowed) {
    style = 'double';
  }
  if (style === 'literal' && (!a.blockAllowed || simpleKey)) {
    style = 'double';
  }
  return style;
}

function scalar(value: Exclude<TreeValue, Branch | TreeValue[] | Comment>, simpleKey = false): ScalarNode {
  const node = (text: string, style: Style): ScalarNode => ({
    kind: 'scalar',
    text,
    style,
    head: [],
    line: [],
    foot: [],
  });
  if (typeof value === 'string') {
    return node(value, stringStyle(value, simpleKey));
  }
  if (value instanceof Uint8Array) {
    const text = Buffer.from(value).toString('utf8');
    return node(text, stringStyle(text, simpleKey));
  }
  if (value === null) {
    return node('null', 'plain');
  }
  if (typeof value === 'boolean') {
    return node(String(value), 'plain');
  }
  if (value instanceof GoInt) {
    return node(value.value.toString(), 'plain');
  }
  if (value instanceof GoFloat) {
    return node(formatYamlFloat(value.value), 'plain');
  }
  if (value instanceof GoTime) {
    return node(value.text, 'plain');
  }
  return node(String(value), 'plain');
}

const commentText = (c: Comment): string => `#${c.value}`;

/** sops `treeValueToNode` / `appendTreeBranch` / `appendSequence`: where each comment lands. */
function toNode(value: TreeValue): YamlNode {
  if (value instanceof Branch) {
    const node: MapNode = { kind: 'map', pairs: [], head: [], line: [], foot: [] };
    let head: string[] = [];
    let inline: string[] = [];
    for (const item of value.items) {
      if (item.key instanceof Comment) {
        (item.key.inline ? inline : head).push(commentText(item.key));
        continue;
      }
      if (node.pairs.length === 0) {
        node.head.push(...head);
        head = [];
      }
      const key = scalar(item.key, true);
      key.head = head;
      const child = toNode(item.value);
      child.line.push(...inline);
      node.pairs.push({ key, value: child });
      head = [];
      inline = [];
    }
    const rest = [...head, ...inline];
    const last = node.pairs[node.pairs.length - 1];
    (last === undefined ? node.head : last.key.foot).push(...rest);
    return node;
  }
  if (Array.isArray(value)) {
    const node: SeqNode = { kind: 'seq', items: [], head: [], line: [], foot: [] };
    let head: string[] = [];
    let inline: string[] = [];
    for (const item of value) {
      if (item instanceof Comment) {
        (item.inline ? inline : head).push(commentText(item));
        continue;
      }
      if (node.items.length === 0) {
        node.head.push(...head);
        head = [];
      }
      const child = toNode(item);
      child.head.unshift(...head);
      child.line.push(...inline);
      node.items.push(child);
      head = [];
      inline = [];
    }
    const rest = [...head, ...inline];
    const last = node.items[node.items.length - 1];
    (last === undefined ? node.head : last.foot).push(...rest);
    return node;
  }
  if (value instanceof Comment) {
    return scalar(value.value);
  }
  return scalar(value);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** The output buffer with libyaml's column, whitespace and indention state. */
class Writer {
  private readonly out: string[] = [];
  column = 0;
  whitespace = true;
  indention = true;
  footIndent = -1;

  put(text: string): void {
    this.out.push(text);
    // libyaml counts characters, not UTF-16 units.
    this.column += SURROGATE.test(text) ? [...text].length : text.length;
  }

  putBreak(): void {
    this.out.push('\n');
    this.column = 0;
    this.whitespace = true;
    this.indention = true;
  }

  writeIndent(indent: number): void {
    const at = Math.max(indent, 0);
    if (!this.indention || this.column > at || (this.column === at && !this.whitespace)) {
      this.putBreak();
    }
    if (this.footIndent === at) {
      this.putBreak();
    }
    while (this.column < at) {
      this.put(' ');
    }
    this.whitespace = true;
    this.footIndent = -1;
  }

  indicator(text: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) {
      this.put(' ');
    }
    this.put(text);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  comment(lines: readonly string[], indent: number): void {
    lines.forEach((line, i) => {
      if (i > 0) {
        this.writeIndent(indent);
      }
      this.put(line.startsWith('#') ? line : `# ${line}`);
      this.putBreak();
    });
  }

  text(): string {
    return this.out.join('');
  }
}

function writePlain(w: Writer, value: string, indent: number, allowBreaks: boolean): void {
  if (value !== '' && !w.whitespace) {
    w.put(' ');
  }
  // Words are written whole: libyaml may only break a plain scalar at a single space.
  const words = value.split(' ');
  words.forEach((word, i) => {
    if (i > 0) {
      const previousWasSpace = words[i - 1] === '' && i > 1;
      if (allowBreaks && !previousWasSpace && w.column > BEST_WIDTH && word !== '') {
        w.writeIndent(indent);
      } else {
        w.put(' ');
      }
    }
    if (word !== '') {
      w.put(word);
      w.indention = false;
    }
  });
  w.whitespace = false;
  w.indention = false;
}

function writeSingle(w: Writer, value: string, indent: number, allowBreaks: boolean): void {
  w.indicator("'", true, false, false);
  const chars = [...value];
  let spaces = false;
  chars.forEach((c, i) => {
    if (c === ' ') {
      const inside = i > 0 && i < chars.length - 1;
      if (allowBreaks && !spaces && w.column > BEST_WIDTH && inside && chars[i + 1] !== ' ') {
        w.writeIndent(indent);
      } else {
        w.put(c);
      }
      spaces = true;
    } else {
      w.put(c === "'" ? "''" : c);
      w.indention = false;
      spaces = false;
    }
  });
  w.indicator("'", false, false, false);
  w.whitespace = false;
  w.indention = false;
}

const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\b': 'b',
  '\t': 't',
  '\n': 'n',
  '\v': 'v',
  '\f': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\u0085': 'N',
  '\u00a0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

function escapeChar(c: string): string {
  const named = ESCAPES[c];
  if (named !== undefined) {
    return `\\${named}`;
  }
  const cp = c.codePointAt(0) ?? 0;
  const hex = cp.toString(16).toUpperCase();
  if (cp <= 0xff) {
    return `\\x${hex.padStart(2, '0')}`;
  }
  return cp <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`;
}

function writeDouble(w: Writer, value: string, indent: number, allowBreaks: boolean): void {
  w.indicator('"', true, false, false);
  const chars = [...value];
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (!isPrintable(c) || c === '\ufeff' || isBreak(c) || c === '"' || c === '\\') {
      w.put(escapeChar(c));
      spaces = false;
    } else if (c === ' ') {
      if (allowBreaks && !spaces && w.column > BEST_WIDTH && i !== 0 && i !== chars.length - 1) {
        w.writeIndent(indent);
        if (chars[i + 1] === ' ') {
          w.put('\\');
        }
      } else {
        w.put(c);
      }
      spaces = true;
    } else {
      w.put(c);
      spaces = false;
    }
  }
  w.indicator('"', false, false, false);
  w.whitespace = false;
  w.indention = false;
}

function writeLiteral(w: Writer, value: string, indent: number, lineComment: readonly string[]): void {
  w.indicator('|', true, false, false);
  const chars = [...value];
  if (chars[0] === ' ' || isBreak(chars[0] ?? '')) {
    w.indicator(String(BEST_INDENT), false, false, false);
  }
  const last = chars.length - 1;
  if (!isBreak(chars[last] ?? '')) {
    w.indicator('-', false, false, false);
  } else if (last === 0 || isBreak(chars[last - 1] ?? '')) {
    w.indicator('+', false, false, false);
  }
  if (lineComment.length > 0) {
    w.put(' ');
    w.comment(lineComment, indent);
  } else {
    w.putBreak();
  }
  w.whitespace = true;
  let breaks = true;
  for (const c of chars) {
    if (isBreak(c)) {
      w.putBreak();
      breaks = true;
    } else {
      if (breaks) {
        w.writeIndent(indent);
      }
      w.put(c);
      w.indention = false;
      breaks = false;
    }
  }
}

/** Writes a scalar; returns whether its line comment was written already (block scalars write it in the header). */
function writeScalar(w: Writer, node: ScalarNode, indent: number, simpleKey: boolean): boolean {
  switch (node.style) {
    case 'plain':
      writePlain(w, node.text, indent, !simpleKey);
      return false;
    case 'single':
      writeSingle(w, node.text, indent, !simpleKey);
      return false;
    case 'double':
      writeDouble(w, node.text, indent, !simpleKey);
      return false;
    case 'literal':
      writeLiteral(w, node.text, indent, node.line);
      return true;
  }
}

function lineComment(w: Writer, lines: readonly string[], indent: number): void {
  if (lines.length === 0) {
    return;
  }
  if (!w.whitespace) {
    w.put(' ');
  }
  w.comment(lines, indent);
}

function headComment(w: Writer, lines: readonly string[], indent: number): void {
  if (lines.length > 0) {
    w.writeIndent(indent);
    w.comment(lines, indent);
  }
}

function footComment(w: Writer, lines: readonly string[], indent: number): void {
  if (lines.length > 0) {
    w.writeIndent(indent);
    w.comment(lines, indent);
    w.footIndent = Math.max(indent, 0);
  }
}

/** yaml.v3 `increase_indent`: one step deeper, aligned to the indentation unit, or past a sequence's `- `. */
const deeper = (indent: number, inSequenceItem: boolean): number =>
  inSequenceItem ? indent + 2 : BEST_INDENT * Math.floor((indent + BEST_INDENT) / BEST_INDENT);

function writeNode(w: Writer, node: YamlNode, parentIndent: number, inSequenceItem: boolean): void {
  if (node.kind === 'scalar') {
    const indent = deeper(parentIndent, inSequenceItem);
    if (!writeScalar(w, node, indent, false)) {
      lineComment(w, node.line, indent);
    }
    return;
  }
  const items = node.kind === 'map' ? node.pairs.length : node.items.length;
  if (items === 0) {
    w.indicator(node.kind === 'map' ? '{}' : '[]', true, false, false);
    lineComment(w, node.line, parentIndent);
    return;
  }
  lineComment(w, node.line, parentIndent);
  const indent = parentIndent < 0 ? 0 : deeper(parentIndent, inSequenceItem);
  if (node.kind === 'map') {
    writeMap(w, node, indent);
  } else {
    writeSeq(w, node, indent);
  }
}

function writeMap(w: Writer, node: MapNode, indent: number): void {
  headComment(w, node.head, indent);
  let tail: string[] = [];
  for (const { key, value } of node.pairs) {
    footComment(w, tail, indent);
    headComment(w, key.head, indent);
    w.writeIndent(indent);
    const simple = Buffer.byteLength(key.text) <= 128 && ![...key.text].some(isBreak);
    if (!simple) {
      w.indicator('?', true, false, true);
    }
    writeScalar(w, key, deeper(indent, false), simple);
    if (!simple) {
      w.writeIndent(indent);
    }
    w.indicator(':', !simple, false, !simple);
    writeNode(w, value, indent, false);
    tail = key.foot;
  }
  footComment(w, tail, indent);
}

function writeSeq(w: Writer, node: SeqNode, indent: number): void {
  for (const item of node.items) {
    headComment(w, item.head, indent);
    w.writeIndent(indent);
    w.indicator('-', true, false, true);
    const { head } = item;
    item.head = [];
    writeNode(w, item, indent, true);
    item.head = head;
    footComment(w, item.foot, indent);
  }
}

/** @internal The YAML text of decrypted branches, one document each, as `sops -d` prints them. */
export function emitYaml(branches: readonly Branch[]): string {
  return branches
    .map((branch) => {
      const w = new Writer();
      const root = toNode(branch) as MapNode;
      if (root.pairs.length === 0) {
        headComment(w, root.head, 0);
        w.indicator('{}', false, false, false);
      } else {
        writeMap(w, root, 0);
      }
      const text = w.text();
      return text.endsWith('\n') ? text : `${text}\n`;
    })
    .join('---\n');
}

/** @internal One value as `sops -d --extract` prints it from a YAML file (without the final newline). */
export function emitYamlValue(value: TreeValue): string {
  if (value instanceof Branch) {
    return emitYaml([value]).replace(/\n$/, '');
  }
  const w = new Writer();
  const node = toNode(value);
  if (node.kind === 'seq' && node.items.length > 0) {
    writeSeq(w, node, 0);
  } else {
    writeNode(w, node, -1, false);
  }
  return w.text().replace(/\n$/, '');
}
