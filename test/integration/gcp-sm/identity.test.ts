import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGcpSmBackend } from '../../../src/backends/gcp-sm/index.js';
import type { BrokerError } from '../../../src/errors.js';
import { mintGcpAccessToken } from '../../../src/login/gcp-wif.js';
import { brokerRejection } from '../../helpers/rejection.js';
import {
  AUDIENCE,
  CANARY,
  context,
  type GcpFakes,
  gcpRef,
  OIDC_TOKEN,
  SERVICE_ACCOUNT,
  startGcpFakes,
  wifSettings,
} from './harness.js';

let fakes: GcpFakes;
beforeAll(async () => {
  fakes = await startGcpFakes();
});
afterAll(() => fakes.close());
afterEach(() => {
  fakes.sm.requests.length = 0;
  fakes.auth.requests.length = 0;
  fakes.auth.latencyMs = 0;
});

const errors: BrokerError[] = [];
async function failure(promise: Promise<unknown>): Promise<BrokerError> {
  const error = await brokerRejection(promise);
  errors.push(error);
  return error;
}

const OTHER_ACCOUNT = 'other@my-proj.iam.gserviceaccount.com';
const db = gcpRef('gcp-sm://my-proj/db?version=1');
const kinds = () => fakes.auth.requests.map((r) => `${r.kind} ${r.status}`);

describe(mintGcpAccessToken.name, () => {
  it('exchanges the OIDC token once (RFC 8693 form) and reuses the access token for every fetch', async () => {
    const backend = createGcpSmBackend(wifSettings(fakes));
    const docs = await Promise.all(
      ['db?version=1', 'db?version=2', 'db'].map((s) =>
        backend.fetch(gcpRef(`gcp-sm://my-proj/${s}`), context(fakes.dir))
      )
    );
    await backend.fetch(db, context(fakes.dir));
    expect(docs.map((d) => d.version)).toEqual(['1', '2', '2']);
    expect(kinds()).toEqual(['sts 200']);
    expect(backend.mints).toBe(1);
    const [exchange] = fakes.auth.requests;
    expect(exchange?.body).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      audience: AUDIENCE,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: OIDC_TOKEN,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    });
    expect(new Set(fakes.sm.requests.map((r) => fakes.auth.issued.get(r.token ?? '')?.kind))).toEqual(
      new Set(['federated'])
    );
    await backend.close?.();
  });

  it('mints again once the token is inside the refresh window', async () => {
    let now = Date.now();
    const backend = createGcpSmBackend(wifSettings(fakes), { now: () => now });
    await backend.fetch(db, context(fakes.dir));
    now += 56 * 60_000; // of a 60-minute token, 4 minutes left: inside the 5-minute refresh window
    await backend.fetch(db, context(fakes.dir));
    expect(kinds()).toEqual(['sts 200', 'sts 200']);
    const [first, second] = fakes.sm.requests.map((r) => r.token);
    expect(first).not.toBe(second);
    await backend.close?.();
  });

  it('impersonates the service account with the federated token and uses its token', async () => {
    const backend = createGcpSmBackend(
      wifSettings(fakes, {
        serviceAccount: SERVICE_ACCOUNT,
        impersonationUrl: fakes.auth.impersonationUrl(SERVICE_ACCOUNT),
      })
    );
    await backend.fetch(db, context(fakes.dir));
    await backend.fetch(db, context(fakes.dir));
    expect(kinds()).toEqual(['sts 200', 'impersonate 200']);
    const [exchange, impersonate] = fakes.auth.requests;
    expect(impersonate?.headers.authorization).toBe(
      `Bearer ${exchange?.status === 200 ? firstIssued('federated') : ''}`
    );
    expect(impersonate?.body).toEqual({ scope: ['https://www.googleapis.com/auth/cloud-platform'], lifetime: '3600s' });
    expect(fakes.sm.requests.map((r) => fakes.auth.issued.get(r.token ?? ''))).toEqual([
      expect.objectContaining({ kind: 'service-account', serviceAccount: SERVICE_ACCOUNT }),
      expect.objectContaining({ kind: 'service-account', serviceAccount: SERVICE_ACCOUNT }),
    ]);
    await backend.close?.();
  });

  it('mints once more when Secret Manager answers UNAUTHENTICATED, then succeeds', async () => {
    const backend = createGcpSmBackend(wifSettings(fakes));
    await backend.fetch(db, context(fakes.dir));
    fakes.auth.expireAll();
    const doc = await backend.fetch(db, context(fakes.dir));
    expect(doc.text.reveal()).toBe(`${CANARY}_v1`);
    expect(fakes.sm.requests.map((r) => r.status)).toEqual([0, status.UNAUTHENTICATED, 0]);
    expect(kinds()).toEqual(['sts 200', 'sts 200']);
    await backend.close?.();
  });

  it('gives up with DENIED when the fresh token is refused too', async () => {
    const backend = createGcpSmBackend(wifSettings(fakes));
    fakes.sm.fail({
      code: status.UNAUTHENTICATED,
      details: 'Request had invalid authentication credentials.',
      times: 2,
    });
    const error = await failure(backend.fetch(db, context(fakes.dir)));
    expect([error.code, error.message]).toEqual([
      'DENIED',
      'gcp-sm: access "gcp-sm:my-proj/db?version=1": Secret Manager refused the access token, also after minting a new one. Check that auth mints a token for this project (audience, service account)',
    ]);
    expect(fakes.sm.requests).toHaveLength(2);
    expect(kinds()).toEqual(['sts 200', 'sts 200']);
    await backend.close?.();
  });

  it.each([
    [
      'the token source is empty',
      {},
      { GCP_OIDC: undefined },
      'NO_IDENTITY',
      "gcp-sm: read OIDC token: env var GCP_OIDC is not set. Export the CI's OIDC token as GCP_OIDC",
      [],
    ],
    [
      'the STS refuses the OIDC token',
      {},
      { GCP_OIDC: `${CANARY}_wrong_oidc` },
      'MINT_FAILED',
      "gcp-sm: mint access token: the STS token exchange was refused (HTTP 400). Check that auth.audience names your workload identity provider and that the provider's attribute condition admits this OIDC token",
      ['sts 400'],
    ],
    [
      'the audience is not the provider',
      { audience: AUDIENCE.replace('ci-prov', 'other-prov') },
      undefined,
      'MINT_FAILED',
      "gcp-sm: mint access token: the STS token exchange was refused (HTTP 400). Check that auth.audience names your workload identity provider and that the provider's attribute condition admits this OIDC token",
      ['sts 400'],
    ],
    [
      'impersonation is refused',
      {
        serviceAccount: OTHER_ACCOUNT,
        impersonationUrl: OTHER_ACCOUNT,
      },
      undefined,
      'MINT_FAILED',
      'gcp-sm: mint access token: impersonating other@my-proj.iam.gserviceaccount.com was refused (HTTP 403). Grant the federated principal roles/iam.workloadIdentityUser on other@my-proj.iam.gserviceaccount.com, and check auth.serviceAccount',
      ['sts 200', 'impersonate 403'],
    ],
  ])('fails to mint when %s', async (_what, auth, env, code, message, seen) => {
    // The fake's URL is known only once it runs: the table names the account.
    const { impersonationUrl, ...rest } = auth as Record<string, unknown>;
    const settings = wifSettings(fakes, {
      ...rest,
      ...(typeof impersonationUrl === 'string'
        ? { impersonationUrl: fakes.auth.impersonationUrl(impersonationUrl) }
        : {}),
    });
    const backend = createGcpSmBackend(settings);
    const error = await failure(
      backend.fetch(db, context(fakes.dir, env === undefined ? undefined : (env as Record<string, string>)))
    );
    expect([error.code, error.transient, error.message]).toEqual([code, false, message]);
    expect(kinds()).toEqual(seen);
    expect(fakes.sm.requests).toEqual([]);
    await backend.close?.();
  });

  it('reports an STS that keeps failing as a transient MINT_FAILED', async () => {
    for (let i = 0; i < 4; i++) {
      fakes.auth.fail({ kind: 'sts', status: 503 });
    }
    const backend = createGcpSmBackend(wifSettings(fakes));
    const error = await failure(backend.fetch(db, context(fakes.dir)));
    expect([error.code, error.transient, error.message]).toEqual([
      'MINT_FAILED',
      true,
      `gcp-sm: mint access token: the STS at ${new URL(fakes.auth.url).host} answered HTTP 503. A retry may succeed`,
    ]);
    // google-auth-library retries the exchange itself, three times.
    expect(kinds()).toEqual(['sts 503', 'sts 503', 'sts 503', 'sts 503']);
    await backend.close?.();
  });

  it('reports an STS it cannot reach as UNAVAILABLE', async () => {
    const backend = createGcpSmBackend(wifSettings(fakes, { tokenUrl: 'http://127.0.0.1:9/v1/token' }));
    const error = await failure(backend.fetch(db, context(fakes.dir)));
    expect([error.code, error.transient, error.message]).toEqual([
      'UNAVAILABLE',
      true,
      'gcp-sm: mint access token: cannot reach the STS at 127.0.0.1:9. Check the network path to it, or auth.tokenUrl / auth.impersonationUrl',
    ]);
  });

  it('bounds a hung mint, and an aborted fetch does not wait for it', async () => {
    fakes.auth.latencyMs = 2_000;
    const backend = createGcpSmBackend(wifSettings(fakes), { mintTimeoutMs: 200 });
    const timedOut = await failure(backend.fetch(db, context(fakes.dir)));
    expect([timedOut.code, timedOut.transient, timedOut.message]).toEqual([
      'TIMEOUT',
      true,
      'gcp-sm: mint: minting did not finish within 0.2 s. Check that the STS (auth.tokenUrl) and the token source answer',
    ]);
    const controller = new AbortController();
    const aborted = failure(backend.fetch(db, context(fakes.dir, undefined, controller.signal)));
    // A new mint started (the timed-out one is not reused) and reached the STS.
    await expect.poll(() => kinds()).toEqual(['sts 200', 'sts 200']);
    controller.abort();
    expect((await aborted).message).toBe(
      'gcp-sm: access "gcp-sm:my-proj/db?version=1": the fetch was cancelled before an access token was minted. Raise resolve.timeoutMs, or check that the STS and the token source answer'
    );
    expect(fakes.sm.requests).toEqual([]);
    await backend.close?.();
  });

  it('puts no token or value in any error, its cause or its inspection', () => {
    expect(errors.length).toBeGreaterThan(5);
    const tokens = [...fakes.auth.issued.keys()];
    for (const error of errors) {
      for (const text of [error.message, JSON.stringify(error), inspect(error, { depth: 10 })]) {
        for (const secret of [CANARY, OIDC_TOKEN, ...tokens]) {
          expect(text).not.toContain(secret);
        }
      }
    }
  });
});

function firstIssued(kind: 'federated' | 'service-account'): string {
  const found = [...fakes.auth.issued.entries()].filter(([, v]) => v.kind === kind);
  return found[found.length - 1]?.[0] ?? '';
}

describe('Application Default Credentials', () => {
  const ADC_ENV = 'GOOGLE_APPLICATION_CREDENTIALS';
  async function withAdc<T>(file: string, run: () => Promise<T>): Promise<T> {
    const saved = process.env[ADC_ENV];
    process.env[ADC_ENV] = file;
    try {
      return await run();
    } finally {
      if (saved === undefined) {
        delete process.env[ADC_ENV];
      } else {
        process.env[ADC_ENV] = saved;
      }
    }
  }

  it('uses the credentials GOOGLE_APPLICATION_CREDENTIALS names (here an external_account file)', async () => {
    const tokenFile = join(fakes.dir, 'adc-oidc');
    const adcFile = join(fakes.dir, 'adc.json');
    writeFileSync(tokenFile, OIDC_TOKEN);
    writeFileSync(
      adcFile,
      JSON.stringify({
        type: 'external_account',
        audience: AUDIENCE,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: fakes.auth.tokenUrl,
        credential_source: { file: tokenFile },
      })
    );
    const backend = createGcpSmBackend({
      endpoint: fakes.sm.url,
      caFile: fakes.cert.caFile,
      auth: { method: 'default' },
    });
    const doc = await withAdc(adcFile, () => backend.fetch(db, context(fakes.dir)));
    expect(doc.text.reveal()).toBe(`${CANARY}_v1`);
    expect(kinds()).toEqual(['sts 200']);
    await backend.close?.();
  });

  it('does not call again on UNAUTHENTICATED: the library, not the broker, owns ADC tokens', async () => {
    const adcFile = join(fakes.dir, 'adc.json');
    // Once: a second call would succeed, and the fetch with it.
    fakes.sm.fail({ code: status.UNAUTHENTICATED, details: 'Request had invalid authentication credentials.' });
    const backend = createGcpSmBackend({
      endpoint: fakes.sm.url,
      caFile: fakes.cert.caFile,
      auth: { method: 'default' },
    });
    const error = await failure(withAdc(adcFile, () => backend.fetch(db, context(fakes.dir))));
    expect([error.code, error.message]).toEqual([
      'DENIED',
      'gcp-sm: access "gcp-sm:my-proj/db?version=1": Secret Manager refused the access token of Application Default Credentials. Check that the credentials GOOGLE_APPLICATION_CREDENTIALS or gcloud provide are valid and may act in this project',
    ]);
    expect(fakes.sm.requests).toHaveLength(1);
    await backend.close?.();
  });

  it('reports missing Application Default Credentials as NO_IDENTITY', async () => {
    const backend = createGcpSmBackend({ endpoint: fakes.sm.url, caFile: fakes.cert.caFile });
    const error = await failure(withAdc(join(fakes.dir, 'missing.json'), () => backend.fetch(db, context(fakes.dir))));
    expect([error.code, error.message]).toEqual([
      'NO_IDENTITY',
      'gcp-sm: mint access token: Application Default Credentials gave no access token. Set GOOGLE_APPLICATION_CREDENTIALS, run `gcloud auth application-default login`, or configure auth: { method: "workload-identity", … }',
    ]);
    expect(fakes.sm.requests).toEqual([]);
  });
});

describe('access token logging', () => {
  it('logs each mint with its expiry, never the token', async () => {
    const lines: string[] = [];
    const log = { debug: (line: string) => lines.push(line), info() {}, warn() {} };
    const backend = createGcpSmBackend(wifSettings(fakes));
    await backend.fetch(db, { ...context(fakes.dir), log });
    expect(lines).toEqual([
      expect.stringMatching(
        /^gcp-sm: minted an access token for \/\/iam\.googleapis\.com\/projects\/123456789012\/locations\/global\/workloadIdentityPools\/ci-pool\/providers\/ci-prov as federated principal, valid until \d{4}-\d\d-\d\dT[\d:.]+Z$/
      ),
    ]);
    await backend.close?.();
  });
});
