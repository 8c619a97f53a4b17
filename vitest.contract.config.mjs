import { credentialBroker } from 'credential-broker/vitest';
import { defineConfig } from 'vitest/config';
import { contractConfig } from './test/contract/services.mjs';

// `npm run test:contract` runs this once per service (CB_CONTRACT_SERVICE): the real endpoint when its address and
// credentials are in the environment, else egress stays off and the broker skips the test with its reason.
const contract = contractConfig(process.env.CB_CONTRACT_SERVICE ?? 'vault', process.env);

export default defineConfig({
  plugins: [credentialBroker({ config: contract.config, egress: contract.missing.length === 0 })],
  test: {
    include: ['test/contract/**/*.contract.mjs'],
    testTimeout: 60_000,
    reporters: ['verbose'],
  },
});
