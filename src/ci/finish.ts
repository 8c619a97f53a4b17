import { relative, resolve } from 'node:path';
import { refPath } from '../backends/secret-file.js';
import { appendStepSummary, onGitHubActions } from '../host/github-actions.js';
import type { BrokerSession } from '../host/session.js';
import {
  type ChangedFilesScan,
  type ChangedName,
  changedFilesSince,
  type FindingSource,
  renderFindings,
  scanChangedFiles,
  scanChangedNames,
} from '../scan/index.js';
import { scrubDeep } from '../scrub/scrub-deep.js';
import { type AuditRecord, buildAudit, revokedIn, writeAudit } from './audit.js';
import { renderRevocations, renderStepSummary } from './step-summary.js';

export interface FinishRunOptions {
  /** The project root: walked for files changed during the run. */
  readonly root: string;
  /** Report files, coverage and snapshot directories the runner writes, also when outside the root. */
  readonly extraRoots?: readonly string[];
  /**
   * The runner's own report files (`outputFile`): scanned wherever they are, and redacted in place like files the run
   * created even when they existed before or the runner opened them before the run's start (they are the runner's).
   */
  readonly outputs?: readonly string[];
  /** `--audit FILE` of `run`; else the config's `audit.file`. Relative to the config's directory. */
  readonly auditFile?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the broker's lines go (stderr). */
  readonly write?: (text: string) => void;
}

/** @internal What {@link finishRun} found: whether the run must fail, and the scan's figures. */
export interface FinishedRun {
  readonly failed: boolean;
  readonly scan: ChangedFilesScan;
  /** The files the scan read (absolute paths): a later walk ({@link scanLateWrites}) leaves them out. */
  readonly scanned: readonly string[];
}

/**
 * The end of every run, in the main process, while the session's scrubber still knows every value: scan the files
 * written during the run (fail on a value, redact created files, report pre-existing ones), then write the audit
 * record and the GitHub step summary. Synchronous, so it also works from an exit handler.
 */
export function finishRun(session: BrokerSession, options: FinishRunOptions): FinishedRun {
  const env = options.env ?? process.env;
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const record = session.ci;
  const root = resolve(options.root);
  const show = (path: string) => {
    const rel = relative(root, path);
    return rel.startsWith('..') ? path : rel;
  };
  const outputs = (options.outputs ?? []).map((p) => resolve(root, p));
  const auditFile = options.auditFile ?? session.config.config.audit?.file;
  const auditPath = auditFile === undefined ? undefined : resolve(session.configDir, auditFile);

  // A run that resolved nothing has nothing that could be in a file: it pays no walk.
  const walked =
    session.scrubber.size === 0
      ? undefined
      : scanWalk(
          session,
          {
            roots: [root, ...outputs, ...(options.extraRoots ?? []), ...record.extraRoots],
            since: record.startedAt,
            outputs,
            exclude: auditPath === undefined ? [] : [auditPath],
            root,
          },
          write
        );
  const scan = walked?.scan ?? NOTHING_SCANNED;

  const scrub = (text: string) => session.scrubber.scrub(text);
  const audit = buildAudit(session.manifest(), record, scan, show);
  // Built from names and times only; the scrub is the proof's second half (a test name could hold a value).
  const writeFile = (record: AuditRecord) => {
    if (auditPath !== undefined) {
      writeAudit(auditPath, scrubDeep(structuredClone(record), session.scrubber));
    }
  };
  writeFile(audit);
  const summary = onGitHubActions(env) && session.config.config.ci?.githubSummary !== false;
  if (summary) {
    appendStepSummary(env, renderStepSummary(audit, scrub));
  }
  // Leases and minted tokens are revoked when the session closes, after the runner's end: complete the record then.
  record.afterClose.push(() => {
    if (record.revocations.length === 0) {
      return;
    }
    const revoked = revokedIn(record);
    writeFile({ ...audit, revoked });
    if (summary) {
      appendStepSummary(env, renderRevocations(revoked, scrub));
    }
  });
  return { failed: scan.findings.length > 0, scan, scanned: walked?.scanned ?? [] };
}

/** @internal What {@link scanLateWrites} (and the run's own scan) walks. */
export interface LateWrites {
  /** Files and directories to walk. */
  readonly roots: readonly string[];
  /** Only what changed after this (ms since the epoch; a file born after the run's start may be the run's). */
  readonly since: number;
  /** The runner's own report files among them: the run's, redacted in place whatever existed before. */
  readonly outputs?: readonly string[];
  /** Paths never reported nor descended into (a report another call scans). */
  readonly exclude?: readonly string[];
  /** What paths are shown relative to. */
  readonly root: string;
}

/**
 * @internal What the runner writes after {@link finishRun}: Jest writes `--json --outputFile` and runs
 * `testResultsProcessor` (which writes a report of its own, jest-sonar-reporter's for one) after global teardown.
 * Scanned as finishRun scans: a file at a path that was not there at the start, or one of `outputs`, is redacted in
 * place; any other is reported. Synchronous, for an exit handler; the session may be closed already (its scrubber
 * still knows every value). Whether a value was found: the run must fail.
 */
export function scanLateWrites(
  session: BrokerSession,
  late: LateWrites,
  write: (text: string) => void = (text) => process.stderr.write(text)
): boolean {
  return session.scrubber.size > 0 && scanWalk(session, late, write).scan.findings.length > 0;
}

/**
 * The walk, the scan of what it found (contents and names), and the lines that say so (none when the run wrote
 * nothing: a clean run's output stays what the runner prints). A file born after the run's start may be the run's,
 * whatever the walk's `since`.
 */
function scanWalk(
  session: BrokerSession,
  walk: LateWrites,
  write: (text: string) => void
): { readonly scan: ChangedFilesScan; readonly scanned: readonly string[] } {
  const found = changedFilesSince(walk.since, walk.roots, {
    bornAfter: session.ci.startedAt,
    listing: session.ci.listing,
    outputs: walk.outputs ?? [],
    exclude: [session.handle.scratchRoot, ...(walk.exclude ?? []), ...sourceFiles(session)],
  });
  const scan = withNames(scanChangedFiles(found.files, session.scrubber), found.names, session.scrubber);
  if (scan.files > 0) {
    write(
      `credential-broker: scanned ${scan.files} file(s) written during the run (${scan.bytes} bytes; ${found.visited} files checked in ${Math.round(found.elapsedMs)} ms)\n`
    );
  }
  if (scan.findings.length > 0) {
    write(`${renderFindings(scan.findings, resolve(walk.root))}\n`);
  }
  return { scan, scanned: found.files.map((f) => f.path) };
}

// The names of new entries (a cache file keyed by a token) and links' targets count like content.
function withNames(scan: ChangedFilesScan, names: readonly ChangedName[], source: FindingSource): ChangedFilesScan {
  const found = scanChangedNames(names, source);
  return found.length === 0 ? scan : { ...scan, findings: [...scan.findings, ...found] };
}

const NOTHING_SCANNED: ChangedFilesScan = { findings: [], files: 0, bytes: 0 };

// What the broker itself reads: the config, and the files `file:` credentials come from (they hold their values by
// design). They are the user's, never findings.
function sourceFiles(session: BrokerSession): string[] {
  const sources = [...session.config.credentials.values()].flatMap((spec) =>
    spec.ref.scheme === 'file' ? [refPath(spec.ref.path, session.configDir)] : []
  );
  return session.config.file === undefined ? sources : [session.config.file, ...sources];
}
