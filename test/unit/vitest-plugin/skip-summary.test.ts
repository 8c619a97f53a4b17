import { describe, expect, it } from 'vitest';
import { renderSkipSummary, skipNote } from '../../../vitest-plugin/skip-summary.js';

const hint = '; set CREDENTIAL_BROKER_EGRESS=1 to resolve it';
const vault = {
  name: 'DATABASE_URL',
  reason: `credential-broker: DATABASE_URL needs vault:secret/db#url (https://vault.internal:8200, self-hosted) but egress is disabled${hint}`,
};
const aws = {
  name: 'PAYMENTS_KEY',
  reason: `credential-broker: PAYMENTS_KEY needs aws-sm:payments/api#key (https://secretsmanager.eu-west-1.amazonaws.com, managed-cloud) but egress is disabled${hint}`,
};

describe(renderSkipSummary.name, () => {
  it('prints nothing when nothing was skipped for credentials', () => {
    expect(renderSkipSummary([])).toBeUndefined();
  });

  it('groups skipped tests under each missing credential, names sorted, and gives the egress hint once', () => {
    expect(
      renderSkipSummary([
        { title: 'tests/pay.test.ts > charges', missing: [aws, vault] },
        { title: 'tests/db.test.ts > reads rows', missing: [vault] },
      ])
    ).toBe(
      [
        'credential-broker: 2 tests skipped for missing credentials',
        '  DATABASE_URL needs vault:secret/db#url (https://vault.internal:8200, self-hosted) but egress is disabled — 2 tests',
        '    ↓ tests/pay.test.ts > charges',
        '    ↓ tests/db.test.ts > reads rows',
        '  PAYMENTS_KEY needs aws-sm:payments/api#key (https://secretsmanager.eu-west-1.amazonaws.com, managed-cloud) but egress is disabled — 1 test',
        '    ↓ tests/pay.test.ts > charges',
        '  Set CREDENTIAL_BROKER_EGRESS=1 (or credentialBroker({ egress: true })) to resolve them and run these tests.',
      ].join('\n')
    );
  });

  it('keeps a reason of another shape as it is, without the egress hint', () => {
    expect(renderSkipSummary([{ title: 't > one', missing: [{ name: 'X', reason: 'X is not available' }] }])).toBe(
      [
        'credential-broker: 1 test skipped for missing credentials',
        '  X is not available — 1 test',
        '    ↓ t > one',
      ].join('\n')
    );
  });
});

describe(skipNote.name, () => {
  it('joins the full reasons of every missing credential', () => {
    expect(skipNote([vault, aws])).toBe(`${vault.reason}; ${aws.reason}`);
  });
});
