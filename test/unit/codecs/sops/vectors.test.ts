import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptSops } from '../../../../src/backends/sops/index.js';
import { findSopsAgeIdentities } from '../../../../src/codecs/age/index.js';
import { formatGoFloatG } from '../../../../src/codecs/sops/go-values.js';
import type { SopsFormat } from '../../../../src/ref/types.js';
import { dataKeyOf, EXPECTED, rejection, VECTORS, vector } from './helpers.js';

// expected.json holds JSON values; the tree holds them as `sops -d --extract` prints them.
function rendered(value: unknown, format: SopsFormat): unknown {
  if (Array.isArray(value)) {
    return value.map((v) => rendered(v, format));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rendered(v, format)]));
  }
  if (typeof value === 'number' && format === 'yaml') {
    // The YAML vectors' large numbers are floats, which yaml.v3 prints in %g form.
    return Number.isInteger(value) && Math.abs(value) < 1e6 ? String(value) : formatGoFloatG(value);
  }
  return String(value);
}

const AGE_VECTORS = Object.keys(EXPECTED).filter((p) => p.startsWith('age/'));
const PGP_VECTORS = Object.keys(EXPECTED).filter((p) => p.startsWith('pgp/') && !p.endsWith('no_mac.yaml'));
const KEY_FILES: Record<string, string> = {
  'humphd-sops-age': 'age/humphd-sops-age/key.txt',
  'sops-nix': 'age/sops-nix/age-keys.txt',
};

describe(decryptSops.name, () => {
  it.each(AGE_VECTORS)('decrypts the age vector %s with its published TEST ONLY identity file', async (path) => {
    const record = EXPECTED[path];
    const keyFile = join(VECTORS, KEY_FILES[path.split('/')[1] ?? ''] ?? '');
    const search = findSopsAgeIdentities({ SOPS_AGE_KEY_FILE: keyFile });
    const doc = await decryptSops(vector(path), {
      format: record?.format ?? 'yaml',
      ref: `sops:${path}`,
      identities: search.found,
      looked: search.looked,
    });
    expect(doc.tree).toEqual(rendered(record?.decrypted, doc.format));
    expect(doc.version).toBe(record?.sopsVersion);
  });

  it.each(PGP_VECTORS)('decrypts the PGP vector %s through the data key recorded for it', async (path) => {
    const record = EXPECTED[path];
    const doc = await decryptSops(vector(path), { format: record?.format ?? 'yaml', dataKey: dataKeyOf(path) });
    expect(doc.tree).toEqual(rendered(record?.decrypted, doc.format));
  });

  it('refuses no_mac.yaml, which has an empty MAC, unless allowNoMac is set', async () => {
    const path = 'pgp/getsops/no_mac.yaml';
    const options = { format: 'yaml', ref: 'sops:no_mac.yaml', dataKey: dataKeyOf(path) } as const;
    const error = await rejection(decryptSops(vector(path), options));
    expect(error.message).toBe(
      'sops: decrypt "sops:no_mac.yaml": the file has no MAC, so modifications after encryption cannot be detected. ' +
        'Re-encrypt it with sops, or set backends.sops.allowNoMac: true to accept it unverified'
    );
    expect(error.code).toBe('INTEGRITY');
    const doc = await decryptSops(vector(path), { ...options, allowNoMac: true });
    expect(doc.tree).toEqual({ myapp1: 't00m4nys3cr3tzupdated' });
  });

  describe('prints the document as sops -d does', () => {
    const text = async (path: string): Promise<string> =>
      (await decryptSops(vector(path), { format: EXPECTED[path]?.format ?? 'yaml', dataKey: dataKeyOf(path) })).text;

    it('YAML: yaml.v3 layout, 4-space indentation, sequences indented', async () => {
      expect(await text('age/sops-nix/secrets.yaml')).toBe(
        'test_key: test_value\na_list:\n    - e1\n    - e3\nnested:\n    test:\n        file: another value\n'
      );
    });

    it('YAML: typed values in Go form, decrypted comments in place, literal blocks', async () => {
      const out = await text('pgp/getsops/example.yaml');
      expect(out.split('\n').slice(0, 6)).toEqual([
        'myapp1: t00m4nys3cr3tzupdated',
        'app2:',
        '    db:',
        '        user: eve',
        '        password: c4r1b0u',
        '        # private key for secret operations in app2',
      ]);
      expect(out).toContain('\n    key: |\n        -----BEGIN RSA PRIVATE KEY-----\n');
      expect(out).toContain('\nnumber: 1.234568e+09\n');
      expect(out).toContain('\nsomebooleans:\n    - true\n    - false\n');
      expect(out).toContain(
        '                value: with something secret in it\n' +
          '                # sops supports unencrypted fields\n' +
          '                # by adding the `_unencrypted` suffix\n' +
          '                # to any key\n'
      );
    });

    it('YAML: comments decrypted with the top-level path as authenticated data', async () => {
      expect(await text('pgp/getsops/comments.enc.yaml')).toBe(
        '# first comment in file\nlorem: ipsum\n# this-is-a-comment\ndolor: sit\n'
      );
    });

    it('JSON: tab-indented as json.Indent prints it, numbers by their Go type', async () => {
      expect(await text('age/humphd-sops-age/secret.enc.json')).toBe(
        '{\n\t"secret": "this is a secret",\n\t"string": "string",\n\t"int": 7,\n\t"float": 3.14,\n\t"boolean": true,\n' +
          '\t"0word": "gotta match go",\n\t"complex": {\n\t\t"value": "this is a secret",\n\t\t"array": [\n' +
          '\t\t\t"one",\n\t\t\t"two",\n\t\t\t"three"\n\t\t]\n\t}\n}\n'
      );
    });

    it('dotenv: K=V lines, comments kept, newlines escaped, keys and values untrimmed', async () => {
      expect(await text('pgp/sops-nix/secrets.env')).toBe(
        '# This is an example file.\nhello=Welcome to SOPS! Edit this file as you please!\nexample_key=example_value\n' +
          'example_multiline=foo\\nbar\\nbaz\nnever_gonna=give you up\n'
      );
      expect(await text('pgp/getsops/format.enc.env')).toBe('foo = bar\n');
    });

    it('INI: go-ini layout, aligned "=", the section comment above its header', async () => {
      expect(await text('pgp/getsops/example.ini')).toBe(
        '; An example file for use with sops!\n[name]\nfirstName = John\nlastName  = Smith\nage       = 25.4\n\n' +
          '[address]\ncity          = New York\npostalCode    = 10021-3100\nstate         = NY\nstreetAddress = 21 2nd Street\n\n' +
          '[phoneNumbers]\nhome   = 212 555-1234\noffice = 646 555-4567\n\n[not private]\nnotsecret_unencrypted = hi there!\n'
      );
    });

    it('INI: reads go-ini """…""" multi-line metadata values', async () => {
      expect(await text('pgp/getsops/format-2.enc.ini')).toBe('[foo]\nbar = baz\n');
    });

    it('binary: the raw content', async () => {
      expect(await text('pgp/sops-nix/secrets.bin')).toBe('binary_value\n');
    });
  });
});
