import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { normaliseCredentials } from '../../../src/config/normalise.js';
import { configSchema } from '../../../src/config/schema.js';
import { createMintedCredentials } from '../../../src/host/minted/index.js';
import type { VaultTokenRef } from '../../../src/ref/types.js';
import { Scrubber } from '../../../src/scrub/index.js';
import { type FakeVault, startFakeVault } from '../../../src/testing/vault/index.js';
import './harness.js';

const PARENT = 'hvs.TEST_ONLY_minted_grant_parent';

let vault: FakeVault;
let scratch: string;
beforeAll(async () => {
  vault = await startFakeVault({ tokens: { [PARENT]: {} }, tokenRoles: { 'ci-reader': {} } });
  scratch = await mkdtemp(join(tmpdir(), 'minted-grant-'));
});
afterAll(async () => {
  await vault.close();
  await rm(scratch, { recursive: true, force: true });
});

it('says out loud when a child token is too short to be scrubbed, as for any other credential', async () => {
  const lines: string[] = [];
  const log = { debug: () => undefined, info: () => undefined, warn: (m: string) => lines.push(m) };
  const spec = normaliseCredentials(configSchema.parse({ credentials: { V: 'vault-token:ci-reader' } })).get('V');
  const controller = new AbortController();
  const minted = createMintedCredentials({
    backends: { vault: { address: vault.url } },
    env: { VAULT_TOKEN: PARENT },
    baseDir: scratch,
    // Longer than any token Vault issues: every child token is "too short".
    scrubber: new Scrubber({ minLength: 1000 }),
    log,
    scratchDir: scratch,
    signal: controller.signal,
  });
  try {
    await minted.grant(spec as NonNullable<typeof spec> & { readonly ref: VaultTokenRef });
    expect(vault.children.length).toBe(1);
    expect(lines).toEqual([
      'scrub: credential "V" is shorter than 1000 characters, so it is NOT redacted from output. Use a longer value or lower the scrub minimum length.',
    ]);
  } finally {
    controller.abort();
    await minted.close();
  }
  expect(vault.children[0]?.revoked).toBe(true);
});
