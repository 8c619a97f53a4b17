import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Manifest } from '../egress/manifest.js';
import type { RunRecord } from '../host/run-record.js';
import type { ChangedFilesScan } from '../scan/index.js';

/** @public The audit record of one run (`audit.file`). Names, refs, times and places only — never a value. */
export interface AuditRecord {
  readonly version: 1;
  readonly runner: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly egress: Manifest['egress'];
  /** Every declared credential: where it comes from and how it is delivered. */
  readonly credentials: readonly {
    readonly name: string;
    readonly ref: string;
    readonly badge: string;
    readonly delivery: string;
    readonly destination?: string;
    readonly status: string;
  }[];
  /** Which test held which credential, from when to when (the test's own span: acquired before, wiped after). */
  readonly holds: readonly {
    readonly file: string;
    readonly test: string;
    readonly credential: string;
    readonly delivery: string;
    readonly from?: string;
    readonly to?: string;
  }[];
  /** Each time the main process handed credentials to a requester (a test file, or `run`'s child). */
  readonly grants: readonly {
    readonly requester: string;
    readonly credential: string;
    readonly delivery: string;
    readonly at: string;
  }[];
  /** The logins the run performs to mint short-lived credentials: backend and identity (method, role). */
  readonly logins: readonly { readonly backend: string; readonly method: string; readonly token?: string }[];
  /** Each short-lived credential the backends minted: as which identity, when, valid until when. Never the token. */
  readonly mints: readonly {
    readonly backend: string;
    readonly identity: string;
    readonly at: string;
    readonly expiresAt?: string;
  }[];
  /**
   * Leases and tokens revoked when the run ended (`ok: false`: the backend refused or did not answer; they lapse at
   * their expiry). Filled in after the backends close, so the file is written a second time when there are any.
   */
  readonly revoked: readonly {
    readonly backend: string;
    readonly what: 'lease' | 'token';
    readonly of: string;
    readonly ok: boolean;
    readonly at: string;
  }[];
  readonly skipped: readonly {
    readonly file: string;
    readonly test: string;
    readonly credential: string;
    readonly reason: string;
  }[];
  readonly scan?: {
    readonly files: number;
    readonly bytes: number;
    readonly findings: readonly {
      readonly path: string;
      readonly line: number;
      readonly credential: string;
      /** Set when the value is in the entry's name or a link's target (line 0), not in the content. */
      readonly in?: 'name' | 'link target';
    }[];
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

export function buildAudit(
  manifest: Manifest,
  record: RunRecord,
  scan: ChangedFilesScan | undefined,
  relativeTo: (path: string) => string,
  endedAt = Date.now()
): AuditRecord {
  const deliveries = new Map(manifest.credentials.map((c) => [c.name, c.delivery.as]));
  return {
    version: 1,
    runner: record.runner ?? 'unknown',
    startedAt: iso(record.startedAt),
    endedAt: iso(endedAt),
    egress: manifest.egress,
    credentials: manifest.credentials.map((c) => ({
      name: c.name,
      ref: c.ref,
      badge: c.badge,
      delivery: c.delivery.as,
      ...(c.destination === undefined ? {} : { destination: c.destination.endpoint }),
      status: c.status,
    })),
    holds: record.tests
      .filter((t) => t.status === 'passed' || t.status === 'failed')
      .flatMap((t) =>
        t.credentials.map((credential) => ({
          file: t.file,
          test: t.test,
          credential,
          delivery: deliveries.get(credential) ?? 'env',
          ...(t.startedAt === undefined ? {} : { from: iso(t.startedAt) }),
          ...(t.startedAt === undefined || t.durationMs === undefined
            ? {}
            : { to: iso(t.startedAt + Math.ceil(t.durationMs)) }),
        }))
      ),
    grants: record.grants.map((g) => ({
      requester: g.requester === undefined ? 'run' : relativeTo(g.requester),
      credential: g.name,
      delivery: g.delivery,
      at: iso(g.at),
    })),
    logins: manifest.logins.map((l) => ({
      backend: l.backend,
      method: l.method,
      ...(l.token === undefined ? {} : { token: l.token }),
    })),
    mints: record.mints.map((m) => ({
      backend: m.backend,
      identity: m.identity,
      at: iso(m.at),
      ...(m.expiresAt === undefined ? {} : { expiresAt: m.expiresAt.toISOString() }),
    })),
    revoked: revokedIn(record),
    skipped: record.tests.flatMap((t) =>
      (t.skipped ?? []).map((s) => ({ file: t.file, test: t.test, credential: s.name, reason: s.reason }))
    ),
    ...(scan === undefined
      ? {}
      : {
          scan: {
            files: scan.files,
            bytes: scan.bytes,
            findings: scan.findings.map((f) => ({
              path: relativeTo(f.path),
              line: f.line,
              credential: f.name,
              ...(f.in === undefined ? {} : { in: f.in }),
            })),
          },
        }),
  };
}

/** The record's revocations as the audit writes them (they arrive after the runner's end: see finishRun). */
export function revokedIn(record: RunRecord): AuditRecord['revoked'] {
  return record.revocations.map((r) => ({ backend: r.backend, what: r.what, of: r.of, ok: r.ok, at: iso(r.at) }));
}

export function writeAudit(path: string, audit: AuditRecord): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(audit, null, 2)}\n`);
}
