import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSopsBackend, decryptSops, type SopsSettings } from '../../../../src/backends/sops/index.js';
import { parseRef, type SopsRef, selectKey } from '../../../../src/ref/index.js';
import type { SopsFormat } from '../../../../src/ref/types.js';
import { dataKeyOf, fetchContext, rejection, tempDir, VECTORS, vector } from './helpers.js';

const HUMPHD = vector('age/humphd-sops-age/secret.enc.yaml').toString('utf8');
const HUMPHD_KEY = join(VECTORS, 'age/humphd-sops-age/key.txt');
const dir = tempDir('bad');

/** Write `text` as `name` and fetch it through a backend; the whole message and the code. */
async function fetchError(
  name: string,
  text: string | Buffer,
  env: Record<string, string> = { SOPS_AGE_KEY_FILE: HUMPHD_KEY },
  settings: SopsSettings = {}
): Promise<{ message: string; code: string | undefined }> {
  writeFileSync(join(dir, name), text);
  const error = await rejection(
    createSopsBackend(settings).fetch(parseRef(`sops:${name}`) as SopsRef, fetchContext(dir, env))
  );
  return { message: error.message, code: error.code };
}

/** Decrypt `text` with a data key (no master keys involved); the whole message and the code. */
async function decryptError(text: string, format: SopsFormat): Promise<{ message: string; code: string | undefined }> {
  const error = await rejection(decryptSops(text, { format, ref: 'sops:bad', dataKey: new Uint8Array(32) }));
  return { message: error.message, code: error.code };
}

describe('sops bad input', () => {
  it('a truncated file', async () => {
    expect(await fetchError('truncated.enc.yaml', HUMPHD.slice(0, HUMPHD.indexOf('lastmodified')))).toEqual({
      message:
        'sops: parse "sops:truncated.enc.yaml": the sops metadata has no valid lastmodified timestamp (RFC 3339 expected)',
      code: 'DECRYPT_FAILED',
    });
    expect(await fetchError('cut.enc.yaml', HUMPHD.slice(0, 200))).toEqual({
      message:
        'sops: parse "sops:cut.enc.yaml": sops metadata not found: the file has no top-level "sops" key. ' +
        'Is this file encrypted with sops? Read plain files with file: instead',
      code: 'DECRYPT_FAILED',
    });
  });

  it('malformed YAML, named by position only', async () => {
    expect(await decryptError('a: "CANARY_YAML_1\nb: c\n', 'yaml')).toEqual({
      message: 'sops: parse "sops:bad": malformed YAML at line 3, column 1: a closing quote or bracket is missing',
      code: 'DECRYPT_FAILED',
    });
    expect((await decryptError('a: CANARY_YAML_2\na: CANARY_YAML_3\n', 'yaml')).message).toBe(
      'sops: parse "sops:bad": malformed YAML at line 2, column 1: a mapping key appears twice'
    );
  });

  it('malformed JSON', async () => {
    expect(await decryptError('{"a": "CANARY_JSON_1",\n "b": CANARY_JSON_2}', 'json')).toEqual({
      message: 'sops: parse "sops:bad": malformed JSON at line 2, column 7: expected a value',
      code: 'DECRYPT_FAILED',
    });
    expect(await decryptError('["CANARY_JSON_3"]', 'json')).toEqual({
      message: 'sops: parse "sops:bad": sops JSON files hold a top-level object; this one holds another JSON type',
      code: 'DECRYPT_FAILED',
    });
  });

  it('malformed INI', async () => {
    expect(await decryptError('[ok]\na = CANARY_INI_1\n[broken\nb = 2\n', 'ini')).toEqual({
      message: 'sops: parse "sops:bad": malformed INI at line 3: a section header has no closing "]"',
      code: 'DECRYPT_FAILED',
    });
    expect(await decryptError('[ok]\nCANARY_INI_2\n', 'ini')).toEqual({
      message:
        'sops: parse "sops:bad": malformed INI at line 2: no "=" or ":" in a line that is not a section or comment',
      code: 'DECRYPT_FAILED',
    });
  });

  it('malformed dotenv', async () => {
    expect(await decryptError('A=1\nCANARY_DOTENV_LINE\n', 'dotenv')).toEqual({
      message: 'sops: parse "sops:bad": malformed dotenv at line 2: no "=" in a line that is not a comment',
      code: 'DECRYPT_FAILED',
    });
  });

  it('no sops metadata, in each layout', async () => {
    const hint = '. Is this file encrypted with sops? Read plain files with file: instead';
    expect((await decryptError('{"a": "CANARY_PLAIN"}', 'json')).message).toBe(
      `sops: parse "sops:bad": sops metadata not found: the file has no top-level "sops" key${hint}`
    );
    expect((await decryptError('A=CANARY_PLAIN\n', 'dotenv')).message).toBe(
      `sops: parse "sops:bad": sops metadata not found: the file has no sops_* lines${hint}`
    );
    expect((await decryptError('[a]\nb = CANARY_PLAIN\n', 'ini')).message).toBe(
      `sops: parse "sops:bad": sops metadata not found: the file has no [sops] section${hint}`
    );
  });

  it('bad ENC[] syntax', async () => {
    const text = HUMPHD.replace(/^secret: .*$/m, 'secret: ENC[AES256_GCM,data:CANARY]');
    expect(await fetchError('syntax.enc.yaml', text)).toEqual({
      message:
        'sops: parse "sops:syntax.enc.yaml": the value at "/secret" is not a sops-encrypted value ' +
        '(expected ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]). The file is damaged, or a value was edited by hand',
      code: 'DECRYPT_FAILED',
    });
  });

  it('bad base64', async () => {
    const text = HUMPHD.replace(/^(\s+- ENC\[AES256_GCM,data:)[^,]+,/m, '$1dDB!,');
    expect(await fetchError('base64.enc.yaml', text)).toEqual({
      message:
        'sops: parse "sops:base64.enc.yaml": the value at "/complex/array/0" has invalid base64 in its data. ' +
        'The file is damaged, or a value was edited by hand',
      code: 'DECRYPT_FAILED',
    });
  });

  it('a wrong data key (one that opens no value of the file)', async () => {
    const error = await rejection(
      decryptSops(HUMPHD, {
        format: 'yaml',
        ref: 'sops:secret.enc.yaml',
        dataKey: dataKeyOf('age/sops-nix/secrets.yaml'),
      })
    );
    expect(error.message).toBe(
      'sops: decrypt "sops:secret.enc.yaml": the data key does not decrypt this file: no value authenticates with it. ' +
        'The data key belongs to another file, or its age/PGP entry was replaced'
    );
    expect(error.code).toBe('DECRYPT_FAILED');
  });

  it('no identity found: every place looked is listed', async () => {
    const home = join(dir, 'home');
    mkdirSync(home, { recursive: true });
    const result = await fetchError('no-identity.enc.yaml', HUMPHD, { HOME: home });
    expect(result).toEqual({
      message:
        'sops: decrypt "sops:no-identity.enc.yaml": no age identity found (looked in: ' +
        'SOPS_AGE_SSH_PRIVATE_KEY_FILE: not set; ' +
        `${home}/.ssh/id_ed25519: does not exist; ${home}/.ssh/id_rsa: does not exist; ` +
        'SOPS_AGE_KEY: not set; SOPS_AGE_KEY_FILE: not set; ' +
        `${home}/.config/sops/age/keys.txt: does not exist). ` +
        'Set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, or list an age identity file in backends.sops.identities',
      code: 'NO_IDENTITY',
    });
  });

  it("no identity matches: the file's recipients vs the identities tried, as public keys", async () => {
    const other = join(VECTORS, 'age/sops-nix/age-keys.txt');
    const result = await fetchError('no-match.enc.yaml', HUMPHD, { SOPS_AGE_KEY_FILE: other });
    expect(result).toEqual({
      message:
        'sops: decrypt "sops:no-match.enc.yaml": no age identity matches the file\'s recipients (recipients: ' +
        'age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr, ' +
        'age19j4d6v9j7rx5fs629fu387qz4zmlpsqjexa4s08tkfrrmfdl5cwqjlaupd, ' +
        'age13runq29jhy9kfpaegczrzttykerswh0qprq59msgd754yermtfmsa3hwg2; identities tried: ' +
        `SOPS_AGE_KEY_FILE (${other}): age1yt3tfqlfrwdwx0z0ynwplcr6qxcxfaqycuprpmy89nr83ltx74tqdpszlw). ` +
        'Add the identity of one of those recipients to SOPS_AGE_KEY_FILE or backends.sops.identities',
      code: 'NO_IDENTITY',
    });
  });

  it('only master keys this reader cannot open (PGP): names them', async () => {
    const result = await fetchError('pgp-only.enc.yaml', vector('pgp/getsops/example.yaml'));
    expect(result).toEqual({
      message:
        'sops: decrypt "sops:pgp-only.enc.yaml": the data key is encrypted only to pgp (2 keys); ' +
        'this reader opens age master keys only. ' +
        'Add an age recipient to the file (sops updatekeys or sops --add-age), or test through a data key',
      code: 'UNSUPPORTED',
    });
  });

  it('a key path not found: the available top-level keys, names only', async () => {
    writeFileSync(join(dir, 'select.enc.yaml'), HUMPHD);
    const ref = parseRef('sops:select.enc.yaml#/complex/missing') as SopsRef;
    const doc = await createSopsBackend().fetch(ref, fetchContext(dir, { SOPS_AGE_KEY_FILE: HUMPHD_KEY }));
    const thrown = (fn: () => unknown): string => {
      try {
        fn();
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    };
    const display = 'sops:select.enc.yaml#/complex/missing';
    expect(thrown(() => selectKey(doc.tree?.(), ref.key ?? { kind: 'field', name: '' }, display))).toBe(
      `select "${display}": "/complex/missing" not found: no field "missing" at "/complex"; ` +
        'available fields at "/complex": "value", "array"'
    );
    expect(thrown(() => selectKey(doc.tree?.(), { kind: 'field', name: 'nope' }, 'sops:select.enc.yaml#nope'))).toBe(
      'select "sops:select.enc.yaml#nope": field "nope" not found; ' +
        'available fields: "secret", "string", "int", "float", "boolean", "complex"'
    );
  });

  it('oversized input', async () => {
    expect(await fetchError('big.enc.yaml', HUMPHD, {}, { maxBytes: 1000 })).toEqual({
      message: `sops: read "sops:big.enc.yaml": ${join(dir, 'big.enc.yaml')} has ${Buffer.byteLength(HUMPHD)} bytes, more than the limit of 1000. Raise backends.sops.maxBytes if this file is meant to be that large`,
      code: 'TOO_LARGE',
    });
  });

  it('an unsupported sops version', async () => {
    expect(await fetchError('v4.enc.yaml', HUMPHD.replace('version: 3.8.1', 'version: 4.0.0'))).toEqual({
      message:
        'sops: parse "sops:v4.enc.yaml": the file was written by sops "4.0.0"; this reader knows the formats of sops 2.x and 3.x',
      code: 'UNSUPPORTED',
    });
  });

  it('an unknown value type', async () => {
    expect(
      await fetchError('type.enc.yaml', HUMPHD.replace(/(^string: ENC\[[^\]]*),type:str\]/m, '$1,type:decimal]'))
    ).toEqual({
      message:
        'sops: decrypt "sops:type.enc.yaml": the value at "/string" has the unknown type "decimal" ' +
        '(known: str, int, float, bool, time, bytes, comment)',
      code: 'UNSUPPORTED',
    });
  });

  it('a file that does not exist', async () => {
    const error = await rejection(
      createSopsBackend().fetch(parseRef('sops:missing.enc.yaml') as SopsRef, fetchContext(dir, {}))
    );
    expect(error.message).toBe(`sops: read "sops:missing.enc.yaml": ${join(dir, 'missing.enc.yaml')} does not exist`);
    expect(error.code).toBe('NOT_FOUND');
  });

  it('two encryption rules at once', async () => {
    const text = HUMPHD.replace(
      'unencrypted_suffix: _unencrypted',
      'unencrypted_suffix: _unencrypted\n  encrypted_regex: ^pass'
    );
    expect(await fetchError('rules.enc.yaml', text)).toEqual({
      message:
        'sops: parse "sops:rules.enc.yaml": the sops metadata sets unencrypted_suffix and encrypted_regex; sops allows only one of them',
      code: 'DECRYPT_FAILED',
    });
  });

  it('YAML shapes sops refuses: a sequence document, a non-string key', async () => {
    expect((await decryptError('- CANARY_SEQ\n', 'yaml')).message).toBe(
      'sops: parse "sops:bad": a YAML document that is a sequence is not supported by sops'
    );
    expect((await decryptError('a: 1\n2024: CANARY_INT_KEY\n', 'yaml')).message).toBe(
      'sops: parse "sops:bad": a mapping key at line 2, column 1 is a !!int value; sops supports only string keys. Quote the key'
    );
  });
});

describe('sops binary format', () => {
  it('says how to name the format when a file read as binary is not a JSON envelope', async () => {
    writeFileSync(join(dir, 'secrets.enc'), HUMPHD);
    const error = await rejection(
      createSopsBackend().fetch(parseRef('sops:secrets.enc') as SopsRef, fetchContext(dir, {}))
    );
    expect(error.message).toBe(
      'sops: parse "sops:secrets.enc": malformed JSON at line 1, column 1: expected "{". ' +
        'sops reads files without a .yaml, .yml, .json, .env or .ini extension as binary (a JSON envelope); ' +
        'name the format with ?format=yaml|json|dotenv|ini'
    );
    const doc = await createSopsBackend().fetch(
      parseRef('sops:secrets.enc?format=yaml#secret') as SopsRef,
      fetchContext(dir, { SOPS_AGE_KEY_FILE: HUMPHD_KEY })
    );
    expect(selectKey(doc.tree?.(), { kind: 'field', name: 'secret' }, 'r')).toBe('this is a secret');
    expect(Object.isFrozen(doc.tree?.())).toBe(true);
  });
});
