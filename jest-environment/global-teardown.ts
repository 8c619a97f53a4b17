/** `credential-broker/jest-global-teardown`: closes the run's session and wipes its scratch root. */
import type { Config } from '@jest/types';
import type { BrokerSession } from '../src/host/index.js';
import { finishJestRun } from './ci.js';
import { MAIN_SESSION } from './constants.js';
import { writeJUnitSkips } from './junit-skips.js';

/** @public Jest `globalTeardown`. Safe to call when global setup did not run or failed. */
export default async function credentialBrokerGlobalTeardown(globalConfig?: Config.GlobalConfig): Promise<void> {
  // jest-junit wrote its report in its `onRunComplete`, which Jest awaits before global teardown.
  writeJUnitSkips();
  finishJestRun(globalConfig);
  const main = globalThis as unknown as Record<symbol, BrokerSession | undefined>;
  const session = main[MAIN_SESSION];
  main[MAIN_SESSION] = undefined;
  await session?.close();
}
