import { describe, expect, it } from 'vitest';
import { renderForms } from '../../../src/cli/check.js';
import { Scrubber } from '../../../src/scrub/index.js';
import { splitValue } from '../../../src/scrub/parts.js';
import { isCommon, isHighEntropy, keyKind } from '../../../src/scrub/secret-like.js';

const parts = (value: string) => splitValue(value, 6, '[M]').parts.map((p) => p.text);

describe('the rule for secret-bearing parts', () => {
  it('calls short words, numbers and low-variety text common, and random text not', () => {
    for (const common of ['postgres', 'localhost', 'administrator', '12345678901', 'aaaaaaaaaaaaaaaa', 'changeme']) {
      expect(isCommon(common), common).toBe(true);
    }
    for (const rare of ['CANARY-7f3a9c2e51d4', 'p4ssw0rd-with-digits', 'supersecretpassword']) {
      expect(isCommon(rare), rare).toBe(false);
    }
  });

  it('calls token-shaped random strings high-entropy, and paths, hosts and e-mail addresses not', () => {
    expect(isHighEntropy('ghp_9aZ3kLmQ7xWv2RtY8pBn4cJd')).toBe(true);
    for (const plain of ['/home/user/.kube/cache', 'https://127.0.0.1:6443', 'ci@acme.iam.gserviceaccount.com']) {
      expect(isHighEntropy(plain), plain).toBe(false);
    }
  });

  it('classifies keys: secrets, public identifiers and certificates, and the rest by the value', () => {
    expect(
      ['password', 'token', 'client-key-data', 'private_key', 'aws_secret_access_key', 'api_key'].map(keyKind)
    ).toEqual(Array(6).fill('secret'));
    expect(
      [
        'certificate-authority-data',
        'client-certificate-data',
        'private_key_id',
        'token_uri',
        'server',
        'client_email',
      ].map(keyKind)
    ).toEqual(Array(6).fill('public'));
    expect(keyKind('data')).toBe('neutral');
  });

  it('registers leaf values of dotenv, INI and YAML by key, never the keys or the structure', () => {
    expect(parts('NODE_ENV=production\nPORT=3000\nexport API_KEY="sk_live_CANARY_1234"\n')).toEqual([
      'sk_live_CANARY_1234',
    ]);
    expect(
      parts('[default]\naws_access_key_id = AKIAEXAMPLE1234567\naws_secret_access_key = CANARYsecretKEY42\n')
    ).toEqual(['CANARYsecretKEY42']);
    expect(parts('kind: Config\nusers:\n- name: a\n  user:\n    password: CANARY-pw-91\n')).toEqual(['CANARY-pw-91']);
  });

  it('registers nothing of a certificate, and the body of a private key in JSON', () => {
    expect(
      parts('-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUfake0certificate0body\n-----END CERTIFICATE-----\n')
    ).toEqual([]);
    const sa = JSON.stringify({
      type: 'service_account',
      private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n',
      client_email: 'a@b.iam.gserviceaccount.com',
    });
    expect(parts(sa)).toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
    expect(splitValue(sa, 6, '[M]').masked).toBe(
      '{"type":"service_account","private_key":"[M]","client_email":"a@b.iam.gserviceaccount.com"}'
    );
  });

  it('registers secret query values of a URL, as written and decoded', () => {
    expect(parts('https://h.example/p?sv=2022-11-02&sig=CANARY%2Bsig%3D42&x=1')).toEqual([
      'CANARY+sig=42',
      'CANARY%2Bsig%3D42',
    ]);
  });

  it('masks a short secret field when the value is printed whole, though it is too short to register', () => {
    expect(splitValue('host: db\npassword: abc\n', 6, '[M]').masked).toBe('host: db\npassword: [M]\n');
  });
});

describe(renderForms.name, () => {
  it('counts forms and parts, and warns about a common value', () => {
    const scrubber = new Scrubber();
    scrubber.add('postgres', 'PGPASSWORD');
    scrubber.add('postgres://app:CANARY-pw-7f3a9c@db/app', 'DATABASE_URL');
    const [pg, url] = scrubber.report();
    expect(renderForms(pg)).toMatch(/^ {4}scrub: \d+ form\(s\) registered\n {4}⚠ PGPASSWORD's value is too common/);
    expect(renderForms(url)).toMatch(
      /^ {4}scrub: \d+ form\(s\) registered \(whole value and 2 secret-bearing part\(s\)\)\n$/
    );
  });
});
