import { beforeEach } from 'vitest';
import {
  describeFinding,
  EgressRefusedError,
  findingsMark,
  findingsSince,
  guardState,
  setCurrentTest,
} from '../src/guard/index.js';

/**
 * @internal Per test: name the running test in the guard's findings, copy them to `task.meta.egressFindings` (the JSON
 * reporter's `meta`), and fail a test whose connection strict mode refused even when its code swallowed the error.
 */
export function guardEachTest(): void {
  const mode = guardState()?.policy.mode;
  if (mode === undefined || mode === 'off') {
    return;
  }
  let current: string | undefined;
  setCurrentTest(() => current);
  beforeEach(({ task, onTestFinished }) => {
    current = task.fullName;
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
}
