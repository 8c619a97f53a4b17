/**
 * YAML → sops tree, as `stores/yaml/store.go` builds it with yaml.v3. The `yaml` package parses (it keeps
 * key order and comments); scalars are resolved here with yaml.v3's rules rather than YAML 1.2's, because
 * an unencrypted `0777` or `2024-01-02` hashes into the MAC as the Go value yaml.v3 makes of it.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type ParsedNode,
  parseAllDocuments,
  type Scalar as YamlScalar,
} from 'yaml';
import { GoFloat, GoInt, GoTime, parseGoFloat, parseGoIntBase0, parseYamlTimestamp } from './go-values.js';
import { parseProblem } from './problem.js';
import { Branch, Comment, type Scalar, type TreeItem, type TreeValue } from './tree.js';

const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const TAG_PREFIX = 'tag:yaml.org,2002:';

const SPECIAL: ReadonlyMap<string, Scalar> = new Map<string, Scalar>([
  ...['true', 'True', 'TRUE'].map((s): [string, Scalar] => [s, true]),
  ...['false', 'False', 'FALSE'].map((s): [string, Scalar] => [s, false]),
  ...['', '~', 'null', 'Null', 'NULL'].map((s): [string, Scalar] => [s, null]),
  ...['.nan', '.NaN', '.NAN'].map((s): [string, Scalar] => [s, new GoFloat(Number.NaN)]),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s): [string, Scalar] => [
    s,
    new GoFloat(Number.POSITIVE_INFINITY),
  ]),
  ...['-.inf', '-.Inf', '-.INF'].map((s): [string, Scalar] => [s, new GoFloat(Number.NEGATIVE_INFINITY)]),
]);

type Resolved = { readonly value: Scalar } | { readonly unsupported: string };

/** @internal yaml.v3 `resolve("", text)` for a plain scalar. */
export function resolvePlain(text: string): Resolved {
  const special = SPECIAL.get(text);
  if (special !== undefined) {
    return { value: special };
  }
  const first = text[0] ?? '';
  if (first === '.') {
    const f = parseGoFloat(text);
    return { value: f ?? text };
  }
  if (!/[-+0-9]/.test(first)) {
    return { value: text };
  }
  const time = parseYamlTimestamp(text);
  if (time !== undefined) {
    return { value: time };
  }
  const plain = text.replaceAll('_', '');
  const int = parseGoIntBase0(plain);
  if (int !== undefined) {
    return { value: int };
  }
  if (
    /^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[1-9][0-9]*)$/.test(plain) &&
    BigInt(plain.replace(/^0[oO]/, '0o')) < 2n ** 64n
  ) {
    // Fits uint64 but not int64 (strconv.ParseUint takes no sign): yaml.v3 makes a uint64, which sops cannot walk.
    return { unsupported: 'an integer beyond 64-bit signed range' };
  }
  if (YAML_FLOAT.test(plain)) {
    const f = parseGoFloat(plain);
    if (f !== undefined) {
      return { value: f };
    }
  }
  return { value: text };
}

interface LoadState {
  readonly lines: LineCounter;
  readonly doc: Document.Parsed;
}

function where(state: LoadState, node: Node | null | undefined): string {
  const offset = node?.range?.[0];
  if (offset === undefined) {
    return 'in the YAML';
  }
  const { line, col } = state.lines.linePos(offset);
  return `at line ${line}, column ${col}`;
}

function resolveScalar(state: LoadState, node: YamlScalar): Scalar {
  const text = String(node.value ?? '');
  const tag = node.tag?.startsWith(TAG_PREFIX) ? `!!${node.tag.slice(TAG_PREFIX.length)}` : node.tag;
  const quoted = node.type !== undefined && node.type !== 'PLAIN';
  if (tag === '!!str' || ((tag === undefined || tag === '!') && quoted)) {
    return text;
  }
  if (tag === '!!binary') {
    return Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  const resolved = resolvePlain(text);
  if ('unsupported' in resolved) {
    throw parseProblem(`malformed YAML ${where(state, node)}: ${resolved.unsupported} is not supported by sops`);
  }
  if (tag === undefined || !['!!int', '!!float', '!!bool', '!!null', '!!timestamp'].includes(tag)) {
    // Tags yaml.v3 cannot resolve (custom `!Ref`, `!!set`…) leave the text as a string.
    return tag === undefined ? resolved.value : text;
  }
  return checkTag(state, node, tag, resolved.value);
}

function yamlTag(value: Scalar): string {
  if (value === null) {
    return '!!null';
  }
  if (typeof value === 'boolean') {
    return '!!bool';
  }
  if (value instanceof GoInt) {
    return '!!int';
  }
  if (value instanceof GoFloat) {
    return '!!float';
  }
  if (value instanceof GoTime) {
    return '!!timestamp';
  }
  return '!!str';
}

function checkTag(state: LoadState, node: Node, tag: string, value: Scalar): Scalar {
  const kind = yamlTag(value);
  if (kind === tag) {
    return value;
  }
  if (tag === '!!float' && value instanceof GoInt) {
    return new GoFloat(Number(value.value));
  }
  throw parseProblem(`malformed YAML ${where(state, node)}: a ${kind} value is tagged ${tag}`);
}

function commentLines(text: string | null | undefined, inline = false): Comment[] {
  if (text === undefined || text === null || text === '') {
    return [];
  }
  // sops keeps each non-empty line after its `#`; the yaml package already dropped the `#`.
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => new Comment(line, inline));
}

const asItems = (comments: Comment[]): TreeItem[] => comments.map((c) => ({ key: c, value: null }));

function toValue(state: LoadState, node: ParsedNode | null, depth: number): TreeValue {
  if (depth > 256) {
    throw parseProblem(`malformed YAML ${where(state, node)}: nesting deeper than 256 levels`);
  }
  if (node === null) {
    return null;
  }
  if (isAlias(node)) {
    const target = node.resolve(state.doc);
    if (target === undefined) {
      throw parseProblem(`malformed YAML ${where(state, node)}: unresolved alias`);
    }
    return toValue(state, target as ParsedNode, depth + 1);
  }
  if (isMap(node)) {
    const items: TreeItem[] = asItems(commentLines(node.commentBefore));
    const seen = new Set<string>();
    for (const pair of node.items) {
      const keyNode = pair.key as ParsedNode | null;
      const valueNode = pair.value as ParsedNode | null;
      const key = toKey(state, keyNode);
      // yaml.v3 refuses duplicate keys; the yaml package's own check is quadratic in the mapping's size.
      if (seen.has(key)) {
        throw parseProblem(`malformed YAML ${where(state, keyNode)}: ${yamlErrorText('DUPLICATE_KEY')}`);
      }
      seen.add(key);
      items.push(...asItems(commentLines(keyNode?.commentBefore)));
      const simple = valueNode === null || isScalar(valueNode) || isAlias(valueNode);
      if (simple) {
        items.push(...asItems(commentLines(valueNode?.commentBefore)));
        items.push(...asItems(commentLines(valueNode?.comment, true)));
      }
      items.push({ key, value: toValue(state, valueNode, depth + 1) });
      items.push(...asItems(commentLines(keyNode?.comment)));
    }
    items.push(...asItems(commentLines(node.comment)));
    return new Branch(items);
  }
  if (isSeq(node)) {
    const items: TreeValue[] = commentLines(node.commentBefore);
    for (const item of node.items as (ParsedNode | null)[]) {
      const simple = item === null || isScalar(item) || isAlias(item);
      items.push(...commentLines(item?.commentBefore));
      if (simple) {
        items.push(...commentLines(item?.comment, true));
      }
      items.push(toValue(state, item, depth + 1));
    }
    items.push(...commentLines(node.comment));
    return items;
  }
  if (isScalar(node)) {
    return resolveScalar(state, node);
  }
  throw parseProblem(`malformed YAML ${where(state, node)}: unsupported node`);
}

function toKey(state: LoadState, node: ParsedNode | null): string {
  const value = node === null ? null : isScalar(node) ? resolveScalar(state, node) : undefined;
  if (typeof value !== 'string') {
    const what = value === undefined ? 'a collection' : `a ${yamlTag(value)} value`;
    throw parseProblem(
      `a mapping key ${where(state, node)} is ${what}; sops supports only string keys`,
      'Quote the key'
    );
  }
  return value;
}

/**
 * @internal Parse a YAML sops file into one branch per document (`Store.LoadPlainFile`).
 * @throws SopsProblem for malformed YAML, a document that is not a mapping, or a non-string key.
 */
export function loadYaml(text: string): Branch[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    schema: 'failsafe',
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: false,
    logLevel: 'error',
  });
  if (!Array.isArray(docs)) {
    return [];
  }
  return docs.map((doc) => {
    const state: LoadState = { lines, doc };
    const error = doc.errors[0];
    if (error !== undefined) {
      const at = lines.linePos(error.pos[0]);
      const position = ` at line ${at.line}, column ${at.col}`;
      throw parseProblem(`malformed YAML${position}: ${yamlErrorText(error.code)}`);
    }
    const root = doc.contents as ParsedNode | null;
    const head = commentLines(doc.commentBefore);
    const foot = commentLines(doc.comment);
    let items: TreeItem[];
    if (root === null || (isScalar(root) && resolveScalar(state, root) === null)) {
      items = [];
    } else if (isMap(root) || isAlias(root)) {
      const value = toValue(state, root, 0);
      if (!(value instanceof Branch)) {
        throw parseProblem('a YAML document that is not a mapping is not supported by sops');
      }
      items = value.items;
    } else if (isSeq(root)) {
      throw parseProblem('a YAML document that is a sequence is not supported by sops');
    } else {
      throw parseProblem('a YAML document that is a single value is not supported by sops');
    }
    return new Branch([...asItems(head), ...items, ...asItems(foot)]);
  });
}

// The codes of the yaml package, in words; its messages can quote the source, so they are not used.
function yamlErrorText(code: string): string {
  const known: Record<string, string> = {
    DUPLICATE_KEY: 'a mapping key appears twice',
    BAD_INDENT: 'bad indentation, or a [ or { not closed',
    MISSING_CHAR: 'a closing quote or bracket is missing',
    MULTILINE_IMPLICIT_KEY: 'an implicit key spans lines',
    BLOCK_AS_IMPLICIT_KEY: 'a block collection is used as an implicit key',
    UNEXPECTED_TOKEN: 'unexpected token',
    BAD_SCALAR_START: 'a plain value starts with a reserved character',
    TAB_AS_INDENT: 'a tab is used for indentation',
    BAD_ALIAS: 'an alias is malformed or undefined',
    ALIAS_PROPS: 'an alias carries an anchor or tag',
    BAD_DIRECTIVE: 'bad directive',
    MISSING_ANCHOR: 'an anchor is missing',
    IMPOSSIBLE: 'the text cannot be parsed',
  };
  return known[code] ?? `syntax error (${code})`;
}
