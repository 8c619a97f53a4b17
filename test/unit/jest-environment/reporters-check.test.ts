/**
 * The warning when Jest's `reporters` leaves ours out. Jest hands it the reporters resolved: ours is the
 * jest-reporter.cjs next to the global setup's bundle (here, next to the source file).
 */
import { join, resolve } from 'node:path';
import type { Config } from '@jest/types';
import { describe, expect, it } from 'vitest';
import { missingReporterWarning } from '../../../jest-environment/reporters-check.js';

const ours = join(resolve(import.meta.dirname, '../../../jest-environment'), 'jest-reporter.cjs');
const config = (reporters: unknown): Config.GlobalConfig => ({ reporters }) as unknown as Config.GlobalConfig;

describe(missingReporterWarning.name, () => {
  it("warns when reporters is set without ours, naming the key and the fix (a file of another's name too)", () => {
    for (const reporters of [[['default', {}]], [['/elsewhere/jest-reporter.cjs', {}], 'default']]) {
      const warning = missingReporterWarning(config(reporters));
      expect(warning).toContain("`reporters` does not list 'credential-broker/jest-reporter'");
      expect(warning).toContain("List it first: reporters: ['credential-broker/jest-reporter', 'default', …]");
    }
  });

  it('says nothing when ours is listed, in any place, or when reporters is not set', () => {
    expect(
      missingReporterWarning(
        config([
          [ours, {}],
          ['default', {}],
        ])
      )
    ).toBeUndefined();
    expect(missingReporterWarning(config(['default', ours]))).toBeUndefined();
    expect(missingReporterWarning(config(undefined))).toBeUndefined();
  });
});
