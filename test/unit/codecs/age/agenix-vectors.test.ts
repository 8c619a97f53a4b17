import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptAge, loadIdentityFile, recipientsOf } from '../../../../src/codecs/age/index.js';

const DIR = join(import.meta.dirname, '../../../../fixtures/age/agenix');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  files: Record<string, Record<'user1' | 'system1', string | null>>;
};
const cases = Object.entries(expected.files).flatMap(([file, byKey]) =>
  (['user1', 'system1'] as const).map((key) => ({ file, key, plaintext: byKey[key] }))
);

describe(decryptAge.name, () => {
  it.each(cases.filter((c) => c.plaintext !== null))('opens $file with $key', async ({ file, key, plaintext }) => {
    const identities = loadIdentityFile(join(DIR, 'example_keys', key), key);
    const out = await decryptAge(readFileSync(join(DIR, file)), identities, { what: file });
    expect(Buffer.from(out).toString('utf8')).toBe(plaintext);
  });

  it.each(cases.filter((c) => c.plaintext === null))(
    'refuses $file with $key, naming both sides',
    async ({ file, key }) => {
      const identities = loadIdentityFile(join(DIR, 'example_keys', key), key);
      await expect(decryptAge(readFileSync(join(DIR, file)), identities, { what: file })).rejects.toThrow(
        `age: decrypt "${file}": no identity matched any recipient (recipients: ssh-ed25519 tag V3XmEA; identities tried: system1: ssh-ed25519 SHA256:KLPP80PUyKSWMqbh9a+fZt6/2PCXUBwBuBdg5fJd0kc (tag KLPP8w)). Add the private key of one of those recipients to backends.age.identities, or re-encrypt to a key you hold`
      );
    }
  );
});

describe(recipientsOf.name, () => {
  it('lists the stanzas of a file with a grease stanza, leaving the grease out', () => {
    expect(recipientsOf(readFileSync(join(DIR, 'example/passwordfile-user1.age')))).toEqual([
      'ssh-ed25519 tag KLPP8w',
      'ssh-ed25519 tag V3XmEA',
    ]);
  });
});
