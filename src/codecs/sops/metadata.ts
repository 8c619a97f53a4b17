/**
 * The `sops` metadata block (`stores/stores.go`, `stores/metadata.go`): where it lives in each format, and
 * what it says — master keys, `lastmodified`, the MAC and the rules for which leaves are encrypted.
 */
import { unflatten } from './flatten.js';
import { formatGoFloatF, GoFloat, GoInt, GoTime, parseGoBool, parseGoIntBase0, parseRfc3339 } from './go-values.js';
import { parseProblem } from './problem.js';
import { Branch, Comment, type TreeValue } from './tree.js';

/** @internal How a format stores the metadata: nested (`sops:`), one level down (`[sops]`), or `sops_*` keys. */
export type MetadataLayout = 'nested' | 'section' | 'prefixed';

/** @internal One age master key: the recipient and the armored, age-encrypted data key. */
export interface AgeMasterKey {
  readonly recipient: string;
  readonly enc: string;
}

/** @internal The master keys of one key group, with a count per key source this reader cannot use. */
export interface KeyGroup {
  readonly age: readonly AgeMasterKey[];
  readonly others: ReadonlyMap<string, number>;
}

/** @internal Which leaves are encrypted (`sops.go` `shouldBeEncrypted`). At most one is set. */
export interface CryptRules {
  readonly unencryptedSuffix?: string;
  readonly encryptedSuffix?: string;
  readonly unencryptedRegex?: string;
  readonly encryptedRegex?: string;
  readonly unencryptedCommentRegex?: string;
  readonly encryptedCommentRegex?: string;
}

/** @internal The parsed metadata. */
export interface SopsMetadata {
  readonly lastModified: GoTime;
  /** The encrypted MAC, `''` when the file has none. */
  readonly mac: string;
  readonly version: string | undefined;
  readonly rules: CryptRules;
  readonly macOnlyEncrypted: boolean;
  readonly keyGroups: readonly KeyGroup[];
  readonly shamirThreshold: number;
}

const OTHER_SOURCES = ['pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'hckms'] as const;
const RULE_FIELDS = [
  ['unencrypted_suffix', 'unencryptedSuffix'],
  ['encrypted_suffix', 'encryptedSuffix'],
  ['unencrypted_regex', 'unencryptedRegex'],
  ['encrypted_regex', 'encryptedRegex'],
  ['unencrypted_comment_regex', 'unencryptedCommentRegex'],
  ['encrypted_comment_regex', 'encryptedCommentRegex'],
] as const;
const METADATA_KEY = 'sops';
const PREFIX = 'sops_';

/**
 * @internal Take the metadata out of the parsed branches (`ExtractMetadata`). The returned branches are the
 * data sops decrypts; the metadata is only read from the first one.
 */
export function extractMetadata(branches: Branch[], layout: MetadataLayout): { data: Branch[]; metadata: Branch } {
  let found: Branch | undefined;
  let data: Branch[];
  if (layout === 'prefixed') {
    const [first, ...rest] = branches;
    const items = first?.items ?? [];
    const meta = items.filter((i) => typeof i.key === 'string' && i.key.startsWith(PREFIX));
    if (meta.length > 0) {
      found = new Branch(meta.map((i) => ({ key: (i.key as string).slice(PREFIX.length), value: i.value })));
    }
    data = first === undefined ? [] : [new Branch(items.filter((i) => !meta.includes(i))), ...rest];
  } else {
    data = branches.map((branch, index) => {
      const kept = branch.items.filter((item) => {
        if (item.key !== METADATA_KEY) {
          return true;
        }
        if (index === 0) {
          if (found !== undefined) {
            throw parseProblem(`the file has more than one "${METADATA_KEY}" entry`);
          }
          if (!(item.value instanceof Branch)) {
            throw parseProblem(`the "${METADATA_KEY}" entry is not a mapping`);
          }
          found = item.value;
        }
        return false;
      });
      return new Branch(kept);
    });
  }
  if (found === undefined) {
    const where = {
      nested: 'the file has no top-level "sops" key',
      section: 'the file has no [sops] section',
      prefixed: 'the file has no sops_* lines',
    }[layout];
    throw parseProblem(
      `sops metadata not found: ${where}`,
      'Is this file encrypted with sops? Read plain files with file: instead'
    );
  }
  if (layout !== 'nested') {
    try {
      const unescaped =
        layout === 'section'
          ? new Branch(
              found.items.map((i) => ({
                key: i.key,
                value: typeof i.value === 'string' ? i.value.replaceAll('\\n', '\n') : i.value,
              }))
            )
          : found;
      found = unflatten(unescaped);
    } catch (error) {
      throw parseProblem(`the flattened sops metadata is inconsistent: ${(error as Error).message}`);
    }
  }
  return { data, metadata: found };
}

// mapstructure's WeaklyTypedInput conversions, which sops relies on for dotenv and INI, where all is text.
function weakString(value: TreeValue | undefined): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'boolean') {
    return value ? '1' : '0';
  }
  if (value instanceof GoInt) {
    return value.value.toString();
  }
  if (value instanceof GoFloat) {
    return formatGoFloatF(value.value);
  }
  if (value instanceof GoTime) {
    return value.text;
  }
  return undefined;
}

function weakBool(value: TreeValue | undefined, field: string): boolean {
  if (value === undefined || value === null) {
    return false;
  }
  if (typeof value === 'boolean') {
    return value;
  }
  if (value instanceof GoInt) {
    return value.value !== 0n;
  }
  if (typeof value === 'string') {
    const parsed = value === '' ? false : parseGoBool(value);
    if (parsed !== undefined) {
      return parsed;
    }
  }
  throw parseProblem(`the sops metadata field ${field} is not a boolean`);
}

function weakInt(value: TreeValue | undefined, field: string): number {
  if (value === undefined || value === null) {
    return 0;
  }
  const parsed =
    value instanceof GoInt
      ? value
      : typeof value === 'string'
        ? parseGoIntBase0(value === '' ? '0' : value)
        : undefined;
  if (parsed === undefined || parsed.value < 0n || parsed.value > 255n) {
    throw parseProblem(`the sops metadata field ${field} is not a small integer`);
  }
  return Number(parsed.value);
}

function field(branch: Branch, name: string): TreeValue | undefined {
  // mapstructure matches field names case-insensitively; sops writes them in lower case.
  const item = branch.items.find((i) => typeof i.key === 'string' && i.key.toLowerCase() === name);
  return item?.value;
}

function entries(branch: Branch, name: string): Branch[] {
  const value = field(branch, name);
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw parseProblem(`the sops metadata field ${name} is not a list`);
  }
  return value.flatMap((entry) => {
    if (entry instanceof Comment) {
      return [];
    }
    if (!(entry instanceof Branch)) {
      throw parseProblem(`an entry of the sops metadata field ${name} is not a mapping`);
    }
    return [entry];
  });
}

function keyGroup(branch: Branch, where: string): KeyGroup {
  const age = entries(branch, 'age').map((entry, i) => {
    const recipient = weakString(field(entry, 'recipient'));
    const enc = weakString(field(entry, 'enc'));
    if (recipient === undefined || enc === undefined) {
      throw parseProblem(`the age entry ${i} of ${where} lacks its recipient or enc field`);
    }
    return { recipient, enc };
  });
  const others = new Map<string, number>();
  for (const source of OTHER_SOURCES) {
    const count = entries(branch, source).length;
    if (count > 0) {
      others.set(source, count);
    }
  }
  return { age, others };
}

/** @internal Read the metadata mapping (`metadata.ToInternal`). */
export function parseMetadata(branch: Branch): SopsMetadata {
  const lastModifiedText = weakString(field(branch, 'lastmodified'));
  const lastModified = lastModifiedText === undefined ? undefined : parseRfc3339(lastModifiedText);
  if (lastModified === undefined) {
    throw parseProblem('the sops metadata has no valid lastmodified timestamp (RFC 3339 expected)');
  }
  const rules: Record<string, string> = {};
  for (const [name, prop] of RULE_FIELDS) {
    const value = weakString(field(branch, name));
    if (value !== undefined && value !== '') {
      rules[prop] = value;
    }
  }
  if (Object.keys(rules).length > 1) {
    throw parseProblem(
      `the sops metadata sets ${RULE_FIELDS.filter(([, p]) => p in rules)
        .map(([n]) => n)
        .join(' and ')}; sops allows only one of them`
    );
  }
  if (Object.keys(rules).length === 0) {
    rules['unencryptedSuffix'] = '_unencrypted';
  }
  const top = keyGroup(branch, 'the sops metadata');
  let keyGroups: KeyGroup[];
  if (top.age.length > 0 || top.others.size > 0) {
    keyGroups = [top];
  } else {
    keyGroups = entries(branch, 'key_groups').map((g, i) => keyGroup(g, `key group ${i}`));
    if (keyGroups.length === 0) {
      throw parseProblem('the sops metadata lists no master keys');
    }
  }
  return {
    lastModified,
    mac: weakString(field(branch, 'mac')) ?? '',
    version: weakString(field(branch, 'version')),
    rules,
    macOnlyEncrypted: weakBool(field(branch, 'mac_only_encrypted'), 'mac_only_encrypted'),
    keyGroups,
    shamirThreshold: weakInt(field(branch, 'shamir_threshold'), 'shamir_threshold'),
  };
}
