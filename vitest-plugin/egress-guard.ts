import { beforeEach } from 'vitest';
import {
  describeFinding,
  EgressRefusedError,
  findingsMark,
  findingsSince,
  type GuardPolicy,
  setCurrentTest,
} from '../src/guard/index.js';

/**
 * @internal Per test: name the running test in the guard's findings, copy them to `task.meta.egressFindings` (the JSON
 * reporter's `meta`), and fail a test whose connection strict mode refused even when its code swallowed the error.
 * Returns what names the running test to a guard installed later (call it once installed).
 */
export function guardEachTest(policy: GuardPolicy | undefined): () => void {
  const mode = policy?.mode;
  if (mode === undefined || mode === 'off') {
    return () => {};
  }
  let current: string | undefined;
  const nameRunningTest = () => setCurrentTest(() => current);
  nameRunningTest();
  beforeEach(({ task, onTestFinished }) => {
    current = task.fullName;
    // Before the guard is installed (it comes with the run's first claim) there are no findings: the mark is 0.
    const mark = findingsMark();
    onTestFinished(() => {
      current = undefined;
      const found = findingsSince(mark);
      if (found.length === 0) {
        return;
      }
      task.meta.egressFindings = found.map(describeFinding);
      const refused = found.filter((f) => f.refused);
      if (refused.length > 0 && task.result?.state !== 'fail') {
        throw new EgressRefusedError(
          `credential-broker egress guard (strict) refused ${refused.map(describeFinding).join('; ')}`
        );
      }
    });
  });
  return nameRunningTest;
}
