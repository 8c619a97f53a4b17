import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSopsBackend } from '../../../../src/backends/sops/index.js';
import { parseRef, type SopsRef } from '../../../../src/ref/index.js';
import { fetchContext, rejection, tempDir, VECTORS, vector } from './helpers.js';

// The humphd vector (sops 3.8.1), opened through its real TEST ONLY age identity.
const ORIGINAL = vector('age/humphd-sops-age/secret.enc.yaml').toString('utf8');
const env = { SOPS_AGE_KEY_FILE: join(VECTORS, 'age/humphd-sops-age/key.txt') };
const dir = tempDir('tamper');
let counter = 0;

async function refusal(edit: (text: string) => string): Promise<{ message: string; code: string | undefined }> {
  const name = `tampered-${++counter}.enc.yaml`;
  const tampered = edit(ORIGINAL);
  expect(tampered).not.toBe(ORIGINAL);
  writeFileSync(join(dir, name), tampered);
  const error = await rejection(createSopsBackend().fetch(parseRef(`sops:${name}`) as SopsRef, fetchContext(dir, env)));
  return { message: error.message.replace(name, '<file>'), code: error.code };
}

const HEAD = 'sops: decrypt "sops:<file>": the file was modified after encryption: ';
const HINT = '. Restore it from version control, or re-encrypt it with sops';

function flipFirstByte(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

describe('sops tamper detection', () => {
  it('reads the untouched file', async () => {
    writeFileSync(join(dir, 'original.enc.yaml'), ORIGINAL);
    const doc = await createSopsBackend().fetch(parseRef('sops:original.enc.yaml') as SopsRef, fetchContext(dir, env));
    expect(doc.text.reveal()).toContain('secret: this is a secret\n');
  });

  it('refuses a flipped ciphertext byte', async () => {
    const result = await refusal((t) =>
      t.replace(
        /^secret: ENC\[AES256_GCM,data:([^,]+),/m,
        (_, data: string) => `secret: ENC[AES256_GCM,data:${flipFirstByte(data)},`
      )
    );
    expect(result).toEqual({
      message: `${HEAD}the value at "/secret" fails authentication (changed, or moved from another key)${HINT}`,
      code: 'INTEGRITY',
    });
  });

  it('refuses two list items swapped (each still authenticates: list positions are not in the AAD)', async () => {
    const result = await refusal((t) => {
      const lines = t.split('\n');
      const first = lines.findIndex((l) => l.startsWith('    - ENC['));
      [lines[first], lines[first + 1]] = [lines[first + 1] as string, lines[first] as string];
      return lines.join('\n');
    });
    expect(result).toEqual({
      message: `${HEAD}MAC mismatch (a value, key or their order was changed)${HINT}`,
      code: 'INTEGRITY',
    });
  });

  it('refuses a deleted key', async () => {
    const result = await refusal((t) => t.replace(/^string: .*\n/m, ''));
    expect(result).toEqual({
      message: `${HEAD}MAC mismatch (a value, key or their order was changed)${HINT}`,
      code: 'INTEGRITY',
    });
  });

  it('refuses an edited lastmodified (the MAC is authenticated with it)', async () => {
    const result = await refusal((t) =>
      t.replace('lastmodified: "2024-03-25T22:08:10Z"', 'lastmodified: "2024-03-25T22:08:11Z"')
    );
    expect(result).toEqual({
      message: `${HEAD}the MAC does not authenticate (lastmodified or mac was changed)${HINT}`,
      code: 'INTEGRITY',
    });
  });

  it("refuses a value's type changed (the type is not covered by the GCM tag)", async () => {
    const result = await refusal((t) =>
      t.replace(/^(secret: ENC\[[^\]]*),type:str\]/m, (_, head: string) => `${head},type:int]`)
    );
    expect(result).toEqual({
      message: `${HEAD}the value at "/secret" does not parse as its declared type int${HINT}`,
      code: 'INTEGRITY',
    });
  });

  it('refuses a value moved to another key (the key path is the AAD)', async () => {
    const result = await refusal((t) => {
      const secret = /^secret: (ENC\[.*\])$/m.exec(t)?.[1] ?? '';
      const string = /^string: (ENC\[.*\])$/m.exec(t)?.[1] ?? '';
      return t.replace(`secret: ${secret}`, `secret: ${string}`).replace(`string: ${string}`, `string: ${secret}`);
    });
    expect(result).toEqual({
      message: `${HEAD}the value at "/secret" fails authentication (changed, or moved from another key)${HINT}`,
      code: 'INTEGRITY',
    });
  });

  it('refuses a changed MAC', async () => {
    const result = await refusal((t) =>
      t.replace(
        /^(\s+mac: ENC\[AES256_GCM,data:)([^,]+),/m,
        (_, head: string, data: string) => `${head}${flipFirstByte(data)},`
      )
    );
    expect(result.message).toBe(`${HEAD}the MAC does not authenticate (lastmodified or mac was changed)${HINT}`);
  });

  it('refuses an encrypted value replaced by plaintext', async () => {
    const result = await refusal((t) => t.replace(/^secret: .*$/m, 'secret: CANARY_PLAINTEXT_INSERTED'));
    expect(result).toEqual({
      message:
        'sops: parse "sops:<file>": the value at "/secret" is not a sops-encrypted value ' +
        '(expected ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]). The file is damaged, or a value was edited by hand',
      code: 'DECRYPT_FAILED',
    });
    expect(result.message).not.toContain('CANARY');
  });

  it('refuses a MAC removed by hand, as no_mac.yaml', async () => {
    const result = await refusal((t) => t.replace(/^(\s+)mac: .*$/m, '$1mac: ""'));
    expect(result).toEqual({
      message:
        'sops: decrypt "sops:<file>": the file has no MAC, so modifications after encryption cannot be detected. ' +
        'Re-encrypt it with sops, or set backends.sops.allowNoMac: true to accept it unverified',
      code: 'INTEGRITY',
    });
  });
});
