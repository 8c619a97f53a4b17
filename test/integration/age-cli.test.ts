/**
 * Round trips with the real `age` CLI (Debian's package) and keys made by `ssh-keygen`, both ways.
 * In CI (`CI` set) these must run; elsewhere they are skipped when the `age` binary is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { armor, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgeBackend } from '../../src/backends/age/index.js';
import { decryptAge, findAgenixIdentities, loadIdentityFile } from '../../src/codecs/age/index.js';
import type { AgeRef } from '../../src/ref/index.js';
import { parseRef } from '../../src/ref/index.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/age');
const hasAge = spawnSync('age', ['--version']).status === 0;
const runIt = hasAge || process.env['CI'] !== undefined;
// 70 KB with non-ASCII text: more than one 64 KiB STREAM chunk.
const SECRET = `CANARY_AGE_CLI_${'é'.repeat(35_000)}_END`;
const PASSPHRASE = 'CANARY_age_cli_passphrase_4e1b';

let dir: string;
const path = (name: string) => join(dir, name);
const run = (cmd: string, args: readonly string[], input?: string | Uint8Array) =>
  execFileSync(cmd, args, { input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'], timeout: 20_000 });
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/** `age -p` and `age -d` of a passphrase file read the passphrase from a terminal: give them one with script(1). */
function withTerminal(command: string, typed: string): void {
  const result = spawnSync('script', ['-q', '-e', '-c', command, '/dev/null'], { input: typed, timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`script -c ${command.split(' ')[0]} exited with ${result.status}`);
  }
}

function sshKey(name: string, ...args: string[]): string {
  run('ssh-keygen', ['-q', '-N', '', '-C', `TEST ONLY ${name}`, '-f', path(name), ...args]);
  return path(name);
}

const title = runIt
  ? 'age CLI round trips'
  : 'age CLI round trips (skipped: the age binary is missing and CI is not set; apt-get install age)';

describe.runIf(runIt)(title, () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cb-age-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has the age binary (required when CI is set)', () => {
    expect(hasAge, 'install it with apt-get install age (.ci/run does)').toBe(true);
  });

  describe('files made by age are read by the project', () => {
    it('age -r (X25519), binary and armored with -a', async () => {
      run('age-keygen', ['-o', path('keys.txt')]);
      const recipient = run('age-keygen', ['-y', path('keys.txt')])
        .toString()
        .trim();
      writeFileSync(path('plain.txt'), SECRET);
      run('age', ['-r', recipient, '-o', path('x25519.age'), path('plain.txt')]);
      run('age', ['-a', '-r', recipient, '-o', path('x25519.armored.age'), path('plain.txt')]);
      const identities = loadIdentityFile(path('keys.txt'));
      expect(identities.map((i) => i.publicKey)).toEqual([recipient]);
      expect(text(await decryptAge(readFileSync(path('x25519.age')), identities))).toBe(SECRET);
      expect(readFileSync(path('x25519.armored.age'), 'utf8')).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n/);
      expect(text(await decryptAge(readFileSync(path('x25519.armored.age'), 'utf8'), identities))).toBe(SECRET);
    });

    it('age -R with an ssh-ed25519 key from ssh-keygen', async () => {
      const key = sshKey('id_ed25519', '-t', 'ed25519');
      run('age', ['-R', `${key}.pub`, '-o', path('ed25519.age'), path('plain.txt')]);
      const identities = loadIdentityFile(key);
      const fingerprint = run('ssh-keygen', ['-l', '-f', `${key}.pub`])
        .toString()
        .split(' ')[1];
      expect(identities[0]?.publicKey).toMatch(new RegExp(`^ssh-ed25519 ${fingerprint?.replaceAll('+', '\\+')} `));
      expect(text(await decryptAge(readFileSync(path('ed25519.age')), identities))).toBe(SECRET);
    });

    it('age -R with ssh-rsa keys from ssh-keygen, OpenSSH and PEM (PKCS#1) formats', async () => {
      const openssh = sshKey('id_rsa', '-t', 'rsa', '-b', '3072');
      const pem = sshKey('id_rsa_pem', '-t', 'rsa', '-b', '2048', '-m', 'PEM');
      expect(readFileSync(pem, 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
      run('age', ['-R', `${openssh}.pub`, '-R', `${pem}.pub`, '-a', '-o', path('rsa.age'), path('plain.txt')]);
      for (const key of [openssh, pem]) {
        expect(text(await decryptAge(readFileSync(path('rsa.age')), loadIdentityFile(key)))).toBe(SECRET);
      }
    });

    it('age -p (passphrase typed into a pseudo-terminal)', async () => {
      withTerminal(`age -p -o '${path('pass.age')}' '${path('plain.txt')}'`, `${PASSPHRASE}\n${PASSPHRASE}\n`);
      const file = readFileSync(path('pass.age'));
      expect(file.toString('latin1').split('\n')[1]).toMatch(/^-> scrypt \S+ 18$/);
      expect(text(await decryptAge(file, [], { passphrase: PASSPHRASE }))).toBe(SECRET);
    });

    it('a file for several recipients opens with each identity alone', async () => {
      const recipient = run('age-keygen', ['-y', path('keys.txt')])
        .toString()
        .trim();
      run(
        'age',
        ['-r', recipient, '-R', path('id_ed25519.pub'), '-R', path('id_rsa.pub'), '-o', path('multi.age')],
        SECRET
      );
      for (const key of ['keys.txt', 'id_ed25519', 'id_rsa']) {
        expect(text(await decryptAge(readFileSync(path('multi.age')), loadIdentityFile(path(key))))).toBe(SECRET);
      }
    });

    it('an agenix-style lookup: ~/.ssh/id_ed25519 through the age: backend', async () => {
      const home = path('home');
      mkdirSync(join(home, '.ssh'), { recursive: true });
      copyFileSync(path('id_ed25519'), join(home, '.ssh/id_ed25519'));
      const backend = createAgeBackend({}, { hostKeys: [] });
      const doc = await backend.fetch(parseRef('age:ed25519.age') as AgeRef, {
        signal: new AbortController().signal,
        env: { HOME: home },
        baseDir: dir,
        log: { debug() {}, info() {}, warn() {} },
      });
      expect(doc.text.reveal()).toBe(SECRET);
    });

    it('refuses a file meant for a passphrase-protected key from ssh-keygen, naming the key', async () => {
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'CANARY_locked_pass', '-f', path('id_locked')]);
      run('age', ['-R', path('id_locked.pub'), '-o', path('locked.age')], SECRET);
      const search = findAgenixIdentities({}, [path('id_locked')], { hostKeys: [] });
      const fingerprint = run('ssh-keygen', ['-l', '-f', path('id_locked.pub')])
        .toString()
        .split(' ')[1];
      const error = await decryptAge(readFileSync(path('locked.age')), search.found, { what: 'locked.age' }).catch(
        (e: Error) => e
      );
      expect((error as Error).message).toMatch(
        new RegExp(
          `^age: decrypt "locked.age": the age file is encrypted to ${path('id_locked')} \\(ssh-ed25519 ${fingerprint?.replaceAll('+', '\\+')} \\(tag [A-Za-z0-9+/]{6}\\), passphrase-protected\\); passphrase-protected SSH keys are not supported\\. `
        )
      );
    });
  });

  describe('files made by the project are read by age -d', () => {
    it('X25519, binary and armored', async () => {
      const identity = await generateX25519Identity();
      writeFileSync(path('project-keys.txt'), `${identity}\n`);
      const e = new Encrypter();
      e.addRecipient(await identityToRecipient(identity));
      const file = await e.encrypt(SECRET);
      writeFileSync(path('project.age'), file);
      writeFileSync(path('project.armored.age'), armor.encode(file));
      for (const name of ['project.age', 'project.armored.age']) {
        expect(run('age', ['-d', '-i', path('project-keys.txt'), path(name)]).toString('utf8')).toBe(SECRET);
      }
    });

    it('the committed demo fixture (made with age-encryption for its TEST ONLY identity)', () => {
      const out = run('age', ['-d', '-i', join(FIXTURES, 'test-only-identity.txt'), join(FIXTURES, 'demo-token.age')]);
      expect(out.toString('utf8')).toBe('CANARY_AGE_DEMO_TOKEN_7f3a91');
    });

    it('a passphrase file (age -d reads the passphrase from a pseudo-terminal)', async () => {
      const e = new Encrypter();
      e.setPassphrase(PASSPHRASE);
      writeFileSync(path('project-pass.age'), await e.encrypt(SECRET));
      withTerminal(`age -d -o '${path('project-pass.out')}' '${path('project-pass.age')}'`, `${PASSPHRASE}\n`);
      expect(readFileSync(path('project-pass.out'), 'utf8')).toBe(SECRET);
    });
  });
});
