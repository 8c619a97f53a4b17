import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAgenixIdentities, findSopsAgeIdentities } from '../../../../src/codecs/age/index.js';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures/age');
const USER1_PUBLIC = 'ssh-ed25519 SHA256:V3XmEKMdnyfwkBMqLxmqvB+sxNXcFr31f50KlIhRqxk (tag V3XmEA)';
const root = mkdtempSync(join(tmpdir(), 'cb-age-find-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh HOME; with `sshKey`, ~/.ssh/id_ed25519 is the agenix TEST ONLY user1 key. */
function home(sshKey = false): string {
  const dir = join(root, `home${++n}`);
  mkdirSync(join(dir, '.ssh'), { recursive: true });
  if (sshKey) {
    copyFileSync(join(FIXTURES, 'agenix/example_keys/user1'), join(dir, '.ssh/id_ed25519'));
  }
  return dir;
}

let key: string;
let recipient: string;
beforeAll(async () => {
  key = await generateX25519Identity();
  recipient = await identityToRecipient(key);
});

describe(findSopsAgeIdentities.name, () => {
  it('looks where sops looks, in its order, and says what each place gave', () => {
    const h = home(true);
    mkdirSync(join(h, '.config/sops/age'), { recursive: true });
    writeFileSync(join(h, '.config/sops/age/keys.txt'), `# test\n${key}\n`);
    const search = findSopsAgeIdentities({ HOME: h }, [], { platform: 'linux' });
    expect(search.looked).toEqual([
      'SOPS_AGE_SSH_PRIVATE_KEY_FILE: not set',
      `${h}/.ssh/id_ed25519: 1 identity`,
      `${h}/.ssh/id_rsa: does not exist`,
      'SOPS_AGE_KEY: not set',
      'SOPS_AGE_KEY_FILE: not set',
      `${h}/.config/sops/age/keys.txt: 1 identity`,
    ]);
    expect(search.found.map((i) => [i.origin, i.publicKey])).toEqual([
      [`${h}/.ssh/id_ed25519`, USER1_PUBLIC],
      [`${h}/.config/sops/age/keys.txt`, recipient],
    ]);
  });

  it('reads SOPS_AGE_KEY inline (several keys), the *_FILE variables, and config paths first', async () => {
    const h = home();
    const second = await generateX25519Identity();
    const keyFile = join(h, 'keys.txt');
    writeFileSync(keyFile, `${second}\n`);
    const configKey = join(h, 'project-key.txt');
    writeFileSync(configKey, `${key}\n`);
    const search = findSopsAgeIdentities(
      {
        HOME: h,
        XDG_CONFIG_HOME: join(h, 'xdg'),
        SOPS_AGE_KEY: `${key}\n${second} ${key}`,
        SOPS_AGE_KEY_FILE: keyFile,
        SOPS_AGE_SSH_PRIVATE_KEY_FILE: join(FIXTURES, 'agenix/example_keys/system1'),
        SOPS_AGE_KEY_CMD: 'pass show age',
      },
      [configKey],
      { platform: 'linux' }
    );
    expect(search.looked).toEqual([
      `${configKey}: 1 identity`,
      `SOPS_AGE_SSH_PRIVATE_KEY_FILE (${join(FIXTURES, 'agenix/example_keys/system1')}): 1 identity`,
      `${h}/.ssh/id_ed25519: does not exist`,
      `${h}/.ssh/id_rsa: does not exist`,
      'SOPS_AGE_KEY: 3 identities',
      `SOPS_AGE_KEY_FILE (${keyFile}): 1 identity`,
      'SOPS_AGE_KEY_CMD: set, but key commands are not run by credential-broker',
      `${h}/xdg/sops/age/keys.txt: does not exist`,
    ]);
    expect(search.found.map((i) => i.origin)).toEqual([
      configKey,
      `SOPS_AGE_SSH_PRIVATE_KEY_FILE (${join(FIXTURES, 'agenix/example_keys/system1')})`,
      'SOPS_AGE_KEY',
      'SOPS_AGE_KEY',
      'SOPS_AGE_KEY',
      `SOPS_AGE_KEY_FILE (${keyFile})`,
    ]);
  });

  it('notes unusable places and goes on, as sops does', () => {
    const h = home();
    writeFileSync(join(h, '.ssh/id_rsa'), 'CANARY_garbage_not_a_key\n');
    const search = findSopsAgeIdentities(
      { HOME: h, SOPS_AGE_KEY: 'AGE-PLUGIN-YUBIKEY-1XYZ', SOPS_AGE_KEY_FILE: '' },
      [join(h, 'missing.txt')],
      { platform: 'linux' }
    );
    expect(search.found).toEqual([]);
    expect(search.looked).toEqual([
      `${h}/missing.txt: does not exist`,
      'SOPS_AGE_SSH_PRIVATE_KEY_FILE: not set',
      `${h}/.ssh/id_ed25519: does not exist`,
      `${h}/.ssh/id_rsa: unusable, line 1 is not an age identity (expected AGE-SECRET-KEY-1… or AGE-SECRET-KEY-PQ-1…)`,
      'SOPS_AGE_KEY: unusable, line 1 is an age plugin identity (AGE-PLUGIN-…); plugins are not supported',
      'SOPS_AGE_KEY_FILE: set but empty',
      `${h}/.config/sops/age/keys.txt: does not exist`,
    ]);
  });

  it('uses ~/Library/Application Support on macOS unless XDG_CONFIG_HOME is set, and copes without HOME', () => {
    const h = home();
    expect(findSopsAgeIdentities({ HOME: h }, [], { platform: 'darwin' }).looked.at(-1)).toBe(
      `${h}/Library/Application Support/sops/age/keys.txt: does not exist`
    );
    expect(findSopsAgeIdentities({ HOME: h, XDG_CONFIG_HOME: '/x' }, [], { platform: 'darwin' }).looked.at(-1)).toBe(
      '/x/sops/age/keys.txt: does not exist'
    );
    expect(findSopsAgeIdentities({}, [], { platform: 'linux' }).looked).toEqual([
      'SOPS_AGE_SSH_PRIVATE_KEY_FILE: not set',
      '~/.ssh/id_ed25519 and ~/.ssh/id_rsa: skipped, HOME is not set to an absolute path',
      'SOPS_AGE_KEY: not set',
      'SOPS_AGE_KEY_FILE: not set',
      'sops/age/keys.txt in the user config dir: skipped, neither XDG_CONFIG_HOME nor HOME is set',
    ]);
  });
});

describe(findAgenixIdentities.name, () => {
  it('tries config paths, then ~/.ssh/id_ed25519 and id_rsa, then the host keys, skipping what it cannot use', () => {
    const h = home(true);
    const hostKey = join(h, 'ssh_host_ed25519_key');
    copyFileSync(join(FIXTURES, 'agenix/example_keys/system1'), hostKey);
    const emptyHostKey = join(h, 'ssh_host_rsa_key');
    writeFileSync(emptyHostKey, '');
    const config = join(FIXTURES, 'test-only-identity.txt');
    const search = findAgenixIdentities({ HOME: h }, [config, join(h, '.ssh/id_ed25519')], {
      hostKeys: [hostKey, emptyHostKey],
    });
    expect(search.looked).toEqual([
      `${config}: 1 identity`,
      `${h}/.ssh/id_ed25519: 1 identity`,
      `${h}/.ssh/id_rsa: does not exist`,
      `${hostKey}: 1 identity`,
      `${emptyHostKey}: no identities`,
    ]);
    expect(search.found.map((i) => i.publicKey)).toEqual([
      'age1xvr6zu4gslrdyww285ud2aw3fky06xge6jnmfwldzfxjhepp3u3slnf9w4',
      USER1_PUBLIC,
      'ssh-ed25519 SHA256:KLPP80PUyKSWMqbh9a+fZt6/2PCXUBwBuBdg5fJd0kc (tag KLPP8w)',
    ]);
  });

  it('notes a host key path that is not a file', () => {
    const h = home();
    const hostKey = join(h, 'ssh_host_ed25519_key');
    mkdirSync(hostKey);
    expect(findAgenixIdentities({ HOME: h }, [], { hostKeys: [hostKey] }).looked).toEqual([
      `${h}/.ssh/id_ed25519: does not exist`,
      `${h}/.ssh/id_rsa: does not exist`,
      `${hostKey}: is a directory`,
    ]);
  });
});
