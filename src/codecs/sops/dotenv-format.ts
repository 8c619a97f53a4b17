/**
 * dotenv sops files (`stores/dotenv/store.go`). Deliberately not the `dotenv` package's rules: sops splits
 * each line at the first `=` with no trimming, no quotes and no `export`, and only `\n` is an escape.
 */
import { formatValToStringFloat, GoFloat, GoInt, GoTime } from './go-values.js';
import { parseProblem } from './problem.js';
import { Branch, Comment, type TreeItem, type TreeValue } from './tree.js';

/** @internal Parse a dotenv sops file into its single branch. */
export function loadDotenv(text: string): Branch[] {
  const items: TreeItem[] = [];
  text.split('\n').forEach((line, index) => {
    if (line === '') {
      return;
    }
    if (line.startsWith('#')) {
      items.push({ key: new Comment(line.slice(1)), value: null });
      return;
    }
    const eq = line.indexOf('=');
    if (eq === -1) {
      throw parseProblem(`malformed dotenv at line ${index + 1}: no "=" in a line that is not a comment`);
    }
    items.push({ key: line.slice(0, eq), value: line.slice(eq + 1).replaceAll('\\n', '\n') });
  });
  return [new Branch(items)];
}

/** @internal sops `stores.ValToString`: how dotenv and INI print a leaf that is not a string. */
export function valToString(value: TreeValue): string {
  if (typeof value === 'string') {
    return value;
  }
  if (value === null) {
    return '<nil>';
  }
  if (typeof value === 'boolean') {
    return String(value);
  }
  if (value instanceof GoInt) {
    return value.value.toString();
  }
  if (value instanceof GoFloat) {
    return formatValToStringFloat(value.value);
  }
  if (value instanceof GoTime) {
    return value.seconds;
  }
  if (value instanceof Uint8Array) {
    return Buffer.from(value).toString('utf8');
  }
  if (value instanceof Comment) {
    return value.value;
  }
  throw parseProblem('a nested value cannot be written as dotenv or INI');
}

/** @internal The dotenv text of a decrypted branch, as `sops -d` prints it. */
export function emitDotenv(branch: Branch): string {
  return branch.items
    .map((item) => {
      if (item.key instanceof Comment) {
        return `#${item.key.value}\n`;
      }
      const value = typeof item.value === 'string' ? item.value.replaceAll('\n', '\\n') : valToString(item.value);
      return `${item.key}=${value}\n`;
    })
    .join('');
}
