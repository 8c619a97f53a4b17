import { type FileFinding, type RunBaseline, renderFindings, scanWrittenFiles } from '../src/scan/index.js';
import type { Scrubber } from '../src/scrub/index.js';

/** @internal A file the Vitest workers may rewrite during a run, past every main-process scrubber. */
export interface WrittenFile {
  readonly path: string;
  readonly kind: 'snapshot' | 'test source';
}

/**
 * @internal Snapshot files and inline snapshots are written by the workers, so the run checks them afterwards and
 * fails closed — but only in what the run wrote: a `.snap` or test file that existed counts in the bytes the run
 * changed (against `baseline`, captured at the run's start), a new `.snap` counts whole and is redacted in place.
 * A test source is never rewritten. Test sources not captured at the start are not scanned.
 */
export function auditWrittenFiles(
  baseline: RunBaseline,
  files: readonly WrittenFile[],
  scrubber: Scrubber
): FileFinding[] {
  const candidates = files.filter((f) => f.kind === 'snapshot' || baseline.has(f.path)).map((f) => f.path);
  return scanWrittenFiles(baseline, candidates, scrubber);
}

/** @internal The error block printed for findings. */
export function renderLeaks(findings: readonly FileFinding[], root: string): string {
  return renderFindings(findings, root);
}
