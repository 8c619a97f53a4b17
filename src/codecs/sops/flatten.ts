/**
 * Flattened sops metadata (`stores/flatten.go`): dotenv and INI cannot nest, so `sops.age[0].enc` is stored
 * as `age__list_0__map_enc`. These helpers undo and redo that.
 */
import { Branch, type TreeItem, type TreeValue } from './tree.js';

const MAP_SEPARATOR = '__map_';
const LIST_SEPARATOR = '__list_';

type Token = { readonly kind: 'map'; readonly key: string } | { readonly kind: 'list'; readonly index: number };

function tokenize(path: string): Token[] {
  const tokens: Token[] = [];
  let state: 'normal' | 'map' | 'list' = 'normal';
  let start = 0;
  let i = 0;
  const finish = (): void => {
    if (state === 'list') {
      tokens.push({ kind: 'list', index: Number.parseInt(path.slice(start + LIST_SEPARATOR.length, i), 10) || 0 });
    } else {
      tokens.push({ kind: 'map', key: path.slice(state === 'map' ? start + MAP_SEPARATOR.length : start, i) });
    }
    start = i;
  };
  while (i < path.length) {
    if (path.startsWith(MAP_SEPARATOR, i)) {
      finish();
      state = 'map';
      i += MAP_SEPARATOR.length;
    } else if (path.startsWith(LIST_SEPARATOR, i)) {
      finish();
      state = 'list';
      i += LIST_SEPARATOR.length;
    } else {
      i++;
    }
  }
  finish();
  return tokens;
}

interface Node {
  value?: { readonly v: TreeValue };
  subkeys?: Map<string, Node>;
  indices?: Map<number, Node>;
}

function convert(node: Node, where: string): TreeValue {
  const kinds = [node.value, node.subkeys, node.indices].filter((x) => x !== undefined).length;
  if (kinds > 1) {
    throw new Error(`type mismatch at ${where}`);
  }
  if (node.value !== undefined) {
    return node.value.v;
  }
  if (node.subkeys !== undefined) {
    // Go sorts the keys (byte order); ASCII keys sort the same in UTF-16.
    const keys = [...node.subkeys.keys()].sort();
    return new Branch(keys.map((key) => ({ key, value: convert(node.subkeys?.get(key) ?? {}, key) })));
  }
  if (node.indices !== undefined) {
    const indices = [...node.indices.keys()];
    const max = Math.max(...indices);
    if (Math.min(...indices) !== 0 || max + 1 !== indices.length) {
      throw new Error(`incomplete list at ${where}`);
    }
    return indices.sort((a, b) => a - b).map((i) => convert(node.indices?.get(i) ?? {}, where));
  }
  return new Branch();
}

/**
 * @internal Rebuild nested metadata from flat keys (`unflattenTreeBranch`).
 * @throws Error naming the offending key when two keys collide or a list has gaps.
 */
export function unflatten(branch: Branch): Branch {
  const root: Node = {};
  for (const item of branch.items) {
    if (typeof item.key !== 'string') {
      continue;
    }
    let node = root;
    for (const token of tokenize(item.key)) {
      if (token.kind === 'map') {
        node.subkeys ??= new Map();
        const next = node.subkeys.get(token.key) ?? {};
        node.subkeys.set(token.key, next);
        node = next;
      } else {
        node.indices ??= new Map();
        const next = node.indices.get(token.index) ?? {};
        node.indices.set(token.index, next);
        node = next;
      }
    }
    if (node.value !== undefined) {
      throw new Error(`duplicate value for ${JSON.stringify(item.key)}`);
    }
    node.value = { v: item.value };
  }
  const result = convert(root, 'the top level');
  if (!(result instanceof Branch)) {
    throw new Error('the metadata is not a mapping');
  }
  return result;
}

/** @internal Flatten nested metadata into `prefix`ed keys (`flattenTreeBranch`); comments are dropped. */
export function flatten(branch: Branch, prefix: string): TreeItem[] {
  const out: TreeItem[] = [];
  const descend = (value: TreeValue, key: string): void => {
    if (value instanceof Branch) {
      for (const item of value.items) {
        if (typeof item.key === 'string') {
          descend(item.value, `${key}${MAP_SEPARATOR}${item.key}`);
        }
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        descend(v, `${key}${LIST_SEPARATOR}${i}`);
      });
    } else {
      out.push({ key, value });
    }
  };
  for (const item of branch.items) {
    if (typeof item.key === 'string') {
      descend(item.value, `${prefix}${item.key}`);
    }
  }
  return out;
}
