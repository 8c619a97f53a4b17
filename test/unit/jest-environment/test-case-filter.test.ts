import { describe, expect, test } from 'vitest';
import { mayCarryValues } from '../../../jest-environment/test-case-filter.js';

describe(mayCarryValues.name, () => {
  test('skips a passing test case (its name was scrubbed when it was defined)', () => {
    expect(
      mayCarryValues({ title: 't', fullName: 'd t', failureMessages: [], failureDetails: [], retryReasons: [] })
    ).toBe(false);
    expect(mayCarryValues({ title: 't', fullName: 'd t', ancestorTitles: ['d'], mode: undefined })).toBe(false);
  });

  test('checks failures, retried failures, strings and anything unknown', () => {
    expect(mayCarryValues({ title: 't', failureMessages: ['Error: x'] })).toBe(true);
    expect(mayCarryValues({ title: 't', failureMessages: [], retryReasons: ['Error: x'] })).toBe(true);
    expect(mayCarryValues('/project/tests/a.test.js')).toBe(true);
    expect(mayCarryValues({ something: 'else' })).toBe(true);
    expect(mayCarryValues(42)).toBe(false);
  });
});
