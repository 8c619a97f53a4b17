import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  armor,
  Decrypter,
  Encrypter,
  generateHybridIdentity,
  generateX25519Identity,
  identityToRecipient,
} from 'age-encryption';
import { beforeAll, describe, expect, it } from 'vitest';
import { TYPAGE_MESSAGES } from '../../../../src/codecs/age/decrypt.js';
import { type AgeIdentity, decryptAge, parseIdentityFile, recipientsOf } from '../../../../src/codecs/age/index.js';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/age');
const SECRET = 'CANARY_AGE_UNIT_SECRET_3d9e1f';

let key: string;
let recipient: string;
let ours: AgeIdentity[];
let other: AgeIdentity[];

beforeAll(async () => {
  key = await generateX25519Identity();
  recipient = await identityToRecipient(key);
  ours = parseIdentityFile(key, 'test key');
  other = parseIdentityFile(await generateX25519Identity(), 'other key');
});

async function encrypt(plaintext: string | Uint8Array, recipients: readonly string[] = [recipient]) {
  const e = new Encrypter();
  for (const r of recipients) {
    e.addRecipient(r);
  }
  return e.encrypt(plaintext);
}

/** Replace header line `n` (1-based) of a binary age file. */
function withHeaderLine(file: Uint8Array, n: number, line: string): Uint8Array {
  const text = Buffer.from(file).toString('latin1');
  const lines = text.split('\n');
  lines[n - 1] = line;
  return new Uint8Array(Buffer.from(lines.join('\n'), 'latin1'));
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe(decryptAge.name, () => {
  describe('opens', () => {
    it('a binary file encrypted to an X25519 recipient', async () => {
      expect(text(await decryptAge(await encrypt(SECRET), ours))).toBe(SECRET);
    });

    it('an armored file given as a string, with CRLF line ends and surrounding white space', async () => {
      const armored = `\n  ${armor.encode(await encrypt(SECRET)).replaceAll('\n', '\r\n')}  \n`;
      expect(text(await decryptAge(armored, ours))).toBe(SECRET);
    });

    it('with the second identity when the first does not match', async () => {
      expect(text(await decryptAge(await encrypt(SECRET), [...other, ...ours]))).toBe(SECRET);
    });

    it('payloads of 0 bytes, exactly one 64 KiB chunk, and several chunks', async () => {
      for (const size of [0, 64 * 1024, 64 * 1024 + 1, 200_000]) {
        const plaintext = new Uint8Array(size).map((_, i) => i % 251);
        const out = await decryptAge(await encrypt(plaintext), ours);
        expect(out.length).toBe(size);
        expect(Buffer.from(out).equals(Buffer.from(plaintext))).toBe(true);
      }
    });

    it('a file for a post-quantum hybrid identity (AGE-SECRET-KEY-PQ-1…)', async () => {
      const pq = await generateHybridIdentity();
      const file = await encrypt(SECRET, [await identityToRecipient(pq)]);
      const [identity] = parseIdentityFile(pq, 'pq key');
      expect(identity?.publicKey).toBe(await identityToRecipient(pq));
      expect(text(await decryptAge(file, [identity!]))).toBe(SECRET);
    });

    it('a passphrase (scrypt) file with the passphrase', async () => {
      const e = new Encrypter();
      e.setScryptWorkFactor(10);
      e.setPassphrase('CANARY_passphrase_ok');
      expect(text(await decryptAge(await e.encrypt(SECRET), [], { passphrase: 'CANARY_passphrase_ok' }))).toBe(SECRET);
    });

    it('a file encrypted to ssh-rsa by the age CLI (TEST ONLY fixture key, openssh-key-v1 RSA)', async () => {
      const identities = parseIdentityFile(readFileSync(join(FIXTURES, 'ssh/test-only-id_rsa'), 'utf8'), 'rsa');
      const out = await decryptAge(readFileSync(join(FIXTURES, 'ssh/rsa-token.age')), identities);
      expect(text(out)).toBe('CANARY_AGE_RSA_TOKEN_51c0de');
    });

    it('the demo fixture with the TEST ONLY identity', async () => {
      const identities = parseIdentityFile(readFileSync(join(FIXTURES, 'test-only-identity.txt'), 'utf8'), 'demo');
      expect(text(await decryptAge(readFileSync(join(FIXTURES, 'demo-token.age')), identities))).toBe(
        'CANARY_AGE_DEMO_TOKEN_7f3a91'
      );
    });
  });

  describe('refuses, with the whole message', () => {
    const what = { what: 'bad.age' };
    const refuse = async (input: Uint8Array | string, identities: readonly AgeIdentity[], options = {}) => {
      const error = await decryptAge(input, identities, { ...what, ...options }).then(
        () => undefined,
        (e: unknown) => e as Error & { code: string }
      );
      expect(error, 'decryptAge should have thrown').toBeDefined();
      expect(error?.message).not.toContain(SECRET);
      return { code: error?.code, message: error?.message };
    };

    it('an empty file', async () => {
      expect(await refuse(new Uint8Array(0), ours)).toEqual({
        code: 'UNSUPPORTED',
        message: 'age: decrypt "bad.age": the file is empty (0 bytes), not an age file',
      });
    });

    it('a plaintext file, without quoting it', async () => {
      expect(await refuse(`${SECRET}\n`, ours)).toEqual({
        code: 'UNSUPPORTED',
        message:
          'age: decrypt "bad.age": not an age file: it starts neither with "age-encryption.org/v1" nor with "-----BEGIN AGE ENCRYPTED FILE-----"',
      });
    });

    it('a PEM block of another kind', async () => {
      expect(await refuse('-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----\n', ours)).toEqual({
        code: 'UNSUPPORTED',
        message:
          'age: decrypt "bad.age": not an age file: it holds a "PGP MESSAGE" PEM block, not "AGE ENCRYPTED FILE"',
      });
    });

    it('another format version', async () => {
      const file = withHeaderLine(await encrypt(SECRET), 1, 'age-encryption.org/v2');
      expect(await refuse(file, ours)).toEqual({
        code: 'UNSUPPORTED',
        message: 'age: decrypt "bad.age": unsupported age format version v2 (only v1 is known)',
      });
    });

    it('a bad header line', async () => {
      const file = withHeaderLine(await encrypt(SECRET), 3, 'not a stanza');
      expect(await refuse(file, ours)).toEqual({
        code: 'UNSUPPORTED',
        message:
          'age: decrypt "bad.age": malformed age header: line 3 (body of the stanza on line 2) is not canonical unpadded base64 of at most 64 columns',
      });
    });

    it('a line that is neither a stanza nor the MAC', async () => {
      const file = await encrypt(SECRET);
      const lines = Buffer.from(file).toString('latin1').split('\n');
      lines.splice(3, 0, 'hello');
      expect(await refuse(new Uint8Array(Buffer.from(lines.join('\n'), 'latin1')), ours)).toEqual({
        code: 'UNSUPPORTED',
        message: 'age: decrypt "bad.age": malformed age header: line 4 is neither a stanza nor the MAC',
      });
    });

    it('bad base64 in a stanza argument', async () => {
      const file = await encrypt(SECRET);
      const line2 = Buffer.from(file).toString('latin1').split('\n')[1]!;
      expect(await refuse(withHeaderLine(file, 2, `${line2.slice(0, -3)}*!*`), ours)).toEqual({
        code: 'UNSUPPORTED',
        message:
          'age: decrypt "bad.age": malformed age header: stanza 1 (X25519) does not have the shape the spec requires',
      });
    });

    it('bad base64 in a stanza body', async () => {
      const file = await encrypt(SECRET);
      const body = Buffer.from(file).toString('latin1').split('\n')[2]!;
      expect(await refuse(withHeaderLine(file, 3, `${body.slice(0, -1)}=`), ours)).toEqual({
        code: 'UNSUPPORTED',
        message:
          'age: decrypt "bad.age": malformed age header: line 3 (body of the stanza on line 2) is not canonical unpadded base64 of at most 64 columns',
      });
    });

    it('a header truncated before its MAC', async () => {
      const file = await encrypt(SECRET);
      expect(await refuse(file.subarray(0, 60), ours)).toEqual({
        code: 'INTEGRITY',
        message: 'age: decrypt "bad.age": the file is truncated: its header stops in line 2, before the MAC',
      });
    });

    it('a payload truncated by a few bytes', async () => {
      const file = await encrypt(SECRET);
      expect(await refuse(file.subarray(0, file.length - 5), ours)).toEqual({
        code: 'INTEGRITY',
        message:
          'age: decrypt "bad.age": payload chunk 1 of 1 does not authenticate: the file was truncated or modified after encryption',
      });
    });

    it('a payload truncated to its nonce', async () => {
      const file = await encrypt(SECRET);
      const headerEnd = Buffer.from(file).indexOf('\n---') + 1;
      const macEnd = Buffer.from(file).indexOf('\n', headerEnd) + 1;
      expect(await refuse(file.subarray(0, macEnd + 16), ours)).toEqual({
        code: 'INTEGRITY',
        message:
          'age: decrypt "bad.age": the file is truncated: the payload has 16 bytes, fewer than the 32 of an empty one',
      });
    });

    it('a payload truncated at a chunk boundary (the last chunk of a longer file is missing)', async () => {
      const file = await encrypt(new Uint8Array(150_000));
      expect(await refuse(file.subarray(0, file.length - (150_000 - 2 * 65_536) - 16), ours)).toEqual({
        code: 'INTEGRITY',
        message:
          'age: decrypt "bad.age": payload chunk 2 of 2 does not authenticate: the file was truncated or modified after encryption',
      });
    });

    it('a flipped payload byte in a middle chunk', async () => {
      const file = await encrypt(new Uint8Array(150_000));
      const at = file.length - 30_000;
      file[at] = (file[at] ?? 0) ^ 1;
      expect(await refuse(file, ours)).toEqual({
        code: 'INTEGRITY',
        message:
          'age: decrypt "bad.age": payload chunk 2 of 3 does not authenticate: the file was modified after encryption',
      });
    });

    it('a modified header MAC', async () => {
      const file = await encrypt(SECRET);
      const lines = Buffer.from(file).toString('latin1').split('\n');
      const mac = lines[3]!;
      const flipped = `${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`;
      expect(await refuse(withHeaderLine(file, 4, flipped), ours)).toEqual({
        code: 'INTEGRITY',
        message: 'age: decrypt "bad.age": the header MAC does not verify: the header was modified after encryption',
      });
    });

    it('the wrong key, listing the recipients and the identities tried', async () => {
      const file = await encrypt(SECRET, [recipient, await identityToRecipient(await generateX25519Identity())]);
      expect(await refuse(file, other)).toEqual({
        code: 'DECRYPT_FAILED',
        message: `age: decrypt "bad.age": no identity matched any recipient (recipients: X25519, X25519; identities tried: other key: ${other[0]?.publicKey}). Add the private key of one of those recipients to backends.age.identities, or re-encrypt to a key you hold`,
      });
    });

    it('no identity anywhere, listing every place looked', async () => {
      const looked = ['/h/.ssh/id_ed25519: does not exist', '/h/.ssh/id_rsa: does not exist'];
      expect(await refuse(await encrypt(SECRET), [], { looked })).toEqual({
        code: 'NO_IDENTITY',
        message:
          'age: decrypt "bad.age": no age identity found (looked in: /h/.ssh/id_ed25519: does not exist; /h/.ssh/id_rsa: does not exist). Name an identity file (an age keys.txt or an SSH private key) in backends.age.identities',
      });
    });

    it('a file whose only recipient is of a type nobody here can open', async () => {
      const mac = Buffer.alloc(32).toString('base64').replace(/=+$/, '');
      const file = `age-encryption.org/v1\n-> piv-p256 Ab12Cd Zm9vYmFy\n${Buffer.alloc(32).toString('base64').replace(/=+$/, '')}\n--- ${mac}\n`;
      expect(await refuse(file, ours)).toEqual({
        code: 'UNSUPPORTED',
        message:
          'age: decrypt "bad.age": none of the recipients can be opened here (recipients: piv-p256 (unsupported type)); supported types are X25519, mlkem768x25519, ssh-ed25519, ssh-rsa and scrypt. age plugins are not supported: add an X25519 or SSH recipient to the file',
      });
    });

    it('an armored file with garbage inside', async () => {
      const lines = armor.encode(await encrypt(SECRET)).split('\n');
      lines[2] = `${lines[2]!.slice(0, 60)}!!!!`;
      expect(await refuse(lines.join('\n'), ours)).toEqual({
        code: 'UNSUPPORTED',
        message: 'age: decrypt "bad.age": invalid ASCII armor: line 3 is not a 64-column base64 line',
      });
    });

    it('an armored file without its END line', async () => {
      const armored = armor.encode(await encrypt(SECRET));
      expect(await refuse(armored.slice(0, armored.indexOf('-----END')), ours)).toEqual({
        code: 'UNSUPPORTED',
        message:
          'age: decrypt "bad.age": invalid ASCII armor: the last line is not "-----END AGE ENCRYPTED FILE-----" (truncated?)',
      });
    });

    it('a passphrase file when no passphrase was given', async () => {
      const e = new Encrypter();
      e.setScryptWorkFactor(10);
      e.setPassphrase('CANARY_passphrase_ok');
      expect(await refuse(await e.encrypt(SECRET), ours)).toEqual({
        code: 'NO_IDENTITY',
        message:
          'age: decrypt "bad.age": the age file is passphrase-encrypted (scrypt) and no passphrase was given. Set backends.age.passphraseEnv to the name of an environment variable that holds the passphrase',
      });
    });

    it('a passphrase file with the wrong passphrase', async () => {
      const e = new Encrypter();
      e.setScryptWorkFactor(10);
      e.setPassphrase('CANARY_passphrase_ok');
      const file = await e.encrypt(SECRET);
      expect(await refuse(file, [], { passphrase: 'CANARY_wrong', passphraseSource: '$AGE_PASS' })).toEqual({
        code: 'DECRYPT_FAILED',
        message: 'age: decrypt "bad.age": wrong passphrase: the file does not open with the passphrase from $AGE_PASS',
      });
    });

    it('a passphrase stanza next to another recipient', async () => {
      const file = await encrypt(SECRET);
      const lines = Buffer.from(file).toString('latin1').split('\n');
      const salt = Buffer.alloc(16).toString('base64').replace(/=+$/, '');
      lines.splice(3, 0, `-> scrypt ${salt} 10`, Buffer.alloc(32).toString('base64').replace(/=+$/, ''));
      expect(await refuse(new Uint8Array(Buffer.from(lines.join('\n'), 'latin1')), ours, { passphrase: 'x' })).toEqual({
        code: 'UNSUPPORTED',
        message: 'age: decrypt "bad.age": malformed age header: a passphrase (scrypt) stanza must be the only one',
      });
    });

    it('a file meant for a passphrase-protected SSH key (TEST ONLY fixture), naming the key', async () => {
      const path = join(FIXTURES, 'ssh/test-only-id_ed25519_locked');
      const identities = parseIdentityFile(readFileSync(path, 'utf8'), 'locked key');
      expect(await refuse(readFileSync(join(FIXTURES, 'ssh/locked-token.age')), [...ours, ...identities])).toEqual({
        code: 'UNSUPPORTED',
        message:
          'age: decrypt "bad.age": the age file is encrypted to locked key (ssh-ed25519 SHA256:mnKaXLF4QxQJNL5zCLKRQMLJBzaiOqhWf6xAJlz286k (tag mnKaXA), passphrase-protected); passphrase-protected SSH keys are not supported. Add an age X25519 recipient (age-keygen) to the file and name its identity file in backends.age.identities',
      });
    });

    it('a modified ssh-ed25519 stanza body whose tag matches (agenix TEST ONLY key)', async () => {
      const file = readFileSync(join(FIXTURES, 'agenix/example/secret2.age'));
      const lines = file.toString('latin1').split('\n');
      const body = lines[2]!;
      lines[2] = `${body[0] === 'A' ? 'B' : 'A'}${body.slice(1)}`;
      const identities = parseIdentityFile(readFileSync(join(FIXTURES, 'agenix/example_keys/user1'), 'utf8'), 'user1');
      expect(await refuse(new Uint8Array(Buffer.from(lines.join('\n'), 'latin1')), identities)).toEqual({
        code: 'INTEGRITY',
        message:
          'age: decrypt "bad.age": the ssh-ed25519 stanza with tag V3XmEA matches the key but does not decrypt: the header was modified',
      });
    });

    it('names the sops component and hint when asked to', async () => {
      const error = await decryptAge(await encrypt(SECRET), [], {
        backend: 'sops',
        what: 'app.enc.yaml',
        looked: ['SOPS_AGE_KEY: not set'],
        hint: 'Set SOPS_AGE_KEY_FILE',
      }).catch((e: Error) => e);
      expect((error as Error).message).toBe(
        'sops: decrypt "app.enc.yaml": no age identity found (looked in: SOPS_AGE_KEY: not set). Set SOPS_AGE_KEY_FILE'
      );
    });
  });
});

describe(recipientsOf.name, () => {
  it('summarises what a header shows, without decrypting', async () => {
    expect(
      recipientsOf(await encrypt(SECRET, [recipient, await identityToRecipient(await generateHybridIdentity())]))
    ).toEqual(['X25519', 'mlkem768x25519 (post-quantum)']);
    expect(recipientsOf(readFileSync(join(FIXTURES, 'ssh/rsa-token.age')))).toEqual(['ssh-rsa tag LYXcOg']);
  });

  it('throws the same errors as decryptAge for bad input', () => {
    expect(() => recipientsOf('', 'x.age')).toThrow(
      'age: read header "x.age": the file is empty (0 bytes), not an age file'
    );
  });
});

// decryptAge tells "no identity matched" from "header MAC mismatch" by age-encryption's own messages.
describe('age-encryption messages this module relies on', () => {
  it('are unchanged', async () => {
    const file = await encrypt(SECRET);
    const header = file.subarray(0, Buffer.from(file).indexOf('\n---') + 1);
    const full = file.subarray(0, Buffer.from(file).indexOf('\n', header.length) + 1);
    const stranger = new Decrypter();
    stranger.addIdentity(await generateX25519Identity());
    await expect(stranger.decryptHeader(full)).rejects.toThrow(TYPAGE_MESSAGES.noMatch);
    const owner = new Decrypter();
    owner.addIdentity(key);
    const lines = Buffer.from(full).toString('latin1').split('\n');
    lines[3] = `--- ${Buffer.alloc(32).toString('base64').replace(/=+$/, '')}`;
    await expect(owner.decryptHeader(new Uint8Array(Buffer.from(lines.join('\n'), 'latin1')))).rejects.toThrow(
      TYPAGE_MESSAGES.badMac
    );
  });
});
