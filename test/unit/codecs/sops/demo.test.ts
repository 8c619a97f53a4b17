import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, type Node, parseDocument, type Scalar } from 'yaml';
import { encryptSops } from '../../../../fixtures/sops/encrypt.js';
import { decryptSops } from '../../../../src/backends/sops/index.js';
import { findSopsAgeIdentities } from '../../../../src/codecs/age/index.js';
import { dataKeyOf, FIXTURES, vector } from './helpers.js';

const DEMO = readFileSync(join(FIXTURES, 'demo.enc.yaml'), 'utf8');
const REAL_3_7 = vector('age/sops-nix/secrets.yaml').toString('utf8');
const REAL_3_8 = vector('age/humphd-sops-age/secret.enc.yaml').toString('utf8');
const ENC = /^ENC\[AES256_GCM,data:([^,]+),iv:([^,]+),tag:([^,]+),type:(str|int|float|bool|comment)\]$/;

/** The shape of a YAML node: mapping keys in order, sequence items, scalar styles; no values. */
function shape(node: unknown): unknown {
  if (isMap(node)) {
    return node.items.map((pair) => [String((pair.key as Scalar).value), shape(pair.value)]);
  }
  if (isSeq(node)) {
    return node.items.length === 0 ? '[]' : node.items.map(shape);
  }
  if (isScalar(node)) {
    return node.type;
  }
  return typeof node;
}

const sopsOf = (text: string): Node => parseDocument(text).get('sops', true) as Node;

/** Byte lengths of the parts of an `ENC[…]` value. */
function encParts(value: string): { iv: number; tag: number; type: string } {
  const m = ENC.exec(value);
  expect(m, 'an ENC[…] value').not.toBeNull();
  return {
    iv: Buffer.from(m?.[2] ?? '', 'base64').length,
    tag: Buffer.from(m?.[3] ?? '', 'base64').length,
    type: m?.[4] ?? '',
  };
}

describe('fixtures/sops/demo.enc.yaml', () => {
  it('decrypts with its TEST ONLY identity to the demo sentinels', async () => {
    const search = findSopsAgeIdentities({ SOPS_AGE_KEY_FILE: join(FIXTURES, 'demo-age-key.txt') });
    const doc = await decryptSops(DEMO, { format: 'yaml', identities: search.found, looked: search.looked });
    expect(doc.tree).toEqual({
      demo: { token: 'CANARY_SOPS_DEMO_TOKEN_51c2e8', db_password: 'CANARY_SOPS_DB_PW_93ab07' },
    });
    expect(doc.version).toBe('3.9.4');
  });

  it('has the metadata of a real sops 3.7–3.9 file, field for field, in the same order and scalar styles', () => {
    const demo = shape(sopsOf(DEMO));
    const real = shape(sopsOf(REAL_3_7)) as [string, unknown][];
    // The real file also lists PGP keys; the demo has none, which sops writes as `pgp: []`.
    expect(demo).toEqual(
      real.map(([k, v]) => [k, k === 'pgp' ? '[]' : v]).map(([k, v]) => [k, k === 'age' ? [(v as unknown[])[0]] : v])
    );
    expect((shape(sopsOf(REAL_3_8)) as [string, unknown][]).map(([k]) => k)).toEqual(
      (demo as [string][]).map(([k]) => k)
    );
    expect(DEMO).toMatch(/\n {4}lastmodified: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\n/);
  });

  it('wraps the data key as sops does: an armored age file with 64-column lines, in a literal block', () => {
    const enc = String(parseDocument(DEMO).getIn(['sops', 'age', 0, 'enc']));
    const real = String(parseDocument(REAL_3_7).getIn(['sops', 'age', 0, 'enc']));
    for (const armored of [enc, real]) {
      const lines = armored.split('\n');
      expect(lines[0]).toBe('-----BEGIN AGE ENCRYPTED FILE-----');
      expect(lines.at(-2)).toBe('-----END AGE ENCRYPTED FILE-----');
      expect(lines.at(-1)).toBe('');
      expect(lines.slice(1, -2).every((l) => /^[A-Za-z0-9+/=]{1,64}$/.test(l))).toBe(true);
      // The same header: one X25519 stanza wrapping 32 bytes.
      expect(Buffer.from(lines.slice(1, -2).join(''), 'base64').subarray(0, 32).toString('latin1')).toBe(
        'age-encryption.org/v1\n-> X25519 '
      );
    }
    expect(enc.length).toBe(real.length);
  });

  it('encrypts values, comments and the MAC as sops does: 32-byte IVs, 16-byte tags, the MAC as 128 hex digits', () => {
    const doc = parseDocument(DEMO);
    const real = parseDocument(REAL_3_7);
    expect(encParts(String(doc.getIn(['demo', 'token'])))).toEqual(encParts(String(real.get('test_key'))));
    expect(encParts(String(doc.getIn(['demo', 'db_password'])))).toEqual({ iv: 32, tag: 16, type: 'str' });
    expect(encParts(/^#(ENC\[.*\])$/m.exec(DEMO)?.[1] ?? '')).toEqual({ iv: 32, tag: 16, type: 'comment' });
    const mac = String(doc.getIn(['sops', 'mac']));
    const realMac = String(real.getIn(['sops', 'mac']));
    expect(encParts(mac)).toEqual(encParts(realMac));
    expect(Buffer.from(ENC.exec(mac)?.[1] ?? '', 'base64').length).toBe(128);
  });
});

describe(encryptSops.name, () => {
  it('reproduces a real sops file byte for byte, given its data key, IVs and master keys', async () => {
    const path = 'age/sops-nix/secrets.yaml';
    const dataKey = dataKeyOf(path);
    const plain = await decryptSops(REAL_3_7, { format: 'yaml', dataKey });
    const doc = parseDocument(REAL_3_7);
    const ivs = [...REAL_3_7.matchAll(/ENC\[AES256_GCM,data:[^,]+,iv:([^,]+),/g)].map((m) =>
      Buffer.from(m[1] ?? '', 'base64')
    );
    const macIv = ivs.pop();
    const again = encryptSops(plain.text, {
      format: 'yaml',
      dataKey,
      ivs,
      ...(macIv === undefined ? {} : { macIv }),
      age: (doc.getIn(['sops', 'age']) as { toJSON(): { recipient: string; enc: string }[] }).toJSON(),
      pgp: (doc.getIn(['sops', 'pgp']) as { toJSON(): { created_at: string; enc: string; fp: string }[] }).toJSON(),
      lastModified: '2021-09-30T19:49:41Z',
      version: '3.7.1',
    });
    expect(again).toBe(REAL_3_7);
  });

  it('reproduces the real sops 3.13 dotenv and INI files byte for byte', async () => {
    for (const [path, format] of [
      ['pgp/getsops/format.enc.env', 'dotenv'],
      ['pgp/getsops/format.enc.ini', 'ini'],
    ] as const) {
      const real = vector(path).toString('utf8');
      const dataKey = dataKeyOf(path);
      const plain = await decryptSops(real, { format, dataKey });
      const ivs = [...real.matchAll(/ENC\[AES256_GCM,data:[^,]+,iv:([^,]+),/g)].map((m) =>
        Buffer.from(m[1] ?? '', 'base64')
      );
      // The MAC comes first in these files: metadata is sorted, `mac` before `version`.
      const macIv = ivs.pop();
      const created = /created_at *= *(\S+)/.exec(real)?.[1] ?? '';
      const enc = (/map_enc *= *(.*)/.exec(real)?.[1] ?? '').replaceAll('\\n', '\n');
      const again = encryptSops(plain.text, {
        format,
        dataKey,
        ivs,
        ...(macIv === undefined ? {} : { macIv }),
        pgp: [{ created_at: created, enc, fp: 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4' }],
        lastModified: /lastmodified *= *(\S+)/.exec(real)?.[1] ?? '',
        version: /version *= *(\S+)/.exec(real)?.[1] ?? '',
      });
      expect(again).toBe(real);
    }
  });
});
