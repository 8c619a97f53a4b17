import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Scrubber } from '../../../src/scrub/index.js';
import { OPENSSH_FURNITURE, OPENSSH_MAGIC, publicHeadLength } from '../../../src/scrub/public-head.js';

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

describe(publicHeadLength.name, () => {
  it('covers PEM armour as a form prints it, an OpenSSH first line, and base64 of armour', () => {
    expect(publicHeadLength(String(PKCS8))).toBe('-----BEGIN PRIVATE KEY-----'.length);
    expect(publicHeadLength(JSON.stringify(PKCS8).slice(1))).toBe('-----BEGIN PRIVATE KEY-----'.length);
    const ssh = openssh();
    expect(publicHeadLength(ssh)).toBe(ssh.indexOf(OPENSSH_MAGIC) + OPENSSH_FURNITURE);
    expect(publicHeadLength(JSON.stringify(ssh).slice(1))).toBe('-----BEGIN OPENSSH PRIVATE KEY-----\\n'.length + 64);
    expect(publicHeadLength(ssh.split('\n').slice(1).join(''))).toBe(OPENSSH_FURNITURE);
    const base64 = Buffer.from(String(PKCS8)).toString('base64');
    expect(publicHeadLength(base64)).toBe(Math.ceil(('-----BEGIN PRIVATE KEY-----'.length * 4) / 3));
    expect(publicHeadLength('ghp_0123456789abcdefghijklmnopqrstuvwxyz')).toBe(0);
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
    ];
    for (const text of harmless) {
      expect(scrubber.scrub(text), text).toBe(text);
    }
  });

  it('still redacts a cut that reaches into the key body, raw and JSON-escaped', () => {
    const scrubber = new Scrubber();
    scrubber.add(pkcs8, 'TLS_KEY');
    const cut = pkcs8.slice(0, '-----BEGIN PRIVATE KEY-----\n'.length + 40);
    expect(scrubber.scrub(`key: ${cut}...`)).toBe('key: [redacted:TLS_KEY]...');
    const escaped = JSON.stringify(pkcs8).slice(1, '-----BEGIN PRIVATE KEY-----\\n'.length + 41);
    expect(scrubber.scrub(`{"key":"${escaped}…"}`)).toBe('{"key":"[redacted:TLS_KEY]…"}');
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
