/**
 * The five sops stores side by side: how each reads a file into branches, where it keeps the metadata, how
 * `sops -d` prints the whole document, and how `sops -d --extract` prints one value of it.
 */
import type { SopsFormat } from '../../ref/types.js';
import { emitDotenv, loadDotenv, valToString } from './dotenv-format.js';
import { emitIni, loadIni } from './ini-format.js';
import { emitJson, emitJsonValue, loadJson } from './json-format.js';
import type { MetadataLayout } from './metadata.js';
import { parseProblem } from './problem.js';
import { Branch, Comment, type TreeValue } from './tree.js';
import { emitYaml, emitYamlValue } from './yaml-emit.js';
import { loadYaml } from './yaml-load.js';

/** @internal One sops store. */
export interface SopsStore {
  readonly load: (text: string) => Branch[];
  readonly layout: MetadataLayout;
  /** The decrypted document as `sops -d` prints it. */
  readonly emit: (branches: readonly Branch[]) => string;
  /** A non-string value as `sops -d --extract` prints it (strings print as they are). */
  readonly extract: (value: TreeValue) => string;
}

function single(branches: readonly Branch[]): Branch {
  return branches[0] ?? new Branch();
}

function binaryData(branches: readonly Branch[]): string {
  const item = single(branches).items.find((i) => i.key === 'data');
  if (item === undefined || typeof item.value !== 'string') {
    throw parseProblem('the binary sops file has no string "data" entry', 'Read it with ?format=json instead');
  }
  return item.value;
}

/** @internal The stores by format name. */
export const SOPS_STORES: Readonly<Record<SopsFormat, SopsStore>> = {
  yaml: { load: loadYaml, layout: 'nested', emit: emitYaml, extract: emitYamlValue },
  json: { load: loadJson, layout: 'nested', emit: (b) => emitJson(single(b)), extract: emitJsonValue },
  binary: { load: loadJson, layout: 'nested', emit: binaryData, extract: emitJsonValue },
  dotenv: { load: loadDotenv, layout: 'prefixed', emit: (b) => emitDotenv(single(b)), extract: valToString },
  ini: { load: loadIni, layout: 'section', emit: (b) => emitIni(single(b)), extract: emitJsonValue },
};

/** @internal The format sops infers from a file name (`formats.FormatForPath`); anything else is binary. */
export function formatForPath(path: string): SopsFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) {
    return 'yaml';
  }
  if (lower.endsWith('.json')) {
    return 'json';
  }
  if (lower.endsWith('.env')) {
    return 'dotenv';
  }
  if (lower.endsWith('.ini')) {
    return 'ini';
  }
  return 'binary';
}

/**
 * @internal The structure a ref's `#key` selects in: mappings become objects (without a prototype, so no key
 * can be confused with an inherited one), sequences arrays, comments vanish, and every leaf is a string printed
 * as `sops -d --extract` prints it. Only the first YAML document is selectable, as with `--extract`.
 */
export function selectionTree(branches: readonly Branch[], store: SopsStore, format: SopsFormat): unknown {
  if (format === 'binary') {
    return Object.freeze(Object.assign(Object.create(null) as Record<string, string>, { data: binaryData(branches) }));
  }
  const render = (value: TreeValue): unknown => {
    if (value instanceof Branch) {
      const out = Object.create(null) as Record<string, unknown>;
      for (const item of value.items) {
        if (typeof item.key === 'string') {
          out[item.key] = render(item.value);
        }
      }
      return Object.freeze(out);
    }
    if (Array.isArray(value)) {
      return Object.freeze(value.filter((v) => !(v instanceof Comment)).map(render));
    }
    return typeof value === 'string' ? value : store.extract(value);
  };
  const root = single(branches);
  // go-ini's implicit section for keys above the first header: only a real section when it has keys.
  const shown =
    format === 'ini'
      ? new Branch(
          root.items.filter((i) => !(i.key === 'DEFAULT' && i.value instanceof Branch && i.value.keys().length === 0))
        )
      : root;
  return render(shown);
}
