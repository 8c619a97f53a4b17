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

  it('takes a key whose last word names a setting about a secret as neutral, not secret', () => {
    const settings = [
      'SIGNATURE_ALGORITHM',
      'jwt_alg',
      'SECRETS_BACKEND',
      'SESSION_BACKEND',
      'SESSION_ENGINE',
      'CREDENTIAL_SOURCE',
      'TOKEN_PROVIDER',
      'SESSION_STORE',
      'session-cookie-samesite',
      'COOKIE_HTTP_ONLY',
      'SESSION_MAX_AGE',
      'TOKEN_TTL',
      'PRIVATE_KEY_PATH',
      'SECRET_FILE',
      'signatureAlgorithm',
      'sessionMaxAge',
      'cookie.httpOnly',
      'PRIVATE_REGISTRY',
      'PRIVATE_BUCKET',
      'PRIVATE_SUBNET',
      'privateRepo',
    ];
    expect(settings.map(keyKind)).toEqual(settings.map(() => 'neutral'));
  });

  it('still takes the secret itself as secret: SESSION_SECRET, SIGNING_KEY, TOKEN, SIGNATURE, a session id', () => {
    const secrets = [
      'SESSION_SECRET',
      'COOKIE_SECRET',
      'SIGNING_KEY',
      'SECRET_KEY',
      'SECRET_KEY_BASE',
      'PRIVATE_KEY',
      'TOKEN',
      'API_TOKEN',
      'SIGNATURE',
      'session_id',
      'sessionId',
      'PRIVATE_KEY_PASSPHRASE',
      'sessionSecret',
    ];
    expect(secrets.map(keyKind)).toEqual(secrets.map(() => 'secret'));
  });

  it('registers no setting of an app .env or JSON secret, but every secret beside them and where it was found', () => {
    const env = [
      'DATABASE_PASSWORD=CANARY-pw-Zq8vR2mN5t',
      'SESSION_STORE=redis://localhost:6379/0',
      'SIGNATURE_ALGORITHM=HMAC-SHA256',
      'SESSION_ENGINE=django.contrib.sessions.backends.db',
      'CREDENTIAL_SOURCE=Ec2InstanceMetadata',
      'SESSION_SECRET=CANARY-session-secret',
      'SIGNING_KEY=CANARY-signing-key',
      'TOKEN=CANARY-plain-token',
      '',
    ].join('\n');
    const split = splitValue(env, 6, '[M]');
    expect(split.parts.map((p) => [p.text, p.from])).toEqual([
      ['CANARY-pw-Zq8vR2mN5t', ['DATABASE_PASSWORD (line 1)']],
      ['CANARY-session-secret', ['SESSION_SECRET (line 6)']],
      ['CANARY-signing-key', ['SIGNING_KEY (line 7)']],
      ['CANARY-plain-token', ['TOKEN (line 8)']],
    ]);
    const json = JSON.stringify({
      signatureAlgorithm: 'HMAC-SHA256',
      db: { sessionBackend: 'redis-cluster', sessionSecret: 'CANARY-json-session', tokens: ['CANARY-json-token'] },
    });
    expect(splitValue(json, 6, '[M]').parts.map((p) => [p.text, p.from])).toEqual([
      ['CANARY-json-session', ['db.sessionSecret']],
      ['CANARY-json-token', ['db.tokens[0]']],
    ]);
  });

  it('registers the password of a .netrc, never its machine names or logins (one pair per line, or on one line)', () => {
    const netrc = [
      'machine github.com',
      'login x-access-token',
      'password ghp_CANARYnetrc0123456789abcdef',
      '',
      'machine registry.internal.acme.io login deploy-bot password CANARY-registry-pw-4f2a',
      'default login anonymous password CANARY-anon-pw-9c1d',
      '',
    ].join('\n');
    const split = splitValue(netrc, 6, '[M]');
    expect(split.parts.map((p) => [p.text, p.from])).toEqual([
      ['ghp_CANARYnetrc0123456789abcdef', ['netrc password (line 3)']],
      ['CANARY-registry-pw-4f2a', ['netrc password (line 5)']],
      ['CANARY-anon-pw-9c1d', ['netrc password (line 6)']],
    ]);
    expect(split.masked).toBe(
      'machine github.com\nlogin x-access-token\npassword [M]\n\nmachine registry.internal.acme.io login deploy-bot password [M]\ndefault login anonymous password [M]\n'
    );
    // Not a netrc (a word that is no netrc keyword): every line of an unstructured value, as before.
    expect(splitValue('machine github.com\nsomething else entirely\n', 6, '[M]').parts.map((p) => p.text)).toEqual([
      'machine github.com',
      'something else entirely',
    ]);
  });

  it("reads a one-line .netrc, one with comments and quotes, and GitHub's token-as-login layout", () => {
    const parts = (value: string) => splitValue(value, 6, '[M]').parts.map((p) => [p.text, p.from]);
    expect(parts('machine github.com login x-access-token password ghp_CANARYone0123456789abcdefABCD\n')).toEqual([
      ['ghp_CANARYone0123456789abcdefABCD', ['netrc password (line 1)']],
    ]);
    expect(
      parts('# CI bot token\nmachine github.com\n  login bot\n  password "CANARY pw with spaces \\" 42"\n')
    ).toEqual([['CANARY pw with spaces " 42', ['netrc password (line 4)']]]);
    const github = 'machine github.com login ghp_CANARYlogin0123456789abcdefXYZ password x-oauth-basic';
    expect(parts(github)).toEqual([['ghp_CANARYlogin0123456789abcdefXYZ', ['netrc login (line 1)']]]);
    expect(splitValue(github, 6, '[M]').masked).toBe('machine github.com login [M] password x-oauth-basic');
  });

  it('skips a .netrc macro to the next blank line, and still reads the pairs around it', () => {
    const netrc =
      'machine ftp.acme.io\nlogin deploy\npassword CANARY-ftp-pw-Mq10k\nmacdef init\ncd /pub\nbinary\n\nmachine x.io login a password CANARY-x-pw-77\n';
    expect(splitValue(netrc, 6, '[M]').parts.map((p) => [p.text, p.from])).toEqual([
      ['CANARY-ftp-pw-Mq10k', ['netrc password (line 3)']],
      ['CANARY-x-pw-77', ['netrc password (line 8)']],
    ]);
  });

  it('registers the token of an .npmrc auth line, one line or many, and of a registry URL holding one', () => {
    const one = splitValue('//registry.npmjs.org/:_authToken=npm_CANARYnpmrc0123456789abcdef\n', 6, '[M]');
    expect(one.parts.map((p) => [p.text, p.from])).toEqual([
      ['npm_CANARYnpmrc0123456789abcdef', ['npmrc auth token (line 1)']],
    ]);
    expect(one.masked).toBe('//registry.npmjs.org/:_authToken=[M]\n');
    const many = splitValue('registry=https://npm.acme.io/\n//npm.acme.io/:_authToken=CANARY-npm-tok-42\n', 6, '[M]');
    expect(many.parts.map((p) => p.text)).toEqual(['CANARY-npm-tok-42']);
    const env = splitValue('NPM_REGISTRY=https://npm.acme.io/:_authToken=CANARY-npm-url-tok-9\nX=1\n', 6, '[M]');
    expect(env.parts.map((p) => p.text)).toContain('CANARY-npm-url-tok-9');
  });

  it('registers the token of a registry URL and the password of user:password@host held as the whole value', () => {
    // A standalone credential, as `NPM_REGISTRY: 'vault:…'` resolves to: no key, no line.
    const npm = splitValue('https://npm.acme.io/:_authToken=CANARY-npm-whole-tok-3\n', 6, '[M]');
    expect(npm.parts.map((p) => [p.text, p.from])).toEqual([['CANARY-npm-whole-tok-3', ['npm auth token']]]);
    const userInfo = splitValue('deploy:CANARY-reg-whole-pw-5@registry.acme.io', 6, '[M]');
    expect(userInfo.parts.map((p) => p.text)).toContain('CANARY-reg-whole-pw-5');
    expect(userInfo.parts.map((p) => p.text)).not.toContain('registry.acme.io');
    expect(userInfo.opaque).toBe(true);
  });

  it('registers the password of a user:password@host leaf without a scheme, under any key but a public one', () => {
    const split = splitValue('PRIVATE_REGISTRY=deploy:CANARY-reg-pw-7Qx2@registry.acme.io\nPORT=5000\n', 6, '[M]');
    expect(split.parts.map((p) => p.text)).toContain('CANARY-reg-pw-7Qx2');
  });

  it("still registers a setting key's value that looks secret itself (high entropy)", () => {
    expect(splitValue('TOKEN_SOURCE=ghp_9aZ3kLmQ7xWv2RtY8pBn4cJd\nMODE=x\n', 6, '[M]').parts).toEqual([
      { text: 'ghp_9aZ3kLmQ7xWv2RtY8pBn4cJd', common: false, from: ['TOKEN_SOURCE (line 1) (high entropy)'] },
    ]);
  });

  it('names a key that looks random as * where it says where a part was found', () => {
    const json = JSON.stringify({ users: { ghp_9aZ3kLmQ7xWv2RtY8pBn4cJd: { password: 'CANARY-owner-pw' } } });
    expect(splitValue(json, 6, '[M]').parts.map((p) => p.from)).toEqual([['users.*.password']]);
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
      /^ {4}scrub: \d+ form\(s\) registered \(whole value and 2 secret-bearing part\(s\)\)\n {4}secret-bearing parts from: URL password\n$/
    );
  });

  it('names the keys whose leaves it registered, never a value, so a user sees why a setting is redacted', () => {
    const scrubber = new Scrubber();
    scrubber.add(
      'SIGNATURE_ALGORITHM=HMAC-SHA256\nSESSION_SECRET=CANARY-session-7f3a\nAPI_TOKEN=CANARY-tok-9c2e\n',
      'APP'
    );
    const text = renderForms(scrubber.report()[0]);
    expect(text).toContain(
      '(whole value and 2 secret-bearing part(s))\n    secret-bearing parts from: SESSION_SECRET (line 2), API_TOKEN (line 3)\n'
    );
    expect(text).not.toMatch(/CANARY|HMAC/);
  });
});
