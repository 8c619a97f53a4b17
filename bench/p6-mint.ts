/**
 * P6: mints per run for `aws-sts:` credentials. A session in this process grants the same minted credential to many
 * tests against the local STS (src/testing/aws), counting the AssumeRoleWithWebIdentity requests it receives:
 * 100 concurrent tests → 1 mint (single flight); over a run, ⌈run / refresh interval⌉ mints (the local STS issues
 * short sessions, so the refresh interval — half their lifetime — is seconds, not minutes).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startSession } from '../src/host/index.js';
import { startAwsFake } from '../src/testing/aws/index.js';
import type { Figure } from './figure.js';

const ROLE = 'arn:aws:iam::123456789012:role/bench';
const TOKEN = 'SENTINEL-BENCH-OIDC-TOKEN';
const LIFETIME_SECONDS = 4;
const RUN_MS = 9_000;

export async function p6(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-p6-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
  const fake = await startAwsFake({
    webIdentity: { tokens: [TOKEN], roles: [ROLE], credentialLifetimeSeconds: LIFETIME_SECONDS },
  });
  const mintsSoFar = () => fake.requests.filter((r) => r.service === 'sts').length;
  const session = await startSession({
    serve: false,
    egress: true,
    cwd: dir,
    config: {
      backends: { 'aws-sts': { token: { file: tokenFile }, stsEndpoint: fake.url } },
      credentials: { AWS_CI: { ref: `aws-sts:${ROLE}`, as: 'env' } },
    },
  });
  try {
    const grants = await Promise.all(Array.from({ length: 100 }, () => session.grant(undefined, ['AWS_CI'])));
    if (grants.some(([g]) => g?.status !== 'ok')) {
      throw new Error('P6: a grant failed');
    }
    const concurrent = mintsSoFar();

    // A run: a test every 50 ms for RUN_MS; the credential is re-minted each time it enters its refresh window.
    const before = mintsSoFar();
    const started = Date.now();
    while (Date.now() - started < RUN_MS) {
      await session.grant(undefined, ['AWS_CI']);
      await delay(50);
    }
    const elapsed = Date.now() - started;
    const overRun = mintsSoFar() - before;
    // STS expirations have whole seconds, so a session lives between LIFETIME-1 and LIFETIME seconds.
    const interval = ((LIFETIME_SECONDS - 1) * 1000) / 2;
    const expected = Math.ceil(elapsed / interval);
    return [
      {
        id: 'P6-CONCURRENT',
        name: '100 concurrent tests declaring one aws-sts: credential: STS requests',
        value: concurrent,
        unit: 'mints',
        goal: '= 1',
        pass: concurrent === 1,
      },
      {
        id: 'P6-RUN',
        name: `mints over a ${Math.round(elapsed / 1000)} s run of the same credential (${LIFETIME_SECONDS} s sessions, refresh window half of that)`,
        value: overRun,
        unit: 'mints',
        goal: `≤ ⌈run / refresh interval⌉ = ${expected}`,
        pass: overRun >= 1 && overRun <= expected,
      },
    ];
  } finally {
    await session.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
