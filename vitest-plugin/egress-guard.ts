import { onTestFinished, type RunnerTestCase, TestRunner } from 'vitest';
import {
  describeFinding,
  EgressRefusedError,
  findingsMark,
  findingsSince,
  type GuardPolicy,
  guardState,
  setCurrentTest,
} from '../src/guard/index.js';

/** @internal What the setup file tells the egress guard about Vitest's tests. */
export interface TestGuard {
  /**
   * A test starts. Returns what to run when it finishes (copy its findings to `task.meta.egressFindings`, the JSON
   * reporter's `meta`, and fail it when strict mode refused a connection its code swallowed), or undefined while no
   * guard is installed in this process: then nothing can be found, and the test needs no hook of ours.
   */
  begin(task: RunnerTestCase): (() => void) | undefined;
  /** A guard was just installed (it comes with the run's first claim, perhaps in the middle of a test). */
  installed(): void;
}

/** @internal The guard's part in each test; undefined when the policy is off. */
export function testGuard(policy: GuardPolicy | undefined): TestGuard | undefined {
  const mode = policy?.mode;
  if (mode === undefined || mode === 'off') {
    return undefined;
  }
  // Vitest's own notion of the running test (set before beforeEach, cleared after onTestFinished): naming it costs
  // no hook, so a test file that never claims pays nothing per test for the guard.
  const nameRunningTest = () => setCurrentTest(() => TestRunner.getCurrentTest()?.fullName);
  const finishOf = (task: RunnerTestCase) => {
    const mark = findingsMark();
    return () => {
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
    };
  };
  nameRunningTest();
  return {
    begin: (task) => (guardState() === undefined ? undefined : finishOf(task)),
    installed: () => {
      nameRunningTest();
      const running = TestRunner.getCurrentTest();
      if (running !== undefined) {
        onTestFinished(finishOf(running));
      }
    },
  };
}
