import { createHash } from 'node:crypto';
import { test } from 'credential-broker/vitest';
import { expect } from 'vitest';

const service = process.env.CB_CONTRACT_SERVICE ?? 'vault';

// The same path the local servers prove: the broker's backend, the official SDK, the real service. With egress off
// (the service's variables incomplete) the broker skips this test before it starts and says why.
test(`${service}: CONTRACT_SECRET resolves through the official SDK from the real service`, async ({ credentials }) => {
  const { CONTRACT_SECRET } = await credentials('CONTRACT_SECRET');
  expect(CONTRACT_SECRET?.length ?? 0).toBeGreaterThan(0);
  // Optional: the SHA-256 of the expected value, so the check is exact without the value in the environment.
  const digest = process.env.CB_CONTRACT_SHA256;
  if (digest !== undefined && digest !== '') {
    expect(
      createHash('sha256')
        .update(CONTRACT_SECRET ?? '')
        .digest('hex')
    ).toBe(digest);
  }
});
