import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSopsBackend, sopsSettingsSchema } from '../../../../src/backends/sops/index.js';
import { parseRef, type SopsRef, selectKey } from '../../../../src/ref/index.js';
import { FIXTURES, fetchContext, rejection, tempDir, VECTORS, vector } from './helpers.js';

const dir = tempDir('backend');
const ref = (raw: string): SopsRef => parseRef(raw) as SopsRef;
const HUMPHD_KEY = join(VECTORS, 'age/humphd-sops-age/key.txt');
const env = { SOPS_AGE_KEY_FILE: HUMPHD_KEY };

describe(createSopsBackend.name, () => {
  it('decrypts the demo file with the TEST ONLY identity named in config, relative to the config dir', async () => {
    const backend = createSopsBackend({ identities: ['demo-age-key.txt'] });
    const doc = await backend.fetch(ref('sops:demo.enc.yaml#/demo/token'), fetchContext(FIXTURES));
    expect(doc.text.reveal()).toBe(
      '# TEST ONLY demo credentials: sentinels, not secrets\n' +
        'demo:\n    token: CANARY_SOPS_DEMO_TOKEN_51c2e8\n    db_password: CANARY_SOPS_DB_PW_93ab07\n'
    );
    expect(String(doc.text)).toBe('[redacted:sops:demo.enc.yaml#/demo/token]');
    expect(JSON.stringify(doc)).not.toContain('CANARY');
    expect(selectKey(doc.tree?.(), { kind: 'pointer', tokens: ['demo', 'db_password'] }, 'r')).toBe(
      'CANARY_SOPS_DB_PW_93ab07'
    );
  });

  it('finds identities where sops does, from the fetch context environment (~/.config/sops/age/keys.txt)', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.config/sops/age'), { recursive: true });
    copyFileSync(HUMPHD_KEY, join(home, '.config/sops/age/keys.txt'));
    writeFileSync(join(dir, 'home.enc.yaml'), vector('age/humphd-sops-age/secret.enc.yaml'));
    const doc = await createSopsBackend().fetch(ref('sops:home.enc.yaml'), fetchContext(dir, { HOME: home }));
    expect(doc.tree?.()).toMatchObject({ secret: 'this is a secret', int: '7' });
  });

  it('infers the format from the extension as sops does, and lets ?format= override it', async () => {
    writeFileSync(join(dir, 'secret.enc.env'), vector('age/humphd-sops-age/secret.enc.env'));
    writeFileSync(join(dir, 'dotenv-named.txt'), vector('age/humphd-sops-age/secret.enc.env'));
    writeFileSync(join(dir, 'json-named.data'), vector('age/humphd-sops-age/secret.enc.json'));
    const backend = createSopsBackend();
    const byExtension = await backend.fetch(ref('sops:secret.enc.env'), fetchContext(dir, env));
    expect(byExtension.text.reveal()).toBe('secret=this is a secret\nanother_secret=7\n');
    const byParam = await backend.fetch(ref('sops:dotenv-named.txt?format=dotenv'), fetchContext(dir, env));
    expect(byParam.tree?.()).toEqual({ secret: 'this is a secret', another_secret: '7' });
    const json = await backend.fetch(ref('sops:json-named.data?format=json'), fetchContext(dir, env));
    expect(json.tree?.()).toMatchObject({ '0word': 'gotta match go' });
  });

  it('decrypts a file once however many keys are read from it, and again only when it changes', async () => {
    const path = join(dir, 'once.enc.yaml');
    const original = vector('age/humphd-sops-age/secret.enc.yaml');
    writeFileSync(path, original);
    const mtime = new Date('2026-01-02T03:04:05Z');
    utimesSync(path, mtime, mtime);
    const backend = createSopsBackend();
    const [a, b] = await Promise.all([
      backend.fetch(ref('sops:once.enc.yaml#secret'), fetchContext(dir, env)),
      backend.fetch(ref('sops:once.enc.yaml#string'), fetchContext(dir, env)),
    ]);
    // Same size and mtime, different bytes: a backend that decrypted again would fail on this garbage.
    writeFileSync(path, Buffer.alloc(original.length, 0x23));
    utimesSync(path, mtime, mtime);
    const c = await backend.fetch(ref('sops:once.enc.yaml#/complex/value'), fetchContext(dir, env));
    expect(a.tree?.()).toBe(b.tree?.());
    expect(c.tree?.()).toBe(a.tree?.());
    // A new modification time is a new file: read and decrypted again (and here refused).
    utimesSync(path, new Date(mtime.getTime() + 5000), new Date(mtime.getTime() + 5000));
    expect((await rejection(backend.fetch(ref('sops:once.enc.yaml'), fetchContext(dir, env)))).message).toBe(
      'sops: parse "sops:once.enc.yaml": sops metadata not found: the file has no top-level "sops" key. ' +
        'Is this file encrypted with sops? Read plain files with file: instead'
    );
  });

  it('does not remember a failure: a fixed file is read again', async () => {
    const path = join(dir, 'later.enc.yaml');
    writeFileSync(path, 'not: [sops');
    const backend = createSopsBackend();
    expect((await rejection(backend.fetch(ref('sops:later.enc.yaml'), fetchContext(dir, env)))).message).toBe(
      'sops: parse "sops:later.enc.yaml": malformed YAML at line 1, column 11: bad indentation, or a [ or { not closed'
    );
    writeFileSync(path, vector('age/humphd-sops-age/secret.enc.yaml'));
    const doc = await backend.fetch(ref('sops:later.enc.yaml'), fetchContext(dir, env));
    expect(doc.tree?.()).toMatchObject({ secret: 'this is a secret' });
  });

  it('accepts a file without MAC when allowNoMac is set', async () => {
    const text = vector('age/humphd-sops-age/secret.enc.yaml')
      .toString('utf8')
      .replace(/^(\s+)mac: .*$/m, '$1mac: ""');
    writeFileSync(join(dir, 'nomac.enc.yaml'), text);
    const doc = await createSopsBackend({ allowNoMac: true }).fetch(
      ref('sops:nomac.enc.yaml#secret'),
      fetchContext(dir, env)
    );
    expect(doc.tree?.()).toMatchObject({ secret: 'this is a secret' });
  });
});

describe('sopsSettingsSchema', () => {
  it('takes identities, allowNoMac and maxBytes, and nothing else', () => {
    expect(sopsSettingsSchema.parse({ identities: ['k.txt'], allowNoMac: true, maxBytes: 10 })).toEqual({
      identities: ['k.txt'],
      allowNoMac: true,
      maxBytes: 10,
    });
    expect(sopsSettingsSchema.safeParse({ identity: 'k.txt' }).success).toBe(false);
    expect(sopsSettingsSchema.safeParse({ maxBytes: 0 }).success).toBe(false);
    expect(sopsSettingsSchema.safeParse({ identities: [''] }).success).toBe(false);
  });
});
