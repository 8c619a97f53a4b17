// Cases no published sops file covers (see vectors/README): built with fixtures/sops/encrypt.ts, which reproduces
// real sops files byte for byte (demo.test.ts), and read back through age like any sops file.
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { beforeAll, describe, expect, it } from 'vitest';
import { type EncryptOptions, encryptSops, newDataKey, wrapForAge } from '../../../../fixtures/sops/encrypt.js';
import { type DecryptedSops, decryptSops } from '../../../../src/backends/sops/index.js';
import { type AgeIdentity, findSopsAgeIdentities } from '../../../../src/codecs/age/index.js';
import { combineShares } from '../../../../src/codecs/sops/data-key.js';
import type { SopsFormat } from '../../../../src/ref/types.js';
import { rejection } from './helpers.js';

let identities: AgeIdentity[];
let recipients: string[];
beforeAll(async () => {
  const keys = [await generateX25519Identity(), await generateX25519Identity()];
  recipients = await Promise.all(keys.map((k) => identityToRecipient(k)));
  identities = findSopsAgeIdentities({ SOPS_AGE_KEY: keys.join('\n') }).found;
});

/** Encrypt `plaintext` to the first test identity, then decrypt it through age. */
async function roundTrip(
  plaintext: string,
  format: SopsFormat,
  options: Partial<EncryptOptions> = {}
): Promise<{ encrypted: string; doc: DecryptedSops }> {
  const dataKey = newDataKey();
  const encrypted = encryptSops(plaintext, {
    format,
    dataKey,
    age: [await wrapForAge(dataKey, recipients[0] ?? '')],
    ...options,
  });
  return { encrypted, doc: await decryptSops(encrypted, { format, ref: 'sops:synthetic', identities }) };
}

describe('sops encryption rules', () => {
  const K8S =
    'apiVersion: v1\nkind: Secret\nmetadata:\n    name: app\ndata:\n    password: CANARY_K8S_PW\n    nested:\n        key: CANARY_K8S_NESTED\n';

  it('encrypted_regex: only leaves under a matching key are encrypted, and the rest is in the MAC', async () => {
    const { encrypted, doc } = await roundTrip(K8S, 'yaml', { rules: { encrypted_regex: '^(data|stringData)$' } });
    expect(encrypted).toMatch(/^apiVersion: v1\nkind: Secret\nmetadata:\n {4}name: app\ndata:\n {4}password: ENC\[/);
    expect(encrypted).toContain('\n    encrypted_regex: ^(data|stringData)$\n');
    expect(doc.text).toBe(K8S);
    const tampered = encrypted.replace('name: app', 'name: evil');
    await expect(decryptSops(tampered, { format: 'yaml', ref: 'r', identities })).rejects.toThrow(
      /^sops: decrypt "r": the file was modified after encryption: MAC mismatch \(a value, key or their order was changed\)\. Restore it from version control, or re-encrypt it with sops$/
    );
  });

  it('mac_only_encrypted: the MAC covers encrypted values only', async () => {
    const { encrypted, doc } = await roundTrip(K8S, 'yaml', {
      rules: { encrypted_regex: '^data$' },
      macOnlyEncrypted: true,
    });
    expect(encrypted).toContain('\n    mac_only_encrypted: true\n');
    expect(doc.tree).toMatchObject({ data: { password: 'CANARY_K8S_PW' } });
    const edited = await decryptSops(encrypted.replace('name: app', 'name: other'), {
      format: 'yaml',
      identities,
    });
    expect(edited.tree).toMatchObject({ metadata: { name: 'other' }, data: { password: 'CANARY_K8S_PW' } });
    // Still bound to the file's own MAC: the initialisation bytes make it differ from a full MAC.
    await expect(
      decryptSops(encrypted.replace('\n    mac_only_encrypted: true', ''), { format: 'yaml', identities })
    ).rejects.toThrow(
      /^sops: decrypt: the file was modified after encryption: MAC mismatch \(a value, key or their order was changed\)\. Restore it from version control, or re-encrypt it with sops$/
    );
  });

  it('unencrypted_regex, encrypted_suffix and a custom unencrypted_suffix, anywhere on the key path', async () => {
    const plain =
      'public_name: web\nnested:\n    public_list:\n        - a\n        - b\n    token: CANARY_RULES_TOKEN\n';
    const a = await roundTrip(plain, 'yaml', { rules: { unencrypted_regex: '^public_' } });
    expect(a.encrypted).toContain('public_name: web\n');
    expect(a.encrypted).toContain('        - a\n');
    expect(a.doc.text).toBe(plain);
    const b = await roundTrip('db_secret:\n    pw: CANARY_SUFFIX\nname: web\n', 'yaml', {
      rules: { encrypted_suffix: '_secret' },
    });
    expect(b.encrypted).toMatch(/db_secret:\n {4}pw: ENC\[.*\nname: web\n/);
    expect(b.doc.tree).toEqual({ db_secret: { pw: 'CANARY_SUFFIX' }, name: 'web' });
    const c = await roundTrip('x_plain: visible\ny: CANARY_CUSTOM\n', 'yaml', {
      rules: { unencrypted_suffix: '_plain' },
    });
    expect(c.encrypted).toContain('x_plain: visible\n');
    expect(c.doc.tree).toEqual({ x_plain: 'visible', y: 'CANARY_CUSTOM' });
  });

  it('encrypted_comment_regex: values after a matching comment are encrypted, the marker comment is not', async () => {
    const plain = '# sops:enc\npassword: CANARY_COMMENT_PW\nuser: admin\n';
    const { encrypted, doc } = await roundTrip(plain, 'yaml', { rules: { encrypted_comment_regex: 'sops:enc' } });
    expect(encrypted).toMatch(/^# sops:enc\npassword: ENC\[.*\nuser: admin\n/);
    expect(doc.text).toBe(plain);
  });

  it('unencrypted_comment_regex: values after a matching comment stay plain; other comments are encrypted', async () => {
    const plain = '# keep: plain\nhost: db.internal\n# the password\npassword: CANARY_UCR_PW\n';
    const { encrypted, doc } = await roundTrip(plain, 'yaml', { rules: { unencrypted_comment_regex: 'keep: plain' } });
    expect(encrypted).toMatch(/^# keep: plain\nhost: db.internal\n#ENC\[.*type:comment\]\npassword: ENC\[/);
    expect(doc.text).toBe(plain);
  });
});

describe('sops value types', () => {
  it('YAML: int, float, bool, null and timestamps keep their type, print in Go form, and hash as Go does', async () => {
    const plain =
      'count: 42\nbig: 9007199254740993\noctal: 0o17\nold_octal: 0777\nratio: 0.5\nhuge: 1.0e+21\ntiny: 0.000001\n' +
      'negzero: -0.0\nflag: true\nnothing: null\nwhen: 2024-01-02T03:04:05.120+00:00\nday: 2024-01-02\nquoted: "42"\n';
    const { encrypted, doc } = await roundTrip(plain, 'yaml');
    const types = [...encrypted.matchAll(/^(\w+): ENC\[.*type:(\w+)\]$/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(types).toEqual([
      'count:int',
      'big:int',
      'octal:int',
      'old_octal:int',
      'ratio:float',
      'huge:float',
      'tiny:float',
      'negzero:float',
      'flag:bool',
      'when:time',
      'day:time',
      'quoted:str',
    ]);
    expect(encrypted).toContain('\nnothing: null\n');
    expect(doc.text).toBe(
      'count: 42\nbig: 9007199254740993\noctal: 15\nold_octal: 511\nratio: 0.5\nhuge: 1e+21\ntiny: 1e-06\nnegzero: -0\n' +
        'flag: true\nnothing: null\nwhen: 2024-01-02T03:04:05.12Z\nday: 2024-01-02T00:00:00Z\nquoted: "42"\n'
    );
    expect(doc.tree).toEqual({
      count: '42',
      big: '9007199254740993',
      octal: '15',
      old_octal: '511',
      ratio: '0.5',
      huge: '1e+21',
      tiny: '1e-06',
      negzero: '-0',
      flag: 'true',
      nothing: 'null',
      when: '2024-01-02T03:04:05.12Z',
      day: '2024-01-02T00:00:00Z',
      quoted: '42',
    });
  });

  it('JSON: integers and floats by their text, printed and extracted as encoding/json does', async () => {
    const plain =
      '{\n\t"n": 9007199254740993,\n\t"f": 1e21,\n\t"g": 1.5e-7,\n\t"t": false,\n\t"z": null,\n\t"s": "<a&b>"\n}\n';
    const { doc } = await roundTrip(plain, 'json');
    expect(doc.text).toBe(
      '{\n\t"n": 9007199254740993,\n\t"f": 1e+21,\n\t"g": 1.5e-7,\n\t"t": false,\n\t"z": null,\n\t"s": "\\u003ca\\u0026b\\u003e"\n}\n'
    );
    expect(doc.tree).toEqual({ n: '9007199254740993', f: '1e+21', g: '1.5e-7', t: 'false', z: 'null', s: '<a&b>' });
  });

  it('keeps a numeric-looking string key exact (its AAD is "2024:")', async () => {
    const { doc } = await roundTrip('"2024": CANARY_NUMERIC_KEY\n', 'yaml');
    expect(doc.tree).toEqual({ 2024: 'CANARY_NUMERIC_KEY' });
    expect(doc.text).toBe('"2024": CANARY_NUMERIC_KEY\n');
  });

  it('strings yaml.v3 must quote or escape come back exactly', async () => {
    const plain = 'a: "yes"\nb: "tab\\there"\nc: \'x: y\'\nd: "emoji 😀"\ne: ""\nf: |-\n    two\n    lines\n';
    const { doc } = await roundTrip(plain, 'yaml');
    expect(doc.tree).toEqual({ a: 'yes', b: 'tab\there', c: 'x: y', d: 'emoji 😀', e: '', f: 'two\nlines' });
    expect(doc.text).toBe(
      'a: "yes"\nb: "tab\\there"\nc: \'x: y\'\nd: "emoji \\U0001F600"\ne: ""\nf: |-\n    two\n    lines\n'
    );
  });
});

describe('sops formats through age', () => {
  it('INI with comments and a DEFAULT section', async () => {
    const plain =
      'top = CANARY_INI_DEFAULT\n\n; the database\n[db]\nuser     = app\n; its password\npassword = CANARY_INI_PW\n';
    const { encrypted, doc } = await roundTrip(plain, 'ini');
    expect(encrypted).toMatch(/^top = ENC\[.*\n\n; ENC\[.*type:comment\]\n\[db\]\n/);
    expect(doc.text).toBe(plain);
    expect(doc.tree).toEqual({
      DEFAULT: { top: 'CANARY_INI_DEFAULT' },
      db: { user: 'app', password: 'CANARY_INI_PW' },
    });
  });

  it('dotenv, where quotes and spaces are part of the value', async () => {
    const plain = '# comment\nTOKEN=CANARY_ENV_TOKEN\nQUOTED="kept quotes"\nMULTI=a\\nb\n';
    const { encrypted, doc } = await roundTrip(plain, 'dotenv');
    expect(encrypted).toContain('\nsops_age__list_0__map_recipient=');
    expect(doc.text).toBe(plain);
    expect(doc.tree).toEqual({ TOKEN: 'CANARY_ENV_TOKEN', QUOTED: '"kept quotes"', MULTI: 'a\nb' });
  });

  it('binary: any text, returned as it was', async () => {
    const plain = '-----BEGIN CANARY-----\nnot a format at all: [\n';
    const { encrypted, doc } = await roundTrip(plain, 'binary');
    expect(JSON.parse(encrypted).data).toMatch(/^ENC\[AES256_GCM,.*type:str\]$/);
    expect(doc.text).toBe(plain);
    expect(doc.tree).toEqual({ data: plain });
  });

  it('multi-document YAML: every document decrypted and checked; the first one selectable', async () => {
    const plain = 'a: CANARY_DOC_1\n---\nb: CANARY_DOC_2\n';
    const { encrypted, doc } = await roundTrip(plain, 'yaml');
    expect(encrypted.match(/^sops:$/gm)).toHaveLength(2);
    expect(doc.text).toBe(plain);
    expect(doc.tree).toEqual({ a: 'CANARY_DOC_1' });
  });
});

// GF(2^8) with the AES polynomial, to split a key as sops's Shamir code does.
function mult(a: number, b: number): number {
  let p = 0;
  for (let x = a, y = b; y > 0; y >>= 1) {
    p ^= y & 1 ? x : 0;
    x = x & 0x80 ? ((x << 1) ^ 0x11b) & 0xff : x << 1;
  }
  return p;
}

function split(secret: Uint8Array, xs: readonly number[]): Uint8Array[] {
  const coefficients = Array.from(secret, () => 1 + Math.floor(Math.random() * 255));
  return xs.map((x) => Uint8Array.from([...secret.map((s, i) => s ^ mult(coefficients[i] ?? 0, x)), x]));
}

describe('sops key groups (Shamir)', () => {
  it('combines shares as shamir.Combine does', () => {
    const secret = newDataKey();
    const [a, b, c] = split(secret, [7, 42, 200]);
    expect(combineShares([a as Uint8Array, b as Uint8Array])).toEqual(secret);
    expect(combineShares([c as Uint8Array, a as Uint8Array])).toEqual(secret);
  });

  it('rebuilds the data key from two key groups, each opened by its own identity', async () => {
    const dataKey = newDataKey();
    const [one, two] = split(dataKey, [1, 2]) as [Uint8Array, Uint8Array];
    const encrypted = encryptSops('token: CANARY_SHAMIR\n', {
      format: 'yaml',
      dataKey,
      keyGroups: [[await wrapForAge(one, recipients[0] ?? '')], [await wrapForAge(two, recipients[1] ?? '')]],
      shamirThreshold: 2,
    });
    expect(encrypted).toContain('\n    shamir_threshold: 2\n    key_groups:\n');
    const doc = await decryptSops(encrypted, { format: 'yaml', identities });
    expect(doc.tree).toEqual({ token: 'CANARY_SHAMIR' });
    const error = await rejection(
      decryptSops(encrypted, { format: 'yaml', ref: 'sops:shamir', identities: identities.slice(0, 1) })
    );
    expect(error.message).toBe(
      `sops: decrypt "sops:shamir": no age identity matches the file's recipients (recipients: ${recipients[1]}; ` +
        `identities tried: SOPS_AGE_KEY: ${recipients[0]}). ` +
        'Add the identity of one of those recipients to SOPS_AGE_KEY_FILE or backends.sops.identities'
    );
  });
});
