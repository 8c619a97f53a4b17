import { readFileSync } from 'node:fs';
import { extract, parse } from 'jest-docblock';
import { BrokerError } from '../errors.js';
import { displayRefInput } from '../ref/display.js';
import { RefSyntaxError } from '../ref/errors.js';
import { parseRef } from '../ref/parse.js';
import type { SecretRef } from '../ref/types.js';
import { CREDENTIAL_NAME as NAME, pragmaEntries } from './pragma-entries.js';

/** @public One entry of a `@credentials` pragma: a credential from the config, or one with an inline ref. */
export interface DocblockDeclaration {
  /** The env var / credential name, `[A-Za-z_][A-Za-z0-9_]*`. */
  readonly name: string;
  /** Present for `NAME=ref` entries; absent when NAME refers to `credentials.NAME` in the config. */
  readonly ref?: SecretRef;
}

const PRAGMA = 'credentials';

/**
 * @public The credentials a test file declares in its leading docblock:
 * ```
 * /**
 *  * @credentials DATABASE_URL, KUBECONFIG
 *  * @credentials DEMO_TOKEN=sops:fixtures/secrets.enc.yaml#/demo/token
 *  *\/
 * ```
 * The block is read with `jest-docblock`, exactly as Jest reads its own pragmas:
 * - only a comment block at the very start of the file counts (whitespace may precede it; a `#!` line,
 *   `"use strict"`, an `import` or a `//` comment may not — a `@credentials` line anywhere else in a comment is an
 *   error naming its line rather than silently ignored);
 * - `@credentials` may repeat; each value lists entries separated by commas and/or whitespace, so an inline ref
 *   cannot contain either (declare such refs in the config);
 * - whitespace followed by `//` starts a line comment: `@credentials A=vault:x/y // note` loses ` // note`
 *   (`vault://x/y` survives);
 * - the lines after a pragma line, up to a blank line or the next `@`, continue its value — so keep pragmas
 *   last in the block. jest-docblock silently drops some of them (one character long, holding `@` or `//`,
 *   or after a ` //` comment); entries lost that way are an error rather than undeclared.
 *
 * Entries in order of appearance. A name declared twice is an error.
 * @param filePath named in errors.
 * @throws `BrokerError('CONFIG_INVALID')` for bad names, empty pragmas, duplicates and misplaced blocks;
 * {@link RefSyntaxError} (`REF_SYNTAX`) for a bad inline ref. Every message starts with `filePath`.
 */
export function readCredentialPragmas(source: string, filePath: string): DocblockDeclaration[] {
  const block = extract(source);
  const value = block === '' ? undefined : parse(block)[PRAGMA];
  if (value === undefined) {
    rejectMisplacedPragma(source, filePath);
    return [];
  }
  const pragmas = (Array.isArray(value) ? value : [value]).map(pragmaEntries);
  rejectDroppedEntries(block, pragmas.flat(), filePath);
  const declarations: DocblockDeclaration[] = [];
  const seen = new Set<string>();
  for (const entries of pragmas) {
    if (entries.length === 0) {
      throw invalid(filePath, '@credentials has no entries; expected NAME or NAME=ref, separated by commas or spaces');
    }
    for (const entry of entries) {
      const declaration = readEntry(entry, filePath, source);
      if (seen.has(declaration.name)) {
        throw invalid(
          filePath,
          `@credentials entry ${shown(entry)}: ${JSON.stringify(declaration.name)} is declared twice`
        );
      }
      seen.add(declaration.name);
      declarations.push(declaration);
    }
  }
  return declarations;
}

/**
 * @internal The 1-based line of the leading docblock where `name` is declared (on or after the first `@credentials`
 * line), for errors that point at it; undefined when it cannot be found.
 */
export function docblockLine(source: string, name: string): number | undefined {
  const block = extract(source);
  const start = source.indexOf(block);
  if (block === '' || start === -1) {
    return undefined;
  }
  const before = source.slice(0, start).split('\n').length - 1;
  const lines = block.split('\n');
  const first = lines.findIndex((line) => line.includes('@credentials'));
  const entry = new RegExp(`(^|[\\s,*])${name}(=|[\\s,]|$)`);
  const at =
    first === -1 ? -1 : lines.findIndex((line, i) => i >= first && entry.test(line.replace('@credentials', ' ')));
  return at === -1 ? undefined : before + at + 1;
}

/**
 * @public {@link readCredentialPragmas} on a file, read synchronously as UTF-8.
 * @throws `BrokerError('CONFIG_INVALID')` also when the file cannot be read.
 */
export function readCredentialPragmasFromFile(path: string): DocblockDeclaration[] {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new BrokerError('CONFIG_INVALID', `${path}: cannot read the file to look for @credentials (${code})`, {
      cause,
    });
  }
  return readCredentialPragmas(source, path);
}

function readEntry(entry: string, filePath: string, source: string): DocblockDeclaration {
  const eq = entry.indexOf('=');
  const name = eq === -1 ? entry : entry.slice(0, eq);
  if (!NAME.test(name)) {
    throw invalid(
      filePath,
      `@credentials entry ${shown(entry)}: invalid name ${JSON.stringify(name)}; expected a name matching [A-Za-z_][A-Za-z0-9_]*`
    );
  }
  if (eq === -1) {
    return { name };
  }
  try {
    return { name, ref: parseRef(entry.slice(eq + 1)) };
  } catch (error) {
    if (error instanceof RefSyntaxError) {
      const line = docblockLine(source, name);
      throw error.within(
        `${line === undefined ? filePath : `${filePath}:${line}`}: @credentials entry ${shown(entry)}`
      );
    }
    throw error;
  }
}

/** The entry as it may be printed: the ref part goes through the ref display (credential-looking values redacted). */
function shown(entry: string): string {
  const eq = entry.indexOf('=');
  return JSON.stringify(eq === -1 ? entry : `${entry.slice(0, eq)}=${displayRefInput(entry.slice(eq + 1))}`);
}

function invalid(filePath: string, reason: string): BrokerError {
  return new BrokerError('CONFIG_INVALID', `${filePath}: ${reason}`);
}

/**
 * jest-docblock joins a pragma with the lines after it, but not a line that is one character long or holds an
 * `@` or a `//` (nor any line after that), and it cuts a joined value at ` //`. `@credentials A,` followed by
 * ` *   B=vault://x/y` would declare only A without a word, so entries it drops are an error instead.
 */
function rejectDroppedEntries(block: string, read: readonly string[], filePath: string): void {
  const lines = block
    .replace(/^\/\*\*?/, '')
    .replace(/\*\/$/, '')
    .split(/\r?\n/)
    .map((line) =>
      line
        .replace(/^\s*\*?/, '')
        .replace(/(^|\s)\/\/.*$/, '')
        .trim()
    );
  const written: string[] = [];
  lines.forEach((line, i) => {
    if (!/^@credentials(\s|$)/.test(line)) {
      return;
    }
    written.push(...pragmaEntries(line.slice('@credentials'.length)));
    for (const next of lines.slice(i + 1)) {
      if (next === '' || next.startsWith('@')) {
        break;
      }
      written.push(...pragmaEntries(next));
    }
  });
  const remaining = [...read];
  const dropped = written.filter((entry) => {
    const at = remaining.indexOf(entry);
    if (at === -1) {
      return true;
    }
    remaining.splice(at, 1);
    return false;
  });
  if (dropped.length > 0) {
    throw invalid(
      filePath,
      `@credentials entries on continuation lines are not read: ${dropped.map(shown).join(', ')}. ` +
        'The docblock parser drops continuation lines that are one character long or contain "@" or "//", and all ' +
        'that follows a " //" comment; write the entries on the @credentials line, or use one @credentials line each'
    );
  }
}

/** A `@credentials` line at the start of a comment line: `//`, `/*`, `/**` or a block's ` * `. */
const PRAGMA_LINE = /^[ \t]*(?:\/\/|\/\*\*?|\*)[ \t]*@credentials(?=[\s,]|$)/m;

/**
 * Jest reads no docblock but the file's very first comment block, and neither does the broker: a `@credentials` line
 * after a `#!` line, a `// @vitest-environment` comment, a licence header, `"use strict"` or an import would be
 * ignored without a word, and its tests run without their credentials. It is an error naming its line instead.
 */
function rejectMisplacedPragma(source: string, filePath: string): void {
  const found = PRAGMA_LINE.exec(source);
  if (found === null) {
    return;
  }
  const line = source.slice(0, found.index + found[0].length).split('\n').length;
  const afterShebang = source.startsWith('#!') ? extract(source.slice(source.indexOf('\n') + 1)) : '';
  const shebang = afterShebang !== '' && parse(afterShebang)[PRAGMA] !== undefined;
  throw invalid(
    `${filePath}:${line}`,
    shebang
      ? 'the @credentials docblock follows a "#!" line, so neither Jest nor the broker reads it (only a docblock at ' +
          'the very start of the file counts). Remove the "#!" line, or declare the credentials in the test with credentials()'
      : 'this @credentials line is not in the docblock at the very start of the file, so neither Jest nor the broker ' +
          'reads it (only a comment block with nothing but whitespace before it counts). Move the docblock to the top of ' +
          'the file, before any comment, "use strict" or import (other pragmas such as @vitest-environment or ' +
          '@jest-environment may share it), or declare the credentials in the test with credentials()'
  );
}
