import { describe, expect, test } from 'vitest';
import { summary } from '../../../jest-environment/reporter.js';

const reason = (name: string, ref: string) =>
  `credential-broker: ${name} needs ${ref} (https://vault.internal:8200, self-hosted) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it`;

describe(summary.name, () => {
  test('groups skipped tests by the missing credential, counts each test once, and cuts long lists', () => {
    const db = { name: 'DATABASE_URL', reason: reason('DATABASE_URL', 'vault:secret/db#url') };
    const token = { name: 'API_TOKEN', reason: reason('API_TOKEN', 'vault:secret/api#token') };
    const skips = [
      ...Array.from({ length: 12 }, (_, i) => ({ file: 'tests/db.test.js', test: `query ${i}`, credential: db })),
      { file: 'tests/api.test.js', test: 'both', credential: db },
      { file: 'tests/api.test.js', test: 'both', credential: token },
    ];
    expect(summary(skips)).toBe(
      [
        'credential-broker: 13 tests skipped because egress is disabled',
        '  DATABASE_URL needs vault:secret/db#url (https://vault.internal:8200, self-hosted) — 13 tests',
        ...Array.from({ length: 10 }, (_, i) => `    ○ tests/db.test.js › query ${i}`),
        '    … and 3 more',
        '  API_TOKEN needs vault:secret/api#token (https://vault.internal:8200, self-hosted) — 1 test',
        '    ○ tests/api.test.js › both',
        '  Set CREDENTIAL_BROKER_EGRESS=1 to resolve network credentials and run these tests.',
      ].join('\n')
    );
  });
});
