import { describe, expect, it } from 'vitest';
import { renderSkipSummary, skipNote } from '../../../vitest-plugin/skip-summary.js';

const vault = {
  name: 'DATABASE_URL',
  reason: 'credential-broker: DATABASE_URL needs vault:secret/db#url … egress is disabled',
};
const aws = {
  name: 'PAYMENTS_KEY',
  reason: 'credential-broker: PAYMENTS_KEY needs aws-sm://payments/api#key … egress is disabled',
};

describe(renderSkipSummary.name, () => {
  it('prints nothing when nothing was skipped for credentials', () => {
    expect(renderSkipSummary([])).toBeUndefined();
  });

  it('groups skipped tests under each missing credential, names sorted, a test under every name it missed', () => {
    expect(
      renderSkipSummary([
        { title: 'tests/pay.test.ts > charges', missing: [aws, vault] },
        { title: 'tests/db.test.ts > reads rows', missing: [vault] },
      ])
    ).toBe(
      [
        'credential-broker: 2 tests skipped for missing credentials',
        `  DATABASE_URL (2): ${vault.reason}`,
        '    ↓ tests/pay.test.ts > charges',
        '    ↓ tests/db.test.ts > reads rows',
        `  PAYMENTS_KEY (1): ${aws.reason}`,
        '    ↓ tests/pay.test.ts > charges',
      ].join('\n')
    );
  });

  it('says "test" for one', () => {
    expect(renderSkipSummary([{ title: 't > one', missing: [vault] }])?.split('\n')[0]).toBe(
      'credential-broker: 1 test skipped for missing credentials'
    );
  });
});

describe(skipNote.name, () => {
  it('joins the reasons of every missing credential', () => {
    expect(skipNote([vault, aws])).toBe(`${vault.reason}; ${aws.reason}`);
  });
});
