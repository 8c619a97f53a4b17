import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfigFile, loadConfig, validateConfig } from '../../../src/config/load.js';
import { isBrokerError } from '../../../src/errors.js';

// Each bad config with the whole message it gets. Values planted in them are CANARY sentinels: none may appear.
const bad: [name: string, config: unknown][] = [
  ['not an object', 'vault:secret/db'],
  ['credentials as a list', { credentials: ['A'] }],
  ['a secret value instead of a ref', { credentials: { DB: 'postgres://admin:CANARY_hunter2@db/x' } }],
  ['a token instead of a ref', { credentials: { TOKEN: 'ghp_CANARYabcdefghijklmnopqrstuvwxyz0123' } }],
  ['an unknown scheme', { credentials: { A: 'consul:kv/CANARY_x' } }],
  ['a credential name that is not an env var name', { credentials: { 'db-url': 'env:DB' } }],
  ['a number as entry', { credentials: { A: 42 } }],
  ['an object entry without ref', { credentials: { A: { as: 'file' } } }],
  ['an unknown delivery', { credentials: { A: { ref: 'env:X', as: 'stdin' } } }],
  ['a bad env name', { credentials: { A: { ref: 'env:X', env: 'not valid' } } }],
  ['a file name with a path', { credentials: { A: { ref: 'env:X', as: 'file', file: '../etc/passwd' } } }],
  ['a value next to the ref', { credentials: { A: { ref: 'env:X', value: 'CANARY_inline' } } }],
  ['keepSource on a ref that is not env:', { credentials: { A: { ref: 'file:CANARY_x.txt', keepSource: true } } }],
  ['egress.enabled not a boolean', { egress: { enabled: 'yes' } }],
  ['a misspelt egress key', { egress: { enable: true } }],
  ['an unknown top-level key', { secrets: { A: 'CANARY_top' } }],
  ['a vault address without scheme', { backends: { vault: { address: 'vault.internal:8200' } } }],
  ['a vault token in the config', { backends: { vault: { token: 'CANARY_s.vaulttoken' } } }],
  ['an unknown backend', { backends: { consul: {} } }],
  ['a bad AWS region', { backends: { 'aws-sm': { region: 'mars' } } }],
  ['an unknown vault auth method', { backends: { vault: { auth: { method: 'kerberos' } } } }],
  ['a vault jwt login without a token source', { backends: { vault: { auth: { method: 'jwt', role: 'ci' } } } }],
  [
    'a token source that is not one',
    { backends: { vault: { auth: { method: 'jwt', role: 'ci', token: 'CANARY_eyJhbGciOi' } } } },
  ],
  ['zero concurrency', { resolve: { concurrency: 0 } }],
  ['a huge scrub minimum', { scrub: { minLength: 1000 } }],
  ['a ref carrying a token', { credentials: { A: 'vault:secret/db?token=CANARY_x' } }],
  [
    'a destination label that is not a badge',
    { credentials: { A: { ref: 'env:X', destination: { url: 'https://db', label: 'cloud' } } } },
  ],
  [
    'several problems at once',
    {
      egress: { enabled: 1 },
      credentials: { A: 'nope', B: { ref: 'env:B', as: 'x' } },
      backends: { vault: { address: 'ftp://x' } },
    },
  ],
];

function messageOf(config: unknown): string {
  try {
    validateConfig(config, 'credential-broker.config.ts', '/project');
  } catch (error) {
    expect(isBrokerError(error) && error.code).toBe('CONFIG_INVALID');
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe(validateConfig.name, () => {
  it.each(bad)('rejects %s without echoing a value', (_name, config) => {
    const message = messageOf(config);
    expect(message).not.toMatch(/CANARY|hunter2|ghp_/);
    expect(message).toMatch(/^load config "credential-broker\.config\.ts": \d+ problems?:\n {2}- /);
  });

  it('says exactly what is wrong, by path', () => {
    expect(bad.map(([name, config]) => `${name}\n${messageOf(config)}`).join('\n\n')).toMatchSnapshot();
  });

  it('accepts the README example and normalises deliveries', () => {
    const loaded = validateConfig(
      {
        egress: { enabled: false },
        backends: {
          vault: { address: 'https://vault.internal:8200', auth: { method: 'jwt', role: 'ci', token: 'github' } },
        },
        credentials: {
          DATABASE_URL: 'vault:secret/db#url',
          KUBECONFIG: { ref: 'gcp-sm://my-proj/kubeconfig', as: 'file' },
          TLS_KEY: { ref: 'sops:secrets.enc.yaml#/tls/key', as: 'both', file: 'tls.key' },
          DEMO: { ref: 'env:CI_DEMO', env: 'DEMO_TOKEN', destination: 'https://api.example.com' },
        },
      },
      'inline',
      '/project'
    );
    expect(
      [...loaded.credentials.values()].map((c) => [c.name, c.ref.scheme, c.delivery, c.envName, c.fileName])
    ).toEqual([
      ['DATABASE_URL', 'vault', 'env', 'DATABASE_URL', 'DATABASE_URL'],
      ['KUBECONFIG', 'gcp-sm', 'file', 'KUBECONFIG', 'KUBECONFIG'],
      ['TLS_KEY', 'sops', 'both', 'TLS_KEY', 'tls.key'],
      ['DEMO', 'env', 'env', 'DEMO_TOKEN', 'DEMO'],
    ]);
    expect(loaded.credentials.get('DEMO')?.destination).toEqual({ url: 'https://api.example.com' });
  });
});

describe(loadConfig.name, () => {
  it('finds the config upwards and loads TypeScript through jiti', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-config-'));
    mkdirSync(join(dir, 'packages', 'app'), { recursive: true });
    writeFileSync(
      join(dir, 'credential-broker.config.ts'),
      "const name: string = 'API';\nexport default { credentials: { [name]: 'env:API_SOURCE' } };\n"
    );
    expect(findConfigFile(join(dir, 'packages', 'app'))).toBe(join(dir, 'credential-broker.config.ts'));
    const loaded = await loadConfig({ cwd: join(dir, 'packages', 'app') });
    expect(loaded.dir).toBe(dir);
    expect([...loaded.credentials.keys()]).toEqual(['API']);
  });

  it('reports a config that does not parse without quoting its source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-config-'));
    writeFileSync(join(dir, 'credential-broker.config.json'), '{ "credentials": { "A": "CANARY_json');
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(
      `load config "${join(dir, 'credential-broker.config.json')}": cannot be read (syntax error). Export the config as the default export: export default defineConfig({ … })`
    );
  });

  it('runs with an empty config when there is none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-config-'));
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded.file).toBeUndefined();
    expect(loaded.credentials.size).toBe(0);
  });
});
