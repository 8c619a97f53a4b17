import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FetchContext } from '../../../src/contract/backend.js';
import { parseRef } from '../../../src/ref/index.js';
import type { GcpSmRef } from '../../../src/ref/types.js';
import {
  createTestTls,
  type GcpAuthServer,
  type GcpSecretManagerServer,
  startGcpAuth,
  startGcpSecretManager,
  type TestTls,
} from '../../../src/testing/gcp/index.js';

export const CANARY = 'CANARY_GCP_SM_5e1f0a';
export const OIDC_TOKEN = 'CANARY_OIDC_eyJhbGciOiJSUzI1NiJ9.test';
export const AUDIENCE =
  '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/ci-prov';
export const SERVICE_ACCOUNT = 'ci@my-proj.iam.gserviceaccount.com';

/** The fakes of one test file: Secret Manager over TLS, and the STS + IAM Credentials over HTTP. */
export interface GcpFakes {
  readonly cert: TestTls;
  readonly auth: GcpAuthServer;
  readonly sm: GcpSecretManagerServer;
  readonly dir: string;
  close(): Promise<void>;
}

export async function startGcpFakes(): Promise<GcpFakes> {
  process.env['NO_PROXY'] = '127.0.0.1,localhost';
  const cert = await createTestTls();
  const auth = await startGcpAuth({ subjectToken: OIDC_TOKEN, audience: AUDIENCE, serviceAccounts: [SERVICE_ACCOUNT] });
  const sm = await startGcpSecretManager({
    tls: cert,
    projectNumbers: { 'my-proj': '123456789012' },
    isValidToken: (token, scope) => auth.isValid(token, scope),
    denied: ['my-proj/forbidden'],
    secrets: {
      'my-proj/db': [
        { data: `${CANARY}_v1` },
        { data: JSON.stringify({ url: `postgres://app:${CANARY}@db/app`, user: 'app' }) },
      ],
      'my-proj/old': [
        { data: `${CANARY}_disabled`, state: 'DISABLED' },
        { data: `${CANARY}_destroyed`, state: 'DESTROYED' },
      ],
      'my-proj/binary': [{ data: new Uint8Array([0xff, 0xfe, 0x00]) }],
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'gcp-sm-test-'));
  return {
    cert,
    auth,
    sm,
    dir,
    async close() {
      await Promise.all([sm.close(), auth.close()]);
      await cert.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const quiet = { debug() {}, info() {}, warn() {} };

export function context(
  dir: string,
  env: Record<string, string | undefined> = { GCP_OIDC: OIDC_TOKEN },
  signal: AbortSignal = new AbortController().signal
): FetchContext {
  return { signal, env, baseDir: dir, log: quiet };
}

export function gcpRef(text: string): GcpSmRef {
  return parseRef(text) as GcpSmRef;
}

/** Backend settings pointing at the fakes, with workload identity federation from env:GCP_OIDC. */
export function wifSettings(fakes: GcpFakes, auth: Record<string, unknown> = {}) {
  return {
    endpoint: fakes.sm.url,
    caFile: fakes.cert.caFile,
    auth: {
      method: 'workload-identity' as const,
      audience: AUDIENCE,
      token: { env: 'GCP_OIDC' },
      tokenUrl: fakes.auth.tokenUrl,
      ...auth,
    },
  };
}
