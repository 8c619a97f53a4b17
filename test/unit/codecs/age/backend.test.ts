import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgeBackend } from '../../../../src/backends/age/index.js';
import { ageSettingsSchema } from '../../../../src/backends/age/settings.js';
import type { FetchContext } from '../../../../src/contract/backend.js';
import type { AgeRef } from '../../../../src/ref/index.js';
import { parseRef } from '../../../../src/ref/index.js';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/age');
const root = mkdtempSync(join(tmpdir(), 'cb-age-backend-'));
const home = join(root, 'home');
const project = join(root, 'project');
afterAll(() => rmSync(root, { recursive: true, force: true }));

let recipient: string;
beforeAll(async () => {
  mkdirSync(join(home, '.ssh'), { recursive: true });
  mkdirSync(join(project, 'keys'), { recursive: true });
  const key = await generateX25519Identity();
  recipient = await identityToRecipient(key);
  writeFileSync(join(project, 'keys/dev.txt'), `${key}\n`);
  const e = new Encrypter();
  e.addRecipient(recipient);
  writeFileSync(join(project, 'db.json.age'), await e.encrypt('{"user":"app","password":"CANARY_AGE_JSON_PW_55aa"}'));
  writeFileSync(join(project, 'binary.age'), await e.encrypt(new Uint8Array([0xff, 0xfe, 0x00])));
  writeFileSync(join(project, 'broken.json.age'), await e.encrypt('{"user": CANARY_AGE_BROKEN_JSON'));
  const p = new Encrypter();
  p.setScryptWorkFactor(10);
  p.setPassphrase('CANARY_age_backend_pass');
  writeFileSync(join(project, 'pass.age'), await p.encrypt('CANARY_AGE_PASSPHRASE_TOKEN'));
  copyFileSync(join(FIXTURES, 'agenix/example/secret2.age'), join(project, 'secret2.age'));
});

const ctx = (env: Record<string, string | undefined> = {}): FetchContext => ({
  signal: new AbortController().signal,
  env: { HOME: home, ...env },
  baseDir: project,
  log: { debug() {}, info() {}, warn() {} },
});
const ref = (raw: string) => parseRef(raw) as AgeRef;
const noHostKeys = { hostKeys: [] };

describe(createAgeBackend.name, () => {
  it('decrypts a file with an identity named in config, relative to the config dir', async () => {
    const backend = createAgeBackend({ identities: ['keys/dev.txt'] }, noHostKeys);
    const doc = await backend.fetch(ref('age:db.json.age'), ctx());
    expect(doc.text.reveal()).toBe('{"user":"app","password":"CANARY_AGE_JSON_PW_55aa"}');
    expect(String(doc.text)).toBe('[redacted:age:db.json.age]');
    expect(doc.tree?.()).toEqual({ user: 'app', password: 'CANARY_AGE_JSON_PW_55aa' });
  });

  it('decrypts the demo fixture with the TEST ONLY identity, and gives no tree for plain text', async () => {
    const backend = createAgeBackend({ identities: [join(FIXTURES, 'test-only-identity.txt')] }, noHostKeys);
    const doc = await backend.fetch(ref(`age:${join(FIXTURES, 'demo-token.age')}`), ctx());
    expect(doc.text.reveal()).toBe('CANARY_AGE_DEMO_TOKEN_7f3a91');
    expect(doc.tree).toBeUndefined();
  });

  it('finds ~/.ssh/id_ed25519 from the fetch context, as agenix does', async () => {
    const otherHome = join(root, 'home-user1');
    mkdirSync(join(otherHome, '.ssh'), { recursive: true });
    copyFileSync(join(FIXTURES, 'agenix/example_keys/user1'), join(otherHome, '.ssh/id_ed25519'));
    const doc = await createAgeBackend({}, noHostKeys).fetch(ref('age:secret2.age'), ctx({ HOME: otherHome }));
    expect(doc.text.reveal()).toBe('world!\n');
  });

  it('opens a passphrase file with the variable named by passphraseEnv', async () => {
    const backend = createAgeBackend({ passphraseEnv: 'AGE_PASS' }, noHostKeys);
    const doc = await backend.fetch(ref('age:pass.age'), ctx({ AGE_PASS: 'CANARY_age_backend_pass' }));
    expect(doc.text.reveal()).toBe('CANARY_AGE_PASSPHRASE_TOKEN');
  });

  describe('refuses, with the whole message', () => {
    const fails = async (settings: Parameters<typeof createAgeBackend>[0], raw: string, env = {}) => {
      const error = await createAgeBackend(settings, noHostKeys)
        .fetch(ref(raw), ctx(env))
        .then(
          () => undefined,
          (e: unknown) => e as Error & { code: string }
        );
      expect(error, 'fetch should have thrown').toBeDefined();
      expect(error?.message).not.toMatch(/CANARY/);
      return { code: error?.code, message: error?.message };
    };

    it('a file over maxBytes', async () => {
      expect(await fails({ maxBytes: 100 }, 'age:db.json.age')).toEqual({
        code: 'TOO_LARGE',
        message: `age: read "age:db.json.age": ${project}/db.json.age has 251 bytes, more than the limit of 100. Raise backends.age.maxBytes if this file is meant to be that large`,
      });
    });

    it('a missing file', async () => {
      expect(await fails({}, 'age:nope.age')).toEqual({
        code: 'NOT_FOUND',
        message: `age: read "age:nope.age": ${project}/nope.age does not exist`,
      });
    });

    it('a file when no identity exists anywhere, listing every place looked', async () => {
      expect(await fails({ identities: ['keys/missing.txt'] }, 'age:db.json.age')).toEqual({
        code: 'NO_IDENTITY',
        message: `age: decrypt "age:db.json.age": no age identity found (looked in: ${project}/keys/missing.txt: does not exist; ${home}/.ssh/id_ed25519: does not exist; ${home}/.ssh/id_rsa: does not exist). Name an identity file (an age keys.txt or an SSH private key) in backends.age.identities`,
      });
    });

    it('a file for another key, listing its recipients and the keys tried', async () => {
      expect(await fails({ identities: [join(FIXTURES, 'test-only-identity.txt')] }, 'age:secret2.age')).toEqual({
        code: 'DECRYPT_FAILED',
        message: `age: decrypt "age:secret2.age": no identity matched any recipient (recipients: ssh-ed25519 tag V3XmEA; identities tried: ${FIXTURES}/test-only-identity.txt: age1xvr6zu4gslrdyww285ud2aw3fky06xge6jnmfwldzfxjhepp3u3slnf9w4). Add the private key of one of those recipients to backends.age.identities, or re-encrypt to a key you hold`,
      });
    });

    it('a passphrase file without passphraseEnv', async () => {
      expect(await fails({}, 'age:pass.age')).toEqual({
        code: 'NO_IDENTITY',
        message:
          'age: decrypt "age:pass.age": the age file is passphrase-encrypted (scrypt) and no passphrase was given. Set backends.age.passphraseEnv to the name of an environment variable that holds the passphrase',
      });
    });

    it('a passphrase file when the passphraseEnv variable is not set', async () => {
      expect(await fails({ passphraseEnv: 'AGE_PASS' }, 'age:pass.age')).toEqual({
        code: 'NO_IDENTITY',
        message:
          'age: decrypt "age:pass.age": the age file is passphrase-encrypted (scrypt) and no passphrase was given. Set the environment variable AGE_PASS (named by backends.age.passphraseEnv)',
      });
    });

    it('a passphrase file with a wrong passphrase', async () => {
      expect(await fails({ passphraseEnv: 'AGE_PASS' }, 'age:pass.age', { AGE_PASS: 'CANARY_wrong' })).toEqual({
        code: 'DECRYPT_FAILED',
        message:
          'age: decrypt "age:pass.age": wrong passphrase: the file does not open with the passphrase from $AGE_PASS',
      });
    });

    it('a plaintext that is not UTF-8', async () => {
      expect(await fails({ identities: ['keys/dev.txt'] }, 'age:binary.age')).toEqual({
        code: 'UNSUPPORTED',
        message:
          'age: decode "age:binary.age": the plaintext (3 bytes) is not UTF-8 text. Binary secrets are not supported: store them base64-encoded',
      });
    });

    it('a #key of a plaintext that looks like JSON but is not, without quoting it', async () => {
      const doc = await createAgeBackend({ identities: ['keys/dev.txt'] }, noHostKeys).fetch(
        ref('age:broken.json.age'),
        ctx()
      );
      expect(() => doc.tree?.()).toThrow(
        'age: parse "age:broken.json.age": the plaintext starts like JSON but is not valid JSON. Select no #key to read the whole plaintext, or fix the JSON in the encrypted file'
      );
    });
  });
});

describe('ageSettingsSchema', () => {
  it('accepts the documented keys and rejects unknown ones', () => {
    expect(
      ageSettingsSchema.parse({ identities: ['keys/dev.txt'], passphraseEnv: 'AGE_PASS', maxBytes: 2048 })
    ).toEqual({ identities: ['keys/dev.txt'], passphraseEnv: 'AGE_PASS', maxBytes: 2048 });
    expect(ageSettingsSchema.safeParse({ identity: 'x' }).success).toBe(false);
    expect(ageSettingsSchema.safeParse({ passphraseEnv: 'not a name' }).error?.issues[0]?.message).toBe(
      'expected an environment variable name like AGE_PASSPHRASE'
    );
    expect(ageSettingsSchema.safeParse({ maxBytes: 0 }).success).toBe(false);
  });
});
