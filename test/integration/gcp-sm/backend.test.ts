import { inspect } from 'node:util';
import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadGcpSdk } from '../../../src/backends/gcp-sm/client.js';
import { createGcpSmBackend } from '../../../src/backends/gcp-sm/index.js';
import type { BrokerError } from '../../../src/errors.js';
import { selectKey } from '../../../src/ref/index.js';
import { brokerRejection } from '../../helpers/rejection.js';
import { CANARY, context, type GcpFakes, gcpRef, startGcpFakes, wifSettings } from './harness.js';

let fakes: GcpFakes;
beforeAll(async () => {
  fakes = await startGcpFakes();
});
afterAll(() => fakes.close());
afterEach(() => {
  fakes.sm.requests.length = 0;
  fakes.auth.requests.length = 0;
  fakes.sm.corruptCrc = false;
  fakes.sm.latencyMs = 0;
});

const errors: BrokerError[] = [];
async function failure(promise: Promise<unknown>): Promise<BrokerError> {
  const error = await brokerRejection(promise);
  errors.push(error);
  return error;
}

describe(createGcpSmBackend.name, () => {
  it('reads a numbered version, and latest as the highest number, through the official gRPC client', async () => {
    const backend = createGcpSmBackend(wifSettings(fakes));
    const first = await backend.fetch(gcpRef('gcp-sm://my-proj/db?version=1'), context(fakes.dir));
    expect([first.text.reveal(), first.version]).toEqual([`${CANARY}_v1`, '1']);
    const ref = gcpRef('gcp-sm://my-proj/db#url');
    const latest = await backend.fetch(ref, context(fakes.dir));
    expect(latest.version).toBe('2');
    expect(selectKey(JSON.parse(latest.text.reveal()), ref.key!, 'x')).toBe(`postgres://app:${CANARY}@db/app`);
    expect(fakes.sm.requests.map((r) => [r.name, r.status, r.metadata['x-goog-request-params']])).toEqual([
      ['projects/my-proj/secrets/db/versions/1', 0, 'name=projects%2Fmy-proj%2Fsecrets%2Fdb%2Fversions%2F1'],
      ['projects/my-proj/secrets/db/versions/latest', 0, 'name=projects%2Fmy-proj%2Fsecrets%2Fdb%2Fversions%2Flatest'],
    ]);
    await backend.close?.();
  });

  it('reads a ref written as the full resource name', async () => {
    const backend = createGcpSmBackend(wifSettings(fakes));
    const doc = await backend.fetch(gcpRef('gcp-sm:projects/my-proj/secrets/db/versions/1'), context(fakes.dir));
    expect([doc.text.reveal(), doc.version]).toEqual([`${CANARY}_v1`, '1']);
    await backend.close?.();
  });

  it('refuses a payload whose CRC-32C does not match (the client does not check it)', async () => {
    fakes.sm.corruptCrc = true;
    const backend = createGcpSmBackend(wifSettings(fakes));
    const error = await failure(backend.fetch(gcpRef('gcp-sm://my-proj/db?version=1'), context(fakes.dir)));
    expect(error.code).toBe('INTEGRITY');
    expect(error.message).toBe(
      'gcp-sm: access "gcp-sm:my-proj/db?version=1": the payload does not match the CRC-32C checksum sent with it. The data was altered between Secret Manager and here (a proxy, or a fake); nothing was used'
    );
    await backend.close?.();
  });

  it.each([
    [
      'gcp-sm://my-proj/nope',
      'NOT_FOUND',
      'gcp-sm: access "gcp-sm:my-proj/nope": no such secret or version. Check the project, the secret id and ?version (gcloud secrets versions list <secret>)',
    ],
    [
      'gcp-sm://my-proj/db?version=9',
      'NOT_FOUND',
      'gcp-sm: access "gcp-sm:my-proj/db?version=9": no such secret or version. Check the project, the secret id and ?version (gcloud secrets versions list <secret>)',
    ],
    [
      'gcp-sm://my-proj/old?version=1',
      'NOT_FOUND',
      'gcp-sm: access "gcp-sm:my-proj/old?version=1": the version is disabled or destroyed. Enable it (gcloud secrets versions enable), or pick another with ?version=',
    ],
    [
      'gcp-sm://my-proj/old',
      'NOT_FOUND',
      'gcp-sm: access "gcp-sm:my-proj/old": the version is disabled or destroyed. Enable it (gcloud secrets versions enable), or pick another with ?version=',
    ],
    [
      'gcp-sm://my-proj/forbidden',
      'DENIED',
      'gcp-sm: access "gcp-sm:my-proj/forbidden": permission to access the secret version was denied. Grant roles/secretmanager.secretAccessor on the secret to the identity in auth',
    ],
    [
      'gcp-sm://my-proj/binary',
      'UNSUPPORTED',
      'gcp-sm: access "gcp-sm:my-proj/binary": the payload is not UTF-8 text. Store binary secrets base64-encoded',
    ],
  ])('maps %s to %s', async (text, code, message) => {
    const backend = createGcpSmBackend(wifSettings(fakes));
    const error = await failure(backend.fetch(gcpRef(text), context(fakes.dir)));
    expect([error.code, error.transient, error.message]).toEqual([code, false, message]);
    await backend.close?.();
  });

  it.each([
    [status.UNAVAILABLE, 'UNAVAILABLE'],
    [status.RESOURCE_EXHAUSTED, 'UNAVAILABLE'],
    [status.INTERNAL, 'UNAVAILABLE'],
    [status.DEADLINE_EXCEEDED, 'TIMEOUT'],
  ])('answers gRPC status %s with a transient %s after one call (gax retries are off)', async (grpcStatus, code) => {
    fakes.sm.fail({ code: grpcStatus, details: `boom ${CANARY}` });
    const backend = createGcpSmBackend(wifSettings(fakes));
    const error = await failure(backend.fetch(gcpRef('gcp-sm://my-proj/db'), context(fakes.dir)));
    expect([error.code, error.transient]).toEqual([code, true]);
    expect(error.message).toBe(
      code === 'TIMEOUT'
        ? 'gcp-sm: access "gcp-sm:my-proj/db": Secret Manager did not answer within the call deadline. A retry may succeed'
        : `gcp-sm: access "gcp-sm:my-proj/db": Secret Manager at ${fakes.sm.url} is unavailable or throttling (gRPC ${grpcStatus}). A retry may succeed; check the endpoint and the network path to it`
    );
    expect(fakes.sm.requests).toHaveLength(1);
    await backend.close?.();
  });

  it('cancels the call when the signal aborts: TIMEOUT, and the server sees the cancellation', async () => {
    fakes.sm.latencyMs = 5_000;
    const backend = createGcpSmBackend(wifSettings(fakes));
    const controller = new AbortController();
    const pending = failure(
      backend.fetch(gcpRef('gcp-sm://my-proj/db'), context(fakes.dir, undefined, controller.signal))
    );
    await expect.poll(() => fakes.sm.requests.length).toBe(1);
    controller.abort();
    const error = await pending;
    expect([error.code, error.transient, error.message]).toEqual([
      'TIMEOUT',
      true,
      'gcp-sm: access "gcp-sm:my-proj/db": the request was cancelled before Secret Manager answered. Raise resolve.timeoutMs, or check the endpoint is responsive',
    ]);
    await expect.poll(() => fakes.sm.requests[0]?.status).toBe('cancelled');
    await backend.close?.();
  });

  it('refuses a plain http endpoint: gRPC would not send the token', async () => {
    const backend = createGcpSmBackend({ ...wifSettings(fakes), endpoint: 'http://localhost:1' });
    const error = await failure(backend.fetch(gcpRef('gcp-sm://my-proj/db'), context(fakes.dir)));
    expect(error.message).toBe(
      'gcp-sm: connect: endpoint http://localhost:1 is not https. gRPC sends access tokens only over TLS; use an https:// endpoint (caFile for a private CA)'
    );
  });

  it('names a caFile it cannot read', async () => {
    const backend = createGcpSmBackend({ ...wifSettings(fakes), caFile: 'missing-ca.pem' });
    const error = await failure(backend.fetch(gcpRef('gcp-sm://my-proj/db'), context(fakes.dir)));
    expect(error.message).toBe(
      `gcp-sm: connect: cannot read caFile ${fakes.dir}/missing-ca.pem (ENOENT). Point caFile at the PEM certificate of the CA that signs the endpoint, relative to the config`
    );
  });

  it('reports a missing SDK with the package to install', async () => {
    const message =
      'gcp-sm: load client: @google-cloud/secret-manager is not installed. npm install -D @google-cloud/secret-manager to use gcp-sm: references';
    const error = await failure(loadGcpSdk(`${fakes.dir}/nowhere.js`));
    expect([error.code, error.message]).toEqual(['MISSING_DEPENDENCY', message]);
    const backend = createGcpSmBackend(wifSettings(fakes), { loadSdk: () => loadGcpSdk(`${fakes.dir}/nowhere.js`) });
    expect((await failure(backend.fetch(gcpRef('gcp-sm://my-proj/db'), context(fakes.dir)))).message).toBe(message);
    expect(fakes.sm.requests).toEqual([]);
  });

  it('puts no secret value in any error, its cause or its inspection', () => {
    expect(errors.length).toBeGreaterThan(10);
    for (const error of errors) {
      for (const text of [error.message, JSON.stringify(error), inspect(error, { depth: 10 })]) {
        expect(text).not.toContain(`${CANARY}_`);
        expect(text).not.toContain(`app:${CANARY}`);
      }
    }
  });
});
