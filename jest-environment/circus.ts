import type { Circus } from '@jest/types';

/** @internal The test's id as Jest builds it for `-t`: describe names and the test name, space-separated. */
export function testId(test: Circus.TestEntry): string {
  const names = [test.name];
  for (let block: Circus.DescribeBlock | undefined = test.parent; block?.parent !== undefined; block = block.parent) {
    names.unshift(block.name);
  }
  return names.join(' ');
}

/**
 * @internal Whether circus will skip this test for its own reasons (skip/todo, `.only` elsewhere, `-t`). Mirrors
 * `_runTestInContext` in jest-circus `run.ts`, which decides right after `test_start`: a test Jest is about to
 * skip must not make the broker resolve anything.
 */
export function jestWillSkip(test: Circus.TestEntry, state: Circus.State): boolean {
  return (
    test.parent.mode === 'skip' ||
    test.mode === 'skip' ||
    test.mode === 'todo' ||
    (state.hasFocusedTests && test.mode === undefined) ||
    (state.testNamePattern != null && !state.testNamePattern.test(testId(test)))
  );
}

/** @internal Every test under `block`, depth first. */
export function* testsUnder(block: Circus.DescribeBlock): Generator<Circus.TestEntry> {
  for (const child of block.children) {
    if (child.type === 'test') {
      yield child;
    } else {
      yield* testsUnder(child);
    }
  }
}

/** @internal The errors of a test, unwrapped from circus's `[error, asyncError]` pairs. */
export function testErrors(test: Circus.TestEntry): unknown[] {
  return test.errors.map((e) => (Array.isArray(e) ? e[0] : e));
}
