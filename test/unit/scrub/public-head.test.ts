import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Scrubber } from '../../../src/scrub/index.js';
import { derHeaderBytes, OPENSSH_FURNITURE, OPENSSH_MAGIC, publicHeadLength } from '../../../src/scrub/public-head.js';

// TEST ONLY keys, generated here: a PKCS#8 RSA key, and an OpenSSH-shaped one (the format's real first body line, as
// every unencrypted ed25519 key has it, then random lines).
const PKCS8 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
const ED25519_FIRST_LINE = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW';
const openssh = () =>
  [
    '-----BEGIN OPENSSH PRIVATE KEY-----',
    ED25519_FIRST_LINE,
    ...[0, 1, 2, 3].map(() => randomBytes(52).toString('base64')),
    '-----END OPENSSH PRIVATE KEY-----',
    '',
  ].join('\n');

// The DER header every PKCS#8 RSA key shares up to its modulus (37 bytes: 12 whole base64 quanta, 48 characters).
const RSA_PKCS8_HEAD = 48;
const ARMOUR = '-----BEGIN PRIVATE KEY-----';

describe(publicHeadLength.name, () => {
  it('covers PEM armour and the DER header as a form prints them, an OpenSSH first line, and base64 of armour', () => {
    expect(publicHeadLength(String(PKCS8))).toBe(ARMOUR.length + 1 + RSA_PKCS8_HEAD);
    expect(publicHeadLength(JSON.stringify(PKCS8).slice(1))).toBe(ARMOUR.length + 2 + RSA_PKCS8_HEAD);
    expect(publicHeadLength(String(PKCS8).split('\n')[1]!)).toBe(RSA_PKCS8_HEAD);
    const ssh = openssh();
    expect(publicHeadLength(ssh)).toBe(ssh.indexOf(OPENSSH_MAGIC) + OPENSSH_FURNITURE);
    expect(publicHeadLength(JSON.stringify(ssh).slice(1))).toBe('-----BEGIN OPENSSH PRIVATE KEY-----\\n'.length + 64);
    expect(publicHeadLength(ssh.split('\n').slice(1).join(''))).toBe(OPENSSH_FURNITURE);
    const base64 = Buffer.from(String(PKCS8)).toString('base64');
    expect(publicHeadLength(base64)).toBeGreaterThanOrEqual(Math.ceil((ARMOUR.length * 4) / 3));
    // The whole line break counts, however it is printed, and an indent after it.
    expect(publicHeadLength(String(PKCS8).replace(/\n/g, '\r\n'))).toBe(ARMOUR.length + 2 + RSA_PKCS8_HEAD);
    expect(publicHeadLength(String(PKCS8).replace(/\n/g, '&#10;'))).toBe(ARMOUR.length + 5 + RSA_PKCS8_HEAD);
    expect(publicHeadLength(String(PKCS8).replace(/\n/g, '\n      '))).toBe(ARMOUR.length + 7 + RSA_PKCS8_HEAD);
    expect(publicHeadLength('ghp_0123456789abcdefghijklmnopqrstuvwxyz')).toBe(0);
    expect(publicHeadLength('MIIsomeRandomTokenValue0123456789')).toBe(0);
  });

  it('reads a seed that begins with a tag byte as key material, not as a wrapped element', () => {
    // An Ed25519 PKCS#8 key whose 32-byte seed starts 04 … or 30 … (one key in a few hundred): same header.
    for (const first of [0x04, 0x30]) {
      const seed = Buffer.alloc(32, 0x5a);
      seed[0] = first;
      const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
      expect(derHeaderBytes(der)).toBe(16);
      expect(publicHeadLength(der.toString('base64'))).toBe(20);
    }
  });

  it.each([
    // What every key of the type begins with, up to its key material (whole base64 quanta).
    ['P-256 PKCS#8', 'ec', { namedCurve: 'P-256' }, 'pkcs8', 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg'],
    ['P-256 SEC1', 'ec', { namedCurve: 'P-256' }, 'sec1', 'MHcCAQEE'],
    ['Ed25519 PKCS#8', 'ed25519', {}, 'pkcs8', 'MC4CAQAwBQYDK2VwBCIE'],
    // The length bytes after `MIIE` vary from key to key (`MIIEpA…`, `MIIEow…`): still no key material.
    ['RSA PKCS#1', 'rsa', { modulusLength: 2048 }, 'pkcs1', 'MIIE??IBAAKC'],
  ] as const)('takes the DER header of a %s key up to its key material', (_, type, options, format, shared) => {
    const pem = generateKeyPairSync(type as 'ec', options as { namedCurve: string })
      .privateKey.export({ type: format as 'pkcs8', format: 'pem' })
      .toString();
    const body = pem.split('\n')[1]!;
    expect(body).toMatch(new RegExp(`^${shared.replace(/[+/]/g, '\\$&').replace(/\?/g, '.')}`));
    expect(publicHeadLength(body)).toBe(shared.length);
    expect(derHeaderBytes(Buffer.from(body, 'base64'))).toBeGreaterThan(0);
  });
});

describe('a key credential and the furniture every key of its kind shares', () => {
  const pkcs8 = String(PKCS8);

  it('leaves PEM armour followed by an ellipsis as it is, in every way it is printed', () => {
    const scrubber = new Scrubber();
    scrubber.add(pkcs8, 'TLS_KEY');
    const harmless = [
      'expected a PKCS#8 key: -----BEGIN PRIVATE KEY-----...',
      'expected a PKCS#8 key: -----BEGIN PRIVATE KEY-----…',
      '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----',
      '"-----BEGIN PRIVATE KEY-----…"',
      'starts with -----BEGIN PRIVA...',
      '{"key":"-----BEGIN PRIVATE KEY-----\\nMIIE..."}',
      `data: ${Buffer.from('-----BEGIN PRIVATE KEY-----\nMIIE').toString('base64')}...`,
      // What every RSA-2048 PKCS#8 key begins with, in a format hint.
      'an RSA PKCS#8 key starts MIIEvQIBADANBgkqhkiG9w0BAQEFAASC...',
      // Indented, as in a Helm values file or Jest's console.
      `key: |\n    ${ARMOUR}\n    ${pkcs8.split('\n')[1]!.slice(0, RSA_PKCS8_HEAD)}...`,
      `${ARMOUR}\n${pkcs8.split('\n')[1]!.slice(0, RSA_PKCS8_HEAD)}...`,
    ];
    for (const text of harmless) {
      expect(scrubber.scrub(text), text).toBe(text);
    }
  });

  it('still redacts a cut that reaches into the key body, raw and JSON-escaped', () => {
    const scrubber = new Scrubber();
    scrubber.add(pkcs8, 'TLS_KEY');
    // 20 characters into the modulus: past what every RSA-2048 PKCS#8 key begins with.
    const cut = pkcs8.slice(0, ARMOUR.length + 1 + RSA_PKCS8_HEAD + 20);
    expect(scrubber.scrub(`key: ${cut}...`)).toBe('key: [redacted:TLS_KEY]...');
    const escaped = JSON.stringify(pkcs8).slice(1, ARMOUR.length + 3 + RSA_PKCS8_HEAD + 20);
    expect(scrubber.scrub(`{"key":"${escaped}…"}`)).toBe('{"key":"[redacted:TLS_KEY]…"}');
    // A body line of its own, cut: the same rule.
    const line = pkcs8.split('\n')[1]!.slice(0, RSA_PKCS8_HEAD + 12);
    expect(scrubber.scrub(`line ${line}...`)).toBe('line [redacted:TLS_KEY]...');
  });

  it('leaves the DER header of EC and Ed25519 PKCS#8 keys in a hint as it is', () => {
    const scrubber = new Scrubber();
    for (const [name, type, options] of [
      ['EC_KEY', 'ec', { namedCurve: 'P-256' }],
      ['ED_KEY', 'ed25519', {}],
    ] as const) {
      const key = generateKeyPairSync(type as 'ec', options as { namedCurve: string }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      });
      scrubber.add(String(key), name);
    }
    for (const hint of [
      'a P-256 PKCS#8 key starts MIGHAgEAMBMGByqGSM49AgEGCCqGSM49...',
      'an Ed25519 PKCS#8 key starts MC4CAQAwBQYDK2VwBCIEI...',
      // Indented, as Jest's console prints a short value's second line and a Helm values file holds it.
      `${ARMOUR}\n    MC4CAQAwBQYDK2VwBCIE...`,
      `tls:\n  key: |\n      ${ARMOUR}\n      MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg...\n`,
    ]) {
      expect(scrubber.scrub(hint)).toBe(hint);
      expect(scrubber.findings(Buffer.from(hint))).toEqual([]);
    }
  });

  it("leaves another OpenSSH key's first line as it is, and redacts this key's own lines", () => {
    const mine = openssh();
    const scrubber = new Scrubber();
    scrubber.add(mine, 'DEPLOY_KEY');
    const throwaway = openssh();
    expect(scrubber.scrub(throwaway)).toBe(throwaway);
    expect(scrubber.scrub(`${throwaway.slice(0, throwaway.indexOf('\n') + 1 + 60)}...`)).toContain(
      ED25519_FIRST_LINE.slice(0, 60)
    );
    const secondLine = mine.split('\n')[2]!;
    expect(scrubber.scrub(`line: ${secondLine}`)).toBe('line: [redacted:DEPLOY_KEY]');
    expect(scrubber.report()[0]!.partsFrom).toEqual(['PEM OPENSSH PRIVATE KEY body']);
  });
});
