import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCredentialPragmas, readCredentialPragmasFromFile } from '../../../src/docblock/index.js';
import { isBrokerError } from '../../../src/errors.js';
import { RefSyntaxError } from '../../../src/ref/index.js';

const FILE = 'test/api/db.test.ts';

function read(source: string): unknown {
  return readCredentialPragmas(source, FILE);
}

function failure(source: string): { code: string; message: string } {
  try {
    read(source);
  } catch (error) {
    if (!isBrokerError(error)) {
      throw error;
    }
    expect(error.message).not.toContain('CANARY_');
    return { code: error.code, message: error.message };
  }
  throw new Error('no error');
}

describe(readCredentialPragmas.name, () => {
  it.each([
    ['a single entry', '/** @credentials DATABASE_URL */\ntest();', [{ name: 'DATABASE_URL' }]],
    [
      'entries separated by commas and spaces',
      '/** @credentials A, B C,D */',
      [{ name: 'A' }, { name: 'B' }, { name: 'C' }, { name: 'D' }],
    ],
    [
      'a repeated pragma, among other pragmas and text',
      '/**\n * Talks to the database.\n *\n * @jest-environment node\n * @credentials A\n * @credentials B, C\n */\n',
      [{ name: 'A' }, { name: 'B' }, { name: 'C' }],
    ],
    [
      'continuation lines',
      '/**\n * @credentials AA,\n *   BB, CC\n *   DD\n */',
      [{ name: 'AA' }, { name: 'BB' }, { name: 'CC' }, { name: 'DD' }],
    ],
    ['CRLF line endings', '/**\r\n * @credentials A\r\n * @credentials B\r\n */\r\n', [{ name: 'A' }, { name: 'B' }]],
    ['leading blank lines', '\n\n  /** @credentials A */', [{ name: 'A' }]],
    ['a single-star block', '/* @credentials A */', [{ name: 'A' }]],
    ['no docblock', 'import { test } from "vitest";\n', []],
    ['"@credentials" in a string, not at the start of a comment line', 'const hint = "use @credentials A";', []],
    ['a docblock without the pragma', '/**\n * @jest-environment node\n */', []],
    ['a "#!" line and no docblock', '#!/usr/bin/env node\nconsole.log(1);', []],
    ['a "#!" line and a docblock without the pragma', '#!/usr/bin/env node\n/** @jest-environment node */', []],
  ])('reads %s', (_, source, expected) => {
    expect(read(source)).toEqual(expected);
  });

  it('parses inline refs, with "//" inside a ref kept and a " //" note dropped', () => {
    const source = [
      '/**',
      ' * @credentials DATABASE_URL=vault:secret/db#url, KUBECONFIG',
      ' * @credentials DEMO=sops://fixtures/s.enc.yaml#/demo/token?format=yaml // from the demo',
      ' */',
    ].join('\n');
    expect(read(source)).toEqual([
      {
        name: 'DATABASE_URL',
        ref: {
          raw: 'vault:secret/db#url',
          scheme: 'vault',
          mount: 'secret',
          path: 'db',
          key: { kind: 'field', name: 'url' },
        },
      },
      { name: 'KUBECONFIG' },
      {
        name: 'DEMO',
        ref: {
          raw: 'sops://fixtures/s.enc.yaml#/demo/token?format=yaml',
          scheme: 'sops',
          path: 'fixtures/s.enc.yaml',
          key: { kind: 'pointer', tokens: ['demo', 'token'] },
          format: 'yaml',
        },
      },
    ]);
  });

  it.each([
    [
      'a name starting with a digit',
      '/** @credentials 1DB */',
      'test/api/db.test.ts: @credentials entry "1DB": invalid name "1DB"; expected a name matching [A-Za-z_][A-Za-z0-9_]*',
    ],
    [
      'a name with a dash',
      '/** @credentials OK, DB-URL=env:X */',
      'test/api/db.test.ts: @credentials entry "DB-URL=env:X": invalid name "DB-URL"; expected a name matching [A-Za-z_][A-Za-z0-9_]*',
    ],
    [
      'a missing name',
      '/** @credentials =env:X */',
      'test/api/db.test.ts: @credentials entry "=env:X": invalid name ""; expected a name matching [A-Za-z_][A-Za-z0-9_]*',
    ],
    [
      'an empty pragma',
      '/**\n * @credentials\n */',
      'test/api/db.test.ts: @credentials has no entries; expected NAME or NAME=ref, separated by commas or spaces',
    ],
    [
      'a name declared twice',
      '/**\n * @credentials A\n * @credentials B, A=env:A\n */',
      'test/api/db.test.ts: @credentials entry "A=env:A": "A" is declared twice',
    ],
  ])('rejects %s', (_, source, message) => {
    expect(failure(source)).toEqual({ code: 'CONFIG_INVALID', message });
  });

  it.each([
    ['a one-character line', '/**\n * @credentials AA,\n *   B\n */', '"B"'],
    ['a line holding "@"', '/**\n * @credentials AA,\n *   BB=aws-sm:me@example\n */', '"BB=aws-sm:me@example"'],
    ['a line holding "//"', '/**\n * @credentials AA,\n *   BB=vault://secret/db\n */', '"BB=vault://secret/db"'],
    ['everything after a " //" note', '/**\n * @credentials AA // note\n *   BB, CC\n */', '"BB", "CC"'],
  ])('rejects entries the docblock parser would drop: %s', (_, source, dropped) => {
    expect(failure(source)).toEqual({
      code: 'CONFIG_INVALID',
      message: `test/api/db.test.ts: @credentials entries on continuation lines are not read: ${dropped}. The docblock parser drops continuation lines that are one character long or contain "@" or "//", and all that follows a " //" comment; write the entries on the @credentials line, or use one @credentials line each`,
    });
  });

  it('rejects a bad inline ref with a RefSyntaxError naming the file and the entry', () => {
    let error: unknown;
    try {
      read('/** @credentials OK, DB=vault:secret */');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RefSyntaxError);
    const e = error as RefSyntaxError;
    expect({ code: e.code, column: e.column, input: e.input }).toEqual({
      code: 'REF_SYNTAX',
      column: 13,
      input: 'vault:secret',
    });
    expect(e.message).toBe(
      'test/api/db.test.ts:1: @credentials entry "DB=vault:secret": ref: unexpected end of input; expected "/" and a path after the mount at column 13 in "vault:secret". A vault ref is "vault:<mount>/<path>"'
    );
  });

  it('never echoes a credential put into an inline ref', () => {
    expect(failure('/** @credentials DB=vault:secret/db?token=CANARY_TOKEN */')).toEqual({
      code: 'REF_SYNTAX',
      message:
        'test/api/db.test.ts:1: @credentials entry "DB=vault:secret/db?token=<redacted>": ref: parameter "token" is not allowed; expected "version" at column 17 in "vault:secret/db?token=<redacted>". Refs never carry credentials or server addresses: set those in the backend configuration (backends.vault)',
    });
    expect(failure('/** @credentials 1DB=vault:secret/db?password=CANARY_PASSWORD */').message).toBe(
      'test/api/db.test.ts: @credentials entry "1DB=vault:secret/db?password=<redacted>": invalid name "1DB"; expected a name matching [A-Za-z_][A-Za-z0-9_]*'
    );
  });

  it.each([
    ['a "// @vitest-environment" line', '// @vitest-environment node\n/** @credentials A */\n', 2],
    ['a licence header', '/* Copyright 2026 Acme */\n/**\n * @credentials A\n */\n', 3],
    ['"use strict"', "'use strict';\n/** @credentials A */\n", 2],
    ['the imports', 'import { test } from "vitest";\n\n// @credentials A\n', 3],
    [
      'a "#!" line and a docblock of other pragmas',
      '#!/usr/bin/env node\n/** @jest-environment node */\n// @credentials A\n',
      3,
    ],
  ])('rejects a @credentials line after %s instead of ignoring it, naming its line', (_, source, line) => {
    expect(failure(source)).toEqual({
      code: 'CONFIG_INVALID',
      message: `test/api/db.test.ts:${line}: this @credentials line is not in the docblock at the very start of the file, so neither Jest nor the broker reads it (only a comment block with nothing but whitespace before it counts). Move the docblock to the top of the file, before any comment, "use strict" or import (other pragmas such as @vitest-environment or @jest-environment may share it), or declare the credentials in the test with credentials()`,
    });
  });

  it('rejects a @credentials docblock after a "#!" line instead of ignoring it', () => {
    expect(failure('#!/usr/bin/env node\n/**\n * @credentials DATABASE_URL\n */\n')).toEqual({
      code: 'CONFIG_INVALID',
      message:
        'test/api/db.test.ts:3: the @credentials docblock follows a "#!" line, so neither Jest nor the broker reads it (only a docblock at the very start of the file counts). Remove the "#!" line, or declare the credentials in the test with credentials()',
    });
  });
});

describe(readCredentialPragmasFromFile.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-docblock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file', () => {
    const path = join(dir, 'a.test.ts');
    writeFileSync(path, '/**\n * @credentials A, B=env:HOME\n */\nimport "x";\n');
    expect(readCredentialPragmasFromFile(path)).toEqual([
      { name: 'A' },
      { name: 'B', ref: { raw: 'env:HOME', scheme: 'env', name: 'HOME' } },
    ]);
  });

  it('names the path in its errors', () => {
    const path = join(dir, 'bad.test.ts');
    writeFileSync(path, '/** @credentials A-B */');
    let message: string | undefined;
    try {
      readCredentialPragmasFromFile(path);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(
      `${path}: @credentials entry "A-B": invalid name "A-B"; expected a name matching [A-Za-z_][A-Za-z0-9_]*`
    );
  });

  it('turns an unreadable file into a BrokerError', () => {
    const path = join(dir, 'missing.test.ts');
    let error: unknown;
    try {
      readCredentialPragmasFromFile(path);
    } catch (e) {
      error = e;
    }
    expect(isBrokerError(error) && { code: error.code, message: error.message }).toEqual({
      code: 'CONFIG_INVALID',
      message: `${path}: cannot read the file to look for @credentials (ENOENT)`,
    });
  });
});
