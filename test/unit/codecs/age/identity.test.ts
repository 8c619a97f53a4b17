import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateHybridIdentity, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, describe, expect, it } from 'vitest';
import { loadIdentityFile, parseIdentityFile } from '../../../../src/codecs/age/index.js';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/age');
const tmp = mkdtempSync(join(tmpdir(), 'cb-age-identity-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
};

describe(parseIdentityFile.name, () => {
  it('reads keys.txt lines: comments, blank lines, CRLF, several keys on a line (as SOPS_AGE_KEY allows)', async () => {
    const [a, b, c] = [await generateX25519Identity(), await generateX25519Identity(), await generateHybridIdentity()];
    const text = `# created: 2026-01-01\r\n# public key: age1…\r\n${a}\r\n\r\n  ${b} ${c}  \n# end\n`;
    const identities = parseIdentityFile(text, 'keys.txt');
    expect(identities.map((i) => i.publicKey)).toEqual([
      await identityToRecipient(a),
      await identityToRecipient(b),
      await identityToRecipient(c),
    ]);
    expect(identities.map((i) => [i.origin, i.identity])).toEqual([
      ['keys.txt', a],
      ['keys.txt', b],
      ['keys.txt', c],
    ]);
  });

  it('yields nothing for text without keys', () => {
    expect(parseIdentityFile('', 'empty')).toEqual([]);
    expect(parseIdentityFile('# only a comment\n\n', 'comments')).toEqual([]);
  });

  it('reads an OpenSSH ed25519 key, shown as ssh-keygen -l shows it plus the age tag', () => {
    const [identity] = parseIdentityFile(readFileSync(join(FIXTURES, 'agenix/example_keys/user1'), 'utf8'), 'user1');
    expect(identity?.publicKey).toBe('ssh-ed25519 SHA256:V3XmEKMdnyfwkBMqLxmqvB+sxNXcFr31f50KlIhRqxk (tag V3XmEA)');
    expect(typeof identity?.identity).toBe('object');
  });

  it('reads an OpenSSH RSA key', () => {
    const [identity] = parseIdentityFile(readFileSync(join(FIXTURES, 'ssh/test-only-id_rsa'), 'utf8'), 'rsa');
    expect(identity?.publicKey).toBe('ssh-rsa SHA256:LYXcOgyticHtTANZFbGQI1ERUAhh6PBeEQdf3ptCcto (tag LYXcOg)');
  });

  it('keeps a passphrase-protected OpenSSH key as a locked identity, known by its public half', () => {
    const text = readFileSync(join(FIXTURES, 'ssh/test-only-id_ed25519_locked'), 'utf8');
    expect(parseIdentityFile(text, 'locked').map((i) => i.publicKey)).toEqual([
      'ssh-ed25519 SHA256:mnKaXLF4QxQJNL5zCLKRQMLJBzaiOqhWf6xAJlz286k (tag mnKaXA), passphrase-protected',
    ]);
  });

  it('reads PKCS#8 ed25519 and RSA keys', () => {
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs1' });
    expect(parseIdentityFile(ed, 'ed')[0]?.publicKey).toMatch(/^ssh-ed25519 SHA256:[A-Za-z0-9+/]{43} \(tag [^)]{6}\)$/);
    expect(parseIdentityFile(rsa.toString(), 'rsa')[0]?.publicKey).toMatch(/^ssh-rsa SHA256:[A-Za-z0-9+/]{43} \(tag /);
  });

  describe('refuses, without quoting the key material', () => {
    it('an age plugin identity', () => {
      expect(messageOf(() => parseIdentityFile('# yubikey\nAGE-PLUGIN-YUBIKEY-1QQQQQQ\n', 'keys.txt'))).toBe(
        'age: load identity "keys.txt": line 2 is an age plugin identity (AGE-PLUGIN-…); plugins are not supported. Use an X25519 identity (age-keygen) or an SSH key'
      );
    });

    it('a line that is not an identity', () => {
      const message = messageOf(() => parseIdentityFile('CANARY_not_a_key_8c1d\n', 'keys.txt'));
      expect(message).toBe(
        'age: load identity "keys.txt": line 1 is not an age identity (expected AGE-SECRET-KEY-1… or AGE-SECRET-KEY-PQ-1…)'
      );
    });

    it('a key with a broken checksum', async () => {
      const key = await generateX25519Identity();
      const broken = `${key.slice(0, -1)}${key.endsWith('Q') ? 'P' : 'Q'}`;
      expect(messageOf(() => parseIdentityFile(broken, 'keys.txt'))).toBe(
        'age: load identity "keys.txt": line 1 is a malformed age identity: not valid bech32 (bad checksum or characters)'
      );
    });

    it('an SSH key of a type age cannot use', () => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' });
      expect(messageOf(() => parseIdentityFile(ec.toString(), 'id_ecdsa'))).toBe(
        'age: load identity "id_ecdsa": not a usable SSH private key: ec keys cannot be age identities (only ssh-ed25519 and ssh-rsa)'
      );
    });

    it('a passphrase-protected PEM key', () => {
      const pem = generateKeyPairSync('ed25519')
        .privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'CANARY_pem_pass' })
        .toString();
      expect(messageOf(() => parseIdentityFile(pem, 'id_pem'))).toBe(
        'age: load identity "id_pem": not a usable SSH private key: the PEM key is passphrase-protected, which is not supported'
      );
    });

    it('a truncated OpenSSH key', () => {
      const text = readFileSync(join(FIXTURES, 'agenix/example_keys/user1'), 'utf8');
      const lines = text.trim().split('\n');
      const cut = [lines[0], lines[1], lines[2]?.slice(0, 20), lines.at(-1)].join('\n');
      expect(messageOf(() => parseIdentityFile(cut, 'id_ed25519'))).toBe(
        'age: load identity "id_ed25519": not a usable SSH private key: the key is truncated'
      );
    });

    it('an identity file that is itself age-encrypted', () => {
      expect(messageOf(() => parseIdentityFile('age-encryption.org/v1\n-> scrypt …', 'keys.age'))).toBe(
        'age: load identity "keys.age": the identity file is itself age-encrypted, which is not supported. Decrypt it once to a file only you can read (mode 0600) and point at that file'
      );
    });
  });
});

describe(loadIdentityFile.name, () => {
  it('reads a file, with the path as origin by default', () => {
    const path = join(FIXTURES, 'test-only-identity.txt');
    const [identity] = loadIdentityFile(path);
    expect(identity?.origin).toBe(path);
    expect(identity?.publicKey).toBe('age1xvr6zu4gslrdyww285ud2aw3fky06xge6jnmfwldzfxjhepp3u3slnf9w4');
  });

  it('throws NOT_FOUND for a missing file and UNSUPPORTED for a directory', () => {
    const missing = join(tmp, 'missing.txt');
    expect(messageOf(() => loadIdentityFile(missing, 'config'))).toBe(
      'age: load identity "config": the file does not exist'
    );
    expect(messageOf(() => loadIdentityFile(tmp))).toBe(`age: load identity "${tmp}": the file is a directory`);
  });
});
