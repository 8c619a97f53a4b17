import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { FetchContext } from '../../../src/contract/backend.js';
import {
  createTestTls,
  type SecretVersionSeed,
  type StartedEntra,
  type StartedKeyVault,
  startEntra,
  startKeyVault,
  type TestTls,
} from '../../../src/testing/azure/index.js';
import { brokerRejection } from '../../helpers/rejection.js';

export const TENANT = '72f988bf-0000-4000-8000-00000000a11e';
export const CLIENT = '0b5e1c2d-0000-4000-8000-0000000c11e7';
/** The OIDC token the fake Entra's federated credential accepts: JWT-shaped, TEST ONLY. */
export const OIDC_TOKEN = [
  Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url'),
  Buffer.from('{"aud":"api://AzureADTokenExchange","sub":"system:serviceaccount:ci:tests"}').toString('base64url'),
  'CANARY_OIDC_SIGNATURE_TEST_ONLY',
].join('.');

export const CANARY_OLD = 'CANARY_AZURE_DB_OLD_41d2a7';
export const CANARY = 'CANARY_AZURE_DB_CURRENT_9e03c1';
export const CANARY_JSON = 'CANARY_AZURE_JSON_PASSWORD_5b7f20';
export const OLD_VERSION = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
export const EXPIRES = new Date('2030-01-01T00:00:00Z');

export const SECRETS: Record<string, SecretVersionSeed[]> = {
  'db-password': [
    { value: CANARY_OLD, version: OLD_VERSION },
    { value: CANARY, version: 'f0e1d2c3b4a5968778695a4b3c2d1e0f', expires: EXPIRES },
  ],
  'app-config': [{ value: JSON.stringify({ db: { password: CANARY_JSON } }), contentType: 'application/json' }],
  'retired-key': [{ value: 'CANARY_AZURE_DISABLED_77a1f3', enabled: false }],
  'ops-only': [{ value: 'CANARY_AZURE_FORBIDDEN_0c9e44' }],
};

/** Every canary a test may meet: none may appear in an error message. */
export const CANARIES = [
  CANARY,
  CANARY_OLD,
  CANARY_JSON,
  'CANARY_AZURE_DISABLED',
  'CANARY_AZURE_FORBIDDEN',
  'CANARY_OIDC',
];

export interface Azure {
  readonly tls: TestTls;
  readonly entra: StartedEntra;
  readonly kv: StartedKeyVault;
  /** A temp dir holding the OIDC token file `token.jwt`. */
  readonly dir: string;
  readonly tokenFile: string;
  close(): Promise<void>;
}

/** One CA, a fake Entra and a fake Key Vault (both HTTPS), and the OIDC token in a temp file. */
export async function startAzure(): Promise<Azure> {
  // The Azure pipeline honours HTTPS_PROXY; the fakes are local. Read when the SDK is first used, after this.
  process.env['NO_PROXY'] = '127.0.0.1,localhost';
  const tls = await createTestTls();
  const entra = await startEntra({ tls, tenantId: TENANT, clientId: CLIENT, assertion: OIDC_TOKEN });
  const kv = await startKeyVault({
    tls,
    tenantId: TENANT,
    secrets: SECRETS,
    forbidden: ['ops-only'],
    acceptToken: (token, resource) => entra.isValid(token, resource),
  });
  const dir = mkdtempSync(join(tmpdir(), 'cb-azure-kv-'));
  const tokenFile = join(dir, 'token.jwt');
  writeFileSync(tokenFile, `${OIDC_TOKEN}\n`);
  return {
    tls,
    entra,
    kv,
    dir,
    tokenFile,
    async close() {
      await Promise.all([kv.close(), entra.close()]);
      await tls.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Settings pointing the backend at the fakes with workload identity from the token file. */
export function settingsFor(azure: Azure) {
  return {
    endpoint: azure.kv.url,
    caFile: azure.tls.caFile,
    auth: {
      method: 'workload-identity' as const,
      tenantId: TENANT,
      clientId: CLIENT,
      token: { file: azure.tokenFile },
      authorityHost: azure.entra.url,
    },
  };
}

export function context(
  dir: string,
  env: Record<string, string | undefined> = {},
  signal = new AbortController().signal
): FetchContext & { lines: string[] } {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  return { signal, env, baseDir: dir, log: { debug: log, info: log, warn: log }, lines };
}

/** The whole message of what `promise` rejected with, checked to carry no canary, however it is printed. */
export async function failure(
  promise: Promise<unknown>
): Promise<{ code: string; message: string; transient: boolean }> {
  const error = await brokerRejection(promise);
  // The message, and the error as a log or a report would print it (cause chain included).
  const printed = [error.message, JSON.stringify(error), inspect(error, { depth: 8 })];
  for (const canary of CANARIES) {
    if (printed.some((text) => text.includes(canary))) {
      throw new Error(`a failure carries a canary (${canary.slice(0, 12)}…)`);
    }
  }
  return { code: error.code, message: error.message, transient: error.transient };
}
