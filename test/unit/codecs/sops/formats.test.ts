import { describe, expect, it } from 'vitest';
import { emitDotenv, loadDotenv } from '../../../../src/codecs/sops/dotenv-format.js';
import { formatForPath } from '../../../../src/codecs/sops/formats.js';
import {
  formatGoFloatF,
  formatGoFloatG,
  formatJsonFloat,
  formatValToStringFloat,
  parseGoFloat,
  parseGoInt,
  parseRfc3339,
} from '../../../../src/codecs/sops/go-values.js';
import { emitIni, loadIni } from '../../../../src/codecs/sops/ini-format.js';
import { emitJson, loadJson } from '../../../../src/codecs/sops/json-format.js';
import { emitYaml } from '../../../../src/codecs/sops/yaml-emit.js';
import { loadYaml, resolvePlain } from '../../../../src/codecs/sops/yaml-load.js';
import { vector } from './helpers.js';

// Encrypted files are written by the same emitters sops -d prints with, so rewriting a real file must give it back.
describe('sops writers against real sops files', () => {
  it.each(['age/sops-nix/secrets.yaml', 'pgp/getsops/example.yaml', 'pgp/getsops/format.enc.yaml'])(
    'YAML: %s (yaml.v3 era) is rewritten byte for byte',
    (path) => {
      const text = vector(path).toString('utf8');
      expect(emitYaml(loadYaml(text))).toBe(text);
    }
  );

  it('JSON, INI and dotenv files of sops 3.13 are rewritten byte for byte', () => {
    const json = vector('pgp/getsops/format.enc.json').toString('utf8');
    expect(emitJson(loadJson(json)[0] ?? loadJson('{}')[0]!)).toBe(json);
    for (const path of ['pgp/getsops/format.enc.ini', 'pgp/getsops/format-2.enc.ini']) {
      const ini = vector(path).toString('utf8');
      expect(emitIni(loadIni(ini)[0]!)).toBe(ini);
    }
    for (const path of [
      'pgp/getsops/format.enc.env',
      'pgp/sops-nix/secrets.env',
      'age/humphd-sops-age/secret.enc.env',
    ]) {
      const env = vector(path).toString('utf8');
      expect(emitDotenv(loadDotenv(env)[0]!)).toBe(env);
    }
  });

  it('names formats by extension as sops does', () => {
    expect(['a.yaml', 'a.YML', 'a.enc.json', 'x/.env', 'a.ini', 'a.txt', 'a.yaml.bak'].map(formatForPath)).toEqual([
      'yaml',
      'yaml',
      'json',
      'dotenv',
      'ini',
      'binary',
      'binary',
    ]);
  });
});

describe('Go number and time forms', () => {
  it('strconv.FormatFloat(x, f, -1, 64): what the MAC hashes, never an exponent', () => {
    expect([1e21, 1e-7, 3.14, -0, 123456789, 0.1 + 0.2, Number.NaN, -Infinity, 1234568000].map(formatGoFloatF)).toEqual(
      [
        '1000000000000000000000',
        '0.0000001',
        '3.14',
        '-0',
        '123456789',
        '0.30000000000000004',
        'NaN',
        '-Inf',
        '1234568000',
      ]
    );
  });

  it('strconv.FormatFloat(x, g, -1, 64): how yaml.v3 prints floats', () => {
    expect([1234568000, 1e6, 123456, 0.0001, 0.00001, 1e21, 3.14, 100, 7].map((x) => formatGoFloatG(x))).toEqual([
      '1.234568e+09',
      '1e+06',
      '123456',
      '0.0001',
      '1e-05',
      '1e+21',
      '3.14',
      '100',
      '7',
    ]);
  });

  it('stores.ValToString and encoding/json for floats', () => {
    expect([7, 1234568000, 3.14, -2].map(formatValToStringFloat)).toEqual(['7.0', '1.234568E+09', '3.14', '-2.0']);
    expect([-0, 1e21, 1e-7, 7].map(formatJsonFloat)).toEqual(['-0', '1e+21', '1e-7', '7']);
    expect(formatJsonFloat(Number.NaN)).toBeUndefined();
  });

  it('strconv.Atoi, ParseFloat and time.Parse(RFC3339) accept what Go accepts', () => {
    expect(['007', '+5', '-9223372036854775808'].map((s) => parseGoInt(s)?.value)).toEqual([7n, 5n, -(2n ** 63n)]);
    expect(['9223372036854775808', '1_0', '0x10', ''].map((s) => parseGoInt(s))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(['0x1p-2', 'inf', '-Infinity', '.5', '1e3'].map((s) => parseGoFloat(s)?.value)).toEqual([
      0.25,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0.5,
      1000,
    ]);
    expect(['1e400', '1_0', 'nan1', ''].map((s) => parseGoFloat(s))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(parseRfc3339('2024-01-02T03:04:05.120+00:00')).toEqual({
      text: '2024-01-02T03:04:05.12Z',
      seconds: '2024-01-02T03:04:05Z',
    });
    expect(parseRfc3339('2024-01-02T03:04:05-07:30')?.text).toBe('2024-01-02T03:04:05-07:30');
    expect(['2023-02-29T00:00:00Z', '2024-01-02 03:04:05Z', '2024-01-02T24:00:00Z'].map(parseRfc3339)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('yaml.v3 resolves plain scalars its own way (YAML 1.1 octals, underscores, timestamps)', () => {
    const plain = (s: string): unknown => {
      const r = resolvePlain(s);
      if ('unsupported' in r) {
        return 'unsupported';
      }
      const v = r.value;
      return v !== null && typeof v === 'object' && 'value' in v
        ? v.value
        : v && typeof v === 'object' && 'text' in v
          ? v.text
          : v;
    };
    expect(['0777', '0o17', '1_000', '08', '0x1F', '+1', '.5', '1e3', '-.inf'].map(plain)).toEqual([
      511n,
      15n,
      1000n,
      8,
      31n,
      1n,
      0.5,
      1000,
      Number.NEGATIVE_INFINITY,
    ]);
    expect(['yes', 'on', '-', '~', 'True', 'null', '2024-1-2', '18446744073709551615'].map(plain)).toEqual([
      'yes',
      'on',
      '-',
      null,
      true,
      null,
      '2024-01-02T00:00:00Z',
      'unsupported',
    ]);
  });
});
