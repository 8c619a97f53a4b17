import { describe, expect, it } from 'vitest';
import { addSkipMessages, testcaseKey } from '../../../src/ci/junit-skips.js';

describe(addSkipMessages.name, () => {
  const xml = [
    '<testsuite name="tests/a &amp; b.test.ts">',
    '  <testcase classname="tests/a &amp; b.test.ts" name="db &gt; reads &quot;rows&quot;" time="0">',
    '    <skipped/>',
    '  </testcase>',
    '  <testcase classname="tests/a &amp; b.test.ts" name="other" time="0">',
    '    <skipped/>',
    '  </testcase>',
    '</testsuite>',
  ].join('\n');

  it('adds the reason, escaped, to the bare <skipped/> of a known testcase only', () => {
    const reasons = new Map([[testcaseKey('tests/a & b.test.ts', 'db > reads "rows"'), 'needs <DB> & "egress"']]);
    const out = addSkipMessages(xml, reasons);
    expect(out).toContain('<skipped message="needs &lt;DB&gt; &amp; &quot;egress&quot;"/>');
    expect(out.split('<skipped/>').length - 1).toBe(1);
    expect(addSkipMessages(xml, new Map())).toBe(xml);
  });
});
