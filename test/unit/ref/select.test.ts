import { describe, expect, it } from 'vitest';
import { isBrokerError } from '../../../src/errors.js';
import { parseRef, selectKey } from '../../../src/ref/index.js';

const doc = {
  url: 'CANARY_URL',
  db: { user: 'CANARY_USER', 'a/b': { '~': 'CANARY_TILDE' } },
  list: [{ name: 'CANARY_ZERO' }, 'CANARY_ONE'],
  port: 5432,
};

function select(tree: unknown, ref: string): unknown {
  const parsed = parseRef(ref);
  return selectKey(tree, parsed.key!, ref);
}

function failure(tree: unknown, ref: string): Error {
  try {
    select(tree, ref);
  } catch (error) {
    expect(isBrokerError(error) && error.code).toBe('FIELD_NOT_FOUND');
    expect((error as Error).message).not.toContain('CANARY_');
    return error as Error;
  }
  throw new Error(`selected ${ref}`);
}

describe(selectKey.name, () => {
  it.each([
    ['env:J#url', 'CANARY_URL'],
    ['env:J#port', 5432],
    ['env:J#/db/user', 'CANARY_USER'],
    ['env:J#/db/a~1b/~0', 'CANARY_TILDE'],
    ['env:J#/list/0/name', 'CANARY_ZERO'],
    ['env:J#/list/1', 'CANARY_ONE'],
  ])('selects %s', (ref, expected) => {
    expect(select(doc, ref)).toBe(expected);
  });

  it('returns a subtree for a pointer to an object', () => {
    expect(select(doc, 'env:J#/db/a~1b')).toEqual({ '~': 'CANARY_TILDE' });
  });

  it.each([
    [
      'env:J#missing',
      'select "env:J#missing": field "missing" not found; available fields: "url", "db", "list", "port"',
    ],
    [
      'env:J#/db/password',
      'select "env:J#/db/password": "/db/password" not found: no field "password" at "/db"; available fields at "/db": "user", "a/b"',
    ],
    [
      'env:J#/nope/x',
      'select "env:J#/nope/x": "/nope/x" not found: no field "nope"; available fields: "url", "db", "list", "port"',
    ],
    ['env:J#/list/2', 'select "env:J#/list/2": "/list/2" not found: no index "2" in the array at "/list" (length 2)'],
    [
      'env:J#/list/01',
      'select "env:J#/list/01": "/list/01" not found: no index "01" in the array at "/list" (length 2)',
    ],
    ['env:J#/list/-', 'select "env:J#/list/-": "/list/-" not found: no index "-" in the array at "/list" (length 2)'],
    [
      'env:J#/url/x',
      'select "env:J#/url/x": "/url/x" not found: the value at "/url" is a string, not an object or array',
    ],
    [
      'env:J#/port/0',
      'select "env:J#/port/0": "/port/0" not found: the value at "/port" is a number, not an object or array',
    ],
    [
      'env:J#constructor',
      'select "env:J#constructor": field "constructor" not found; available fields: "url", "db", "list", "port"',
    ],
  ])('reports %s', (ref, message) => {
    expect(failure(doc, ref).message).toBe(message);
  });

  it('reports a document that is not structured', () => {
    expect(failure('CANARY_PLAIN_TEXT', 'env:J#url').message).toBe(
      'select "env:J#url": field "url" not found: the document is a string, not an object or array'
    );
    expect(failure(null, 'env:J#/a').message).toBe(
      'select "env:J#/a": "/a" not found: the document is null, not an object or array'
    );
    expect(failure({}, 'env:J#a').message).toBe('select "env:J#a": field "a" not found; the object has no fields');
  });

  it('lists at most 20 field names', () => {
    const wide = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, `CANARY_${i}`]));
    const names = Array.from({ length: 20 }, (_, i) => `"k${i}"`).join(', ');
    expect(failure(wide, 'env:J#x').message).toBe(
      `select "env:J#x": field "x" not found; available fields: ${names} and 5 more`
    );
  });

  it('reads arrays at the top level too', () => {
    expect(select(['CANARY_A', 'CANARY_B'], 'env:J#/1')).toBe('CANARY_B');
  });
});
