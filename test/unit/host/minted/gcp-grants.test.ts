/**
 * gcp-token grants through google-auth-library against the local STS and IAM Credentials: what a test's environment
 * gets, that every minted token (re-mints included) reaches the scrubber and the audit record, and the backend that
 * `credential-broker run` uses.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcpTokenBackend } from '../../../../src/backends/gcp-token/index.js';
import type { GcpTokenSettings } from '../../../../src/backends/gcp-token/settings.js';
import type { CredentialSpec } from '../../../../src/config/normalise.js';
import type { MintEvent } from '../../../../src/contract/backend.js';
import { createGcpTokenGrants } from '../../../../src/host/minted/gcp.js';
import { parseRef } from '../../../../src/ref/index.js';
import type { GcpTokenRef } from '../../../../src/ref/types.js';
import { Scrubber } from '../../../../src/scrub/index.js';
import { type GcpAuthServer, startGcpAuth } from '../../../../src/testing/gcp/index.js';

const SA = 'ci@my-proj.iam.gserviceaccount.com';
const AUDIENCE = '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci/providers/gh';
const OIDC = 'SENTINEL-GRANTS-OIDC-0a9e3d';
const ref = parseRef(`gcp-token:${SA}`) as GcpTokenRef;
const quiet = { debug() {}, info() {}, warn() {} };

let auth: GcpAuthServer;
let dir: string;
beforeAll(async () => {
  process.env['NO_PROXY'] = '127.0.0.1,localhost';
  // 4-second tokens: the cache keeps one for half its lifetime, so a re-mint is two seconds away.
  auth = await startGcpAuth({ subjectToken: OIDC, audience: AUDIENCE, serviceAccounts: [SA], tokenLifetimeSeconds: 4 });
  dir = mkdtempSync(join(tmpdir(), 'gcp-grants-'));
});
afterAll(async () => {
  await auth.close();
  rmSync(dir, { recursive: true, force: true });
});

const settings = (): GcpTokenSettings => ({
  audience: AUDIENCE,
  token: { env: 'OIDC' },
  tokenUrl: auth.tokenUrl,
  iamCredentialsUrl: auth.url,
});

function spec(delivery: 'endpoint' | 'env', envName = 'GCP_CI'): CredentialSpec & { readonly ref: GcpTokenRef } {
  return { name: 'GCP_CI', ref, delivery, envName, fileName: 'GCP_CI', origin: 'config', mint: {} };
}

describe('gcp-token grants', () => {
  it('serve the metadata server, hide the competing sources, register every mint', async () => {
    const scrubber = new Scrubber();
    const minted: MintEvent[] = [];
    const closing = new AbortController();
    const endpoints: { close(): Promise<void> }[] = [];
    const grants = createGcpTokenGrants(
      {
        backends: { 'gcp-token': settings() },
        env: { OIDC },
        baseDir: dir,
        scrubber,
        log: quiet,
        scratchDir: dir,
        signal: closing.signal,
        audit: { minted: (e) => minted.push(e), revoked() {} },
      },
      (endpoint) => endpoints.push(endpoint)
    );
    const grant = await grants.grant(spec('endpoint'));
    const host = grant.vars?.['GCE_METADATA_HOST'] ?? '';
    expect(grant.vars).toMatchObject({
      GCE_METADATA_IP: host,
      METADATA_SERVER_DETECTION: 'assume-present',
      GOOGLE_APPLICATION_CREDENTIALS: '',
      CLOUDSDK_AUTH_ACCESS_TOKEN: '',
    });
    expect(readdirSync(grant.vars?.['CLOUDSDK_CONFIG'] ?? '')).toEqual([]);
    const ask = async () => {
      const answer = await fetch(`http://${host}/computeMetadata/v1/instance/service-accounts/default/token`, {
        headers: { 'Metadata-Flavor': 'Google' },
      });
      return ((await answer.json()) as { access_token: string }).access_token;
    };
    const first = await ask();
    expect(auth.isValid(first, 'https://www.googleapis.com/auth/cloud-platform')).toBe(true);
    expect(auth.issued.get(first)?.serviceAccount).toBe(SA);
    expect(scrubber.scrub(`t=${first}`)).toBe('t=[redacted:GCP_CI]');
    // Past half the lifetime: the next request re-mints, and the new token is registered before it is served.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const second = await ask();
    expect(second).not.toBe(first);
    expect(scrubber.scrub(`t=${second}`)).toBe('t=[redacted:GCP_CI]');
    expect(minted).toHaveLength(2);
    expect(minted.every((e) => e.backend === 'gcp-token' && e.identity === `service account ${SA}`)).toBe(true);
    expect(JSON.stringify(minted)).not.toContain('ya29');
    expect(grant.secrets).toContain(grant.close?.authorization);
    await Promise.all(endpoints.map((e) => e.close()));
    grants.close();
  });

  it("as: 'env' sets only the variable the entry names, beside the hidden sources", async () => {
    const grants = createGcpTokenGrants(
      {
        backends: { 'gcp-token': settings() },
        env: { OIDC },
        baseDir: dir,
        scrubber: new Scrubber(),
        log: quiet,
        scratchDir: dir,
        signal: new AbortController().signal,
      },
      () => {}
    );
    const grant = await grants.grant(spec('env', 'MY_TOKEN'));
    expect(grant.vars?.['GCE_METADATA_HOST']).toBeUndefined();
    expect(auth.isValid(grant.vars?.['MY_TOKEN'] ?? '')).toBe(true);
    expect(grant.close).toBeUndefined();
    grants.close();
  });
});

describe('the gcp-token backend (credential-broker run)', () => {
  it('mints once and answers a JSON document', async () => {
    const backend = createGcpTokenBackend(settings());
    const ctx = { env: { OIDC }, baseDir: dir, signal: new AbortController().signal, log: quiet };
    const doc = await backend.fetch(ref, ctx);
    const tree = doc.tree?.() as { access_token: string; token_type: string; expiry: string };
    expect(auth.isValid(tree.access_token)).toBe(true);
    expect(tree.token_type).toBe('Bearer');
    expect(Date.parse(tree.expiry)).toBe(doc.expiresAt?.getTime());
    await backend.close?.();
  });

  it('names the gcp-token settings in its hints when a step is refused', async () => {
    const backend = createGcpTokenBackend(settings());
    const ctx = { env: { OIDC }, baseDir: dir, signal: new AbortController().signal, log: quiet };
    auth.fail({ kind: 'impersonate', status: 403 });
    const refused = await backend.fetch(ref, ctx).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'MINT_FAILED', backend: 'gcp-token' });
    expect(String((refused as { hint?: string }).hint)).toContain('the gcp-token: ref');
    auth.fail({ kind: 'sts', status: 400 });
    const exchange = await createGcpTokenBackend(settings())
      .fetch(ref, ctx)
      .catch((error: unknown) => error);
    expect(String((exchange as { hint?: string }).hint)).toContain("backends['gcp-token'].audience");
    expect(JSON.stringify(exchange)).not.toContain(OIDC);
  });

  it('says which identity is missing', async () => {
    const backend = createGcpTokenBackend({});
    const ctx = { env: {}, baseDir: dir, signal: new AbortController().signal, log: quiet };
    await expect(backend.fetch(ref, ctx)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
