import { describe, expect, it } from 'vitest';
import { buildAudit } from '../../../src/ci/audit.js';
import { renderRevocations, renderStepSummary } from '../../../src/ci/step-summary.js';
import type { Manifest } from '../../../src/egress/manifest.js';
import { RunRecord } from '../../../src/host/run-record.js';
import { Scrubber } from '../../../src/scrub/index.js';

const VALUE = 'CANARY-SUMMARY-81be0c-SENTINEL';

const manifest = {
  version: 1,
  egress: { enabled: false, source: 'default' },
  credentials: [
    {
      name: 'API_TOKEN',
      ref: 'env:SOURCE',
      badge: 'local',
      delivery: { as: 'env' },
      status: 'resolve',
      declaredIn: ['config'],
    },
    {
      name: 'DB_URL',
      ref: 'vault:secret/db#url',
      badge: 'self-hosted',
      delivery: { as: 'file' },
      destination: { endpoint: 'postgres://db.internal:5432' },
      status: 'skipped-egress-disabled',
      declaredIn: ['config'],
    },
  ],
  logins: [],
} as unknown as Manifest;

describe('renderStepSummary', () => {
  it('shows the manifest, tests per credential, skips by reason and the scan — and no value, even in a test name', () => {
    const record = new RunRecord(Date.UTC(2026, 0, 1));
    record.setTests('vitest', [
      {
        file: 'a.test.ts',
        test: 'one',
        status: 'passed',
        credentials: ['API_TOKEN'],
        startedAt: Date.UTC(2026, 0, 1, 0, 0, 1),
        durationMs: 5,
      },
      { file: 'a.test.ts', test: `two ${VALUE}`, status: 'failed', credentials: ['API_TOKEN'] },
      {
        file: 'b.test.ts',
        test: 'three',
        status: 'skipped',
        credentials: [],
        skipped: [{ name: 'DB_URL', reason: 'credential-broker: DB_URL needs vault' }],
      },
    ]);
    const scrubber = new Scrubber();
    scrubber.add(VALUE, 'API_TOKEN');
    const scan = {
      findings: [{ path: '/p/logs/debug.log', line: 2, name: 'API_TOKEN', created: true }],
      files: 3,
      bytes: 120,
    };
    const audit = buildAudit(manifest, record, scan, (p) => p.replace('/p/', ''));
    const md = renderStepSummary(audit, (t) => scrubber.scrub(t));
    expect(md).toContain('| API_TOKEN | `env:SOURCE` | 🔒 local | env | — | 2 |');
    expect(md).toContain(
      '| DB_URL | `vault:secret/db#url` | 🏠 self-hosted | file | postgres://db.internal:5432 | skipped |'
    );
    expect(md).toContain('**DB_URL needs vault** — 1 test(s)');
    expect(md).toContain('- b.test.ts › three');
    expect(md).toContain('3 scanned (120 bytes), 1 value(s) found');
    expect(md).toContain('`logs/debug.log:2`: API_TOKEN');
    expect(md).toContain('| a.test.ts › one | API_TOKEN | env | 2026-01-01T00:00:01.000Z | 2026-01-01T00:00:01.005Z |');
    expect(md).toContain('two [redacted:API_TOKEN]');
    expect(md).not.toContain(VALUE);
  });

  it('lists what was minted (identity, expiry) and, once the backends closed, what was revoked', () => {
    const record = new RunRecord(Date.UTC(2026, 0, 1));
    record.setTests('vitest', []);
    record.minted({
      backend: 'aws-sm',
      identity: 'role arn:aws:iam::1:role/ci',
      expiresAt: new Date(Date.UTC(2026, 0, 1, 1)),
    });
    record.minted({ backend: 'vault', identity: 'jwt login at auth/jwt, role ci', expiresAt: undefined });
    const md = renderStepSummary(
      buildAudit(manifest, record, undefined, (p) => p),
      (t) => t
    );
    expect(md).toMatch(/\| aws-sm \| role arn:aws:iam::1:role\/ci \| \S+ \| 2026-01-01T01:00:00.000Z \|/);
    expect(md).toMatch(/\| vault \| jwt login at auth\/jwt, role ci \| \S+ \| no expiry \|/);
    record.revoked({ backend: 'vault', what: 'lease', of: 'vault:database/creds/ci', ok: true });
    record.revoked({ backend: 'vault', what: 'token', of: 'jwt login at auth/jwt, role ci', ok: false });
    const revoked = renderRevocations(buildAudit(manifest, record, undefined, (p) => p).revoked, (t) => t);
    expect(revoked).toContain('Revoked when the run ended: 1 of 2 lease(s) and token(s)');
    expect(revoked).toContain('- vault lease of `vault:database/creds/ci`\n');
    expect(revoked).toContain('- vault token of `jwt login at auth/jwt, role ci` — not revoked, lapses at its expiry');
  });
});
