import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isSecretValue, SecretValue } from '../../../src/scrub/index.js';

const PLAIN = 'CANARY_secret_value_b41d';

function secret(): SecretValue {
  return new SecretValue(PLAIN, 'vault:secret/db#password');
}

describe(SecretValue.name, () => {
  it('is redacted by String() and template literals', () => {
    expect(String(secret())).toBe('[redacted:vault:secret/db#password]');
    expect(`pw=${secret()}`).toBe('pw=[redacted:vault:secret/db#password]');
    expect(`${secret()}`.includes(PLAIN)).toBe(false);
  });

  it('is redacted by JSON.stringify, also nested', () => {
    expect(JSON.stringify({ db: { password: secret() } })).toBe(
      '{"db":{"password":"[redacted:vault:secret/db#password]"}}'
    );
  });

  it('is redacted by util.inspect and util.format, also with showHidden', () => {
    expect(inspect(secret())).toBe('[redacted:vault:secret/db#password]');
    expect(inspect({ s: secret() }, { showHidden: true, depth: Number.POSITIVE_INFINITY })).toBe(
      '{ s: [redacted:vault:secret/db#password] }'
    );
    expect(format('%s %o %j', secret(), secret(), secret())).not.toContain(PLAIN);
  });

  it('is redacted by console.log', () => {
    let captured = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        captured += chunk.toString();
        callback();
      },
    });
    const console = new Console({ stdout: sink, stderr: sink });
    console.log(secret());
    console.log('value: %s', secret());
    console.log({ secret: secret() });
    console.error(secret());
    expect(captured).toBe(
      '[redacted:vault:secret/db#password]\nvalue: [redacted:vault:secret/db#password]\n{ secret: [redacted:vault:secret/db#password] }\n[redacted:vault:secret/db#password]\n'
    );
  });

  it('is redacted in an Error message and its inspection', () => {
    const error = new Error(`could not connect with ${secret()}`);
    expect(error.message).toBe('could not connect with [redacted:vault:secret/db#password]');
    expect(inspect(error)).not.toContain(PLAIN);
  });

  it('gives the plaintext only through reveal(), and its length in bytes', () => {
    expect(secret().reveal()).toBe(PLAIN);
    expect(secret().byteLength).toBe(PLAIN.length);
    expect(Object.keys(secret())).toEqual(['label']);
    expect(isSecretValue(secret())).toBe(true);
    expect(isSecretValue(PLAIN)).toBe(false);
  });
});
