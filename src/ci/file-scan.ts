import { readFileSync, writeFileSync } from 'node:fs';
import { ScanSession } from '../scrub/scan-session.js';
import type { Scrubber } from '../scrub/scrubber.js';
import type { ChangedFile } from './changed-files.js';

/** One registered form found in a file: where, and whose. Never the value. */
export interface FileFinding {
  readonly path: string;
  /** 1-based line of the first byte of the match. */
  readonly line: number;
  readonly name: string;
}

export interface FileScanResult {
  readonly findings: readonly FileFinding[];
  /** Files the run created that held a value: rewritten with the redaction label in its place. */
  readonly redacted: readonly string[];
  /** Files that existed before the run and hold a value: reported only (they are the user's). */
  readonly reported: readonly string[];
  readonly files: number;
  readonly bytes: number;
}

/**
 * Scans each file whole for every registered form (one automaton pass, the scrubber's), and rewrites created files
 * with the value replaced. Pre-existing files are never written.
 *
 * Minimal on purpose: the issue-12 scan module (start-of-run capture, changed bytes only for pre-existing files,
 * "common" forms never failing a scan) supersedes {@link scanFiles} and {@link findingsIn}; {@link changedFilesSince}
 * is its input.
 */
export function scanFiles(files: readonly ChangedFile[], scrubber: Scrubber): FileScanResult {
  const findings: FileFinding[] = [];
  const redacted: string[] = [];
  const reported: string[] = [];
  let bytes = 0;
  let scanned = 0;
  for (const file of files) {
    let content: Buffer;
    try {
      content = readFileSync(file.path);
    } catch {
      continue; // Gone or unreadable since the walk.
    }
    scanned++;
    bytes += content.length;
    const found = findingsIn(content, scrubber).map((f) => ({ path: file.path, ...f }));
    if (found.length === 0) {
      continue;
    }
    findings.push(...found);
    if (file.created && rewrite(file.path, scrubber.scrubBuffer(content))) {
      redacted.push(file.path);
    } else {
      reported.push(file.path);
    }
  }
  return { findings, redacted, reported, files: scanned, bytes };
}

// A created file the run made read-only (or removed meanwhile) cannot be redacted: it is then reported like the user's.
function rewrite(path: string, content: Uint8Array): boolean {
  try {
    writeFileSync(path, content);
    return true;
  } catch {
    return false;
  }
}

/** Line and credential name of every match in `content` (what {@link Scrubber.scrubBuffer} would replace). */
export function findingsIn(content: Uint8Array, scrubber: Scrubber): { line: number; name: string }[] {
  if (scrubber.formCount === 0 || content.length === 0) {
    return [];
  }
  const compiled = scrubber.compiled();
  const ops = new ScanSession(compiled.automaton, compiled.replacements, compiled.truncatedMinLength).once(content);
  if (ops === undefined) {
    return [];
  }
  const names = scrubber.names;
  const buf = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const found: { line: number; name: string }[] = [];
  let at = 0;
  let line = 1;
  let counted = 0;
  for (let o = 0; o < ops.length; o += 2) {
    if (ops[o] !== -1) {
      at = ops[o + 1]!;
      continue;
    }
    // A replacement starts where the previous copied slice ended.
    for (let i = buf.indexOf(0x0a, counted); i !== -1 && i < at; i = buf.indexOf(0x0a, i + 1)) {
      line++;
      counted = i + 1;
    }
    counted = Math.max(counted, at);
    found.push({ line, name: names[ops[o + 1]!] ?? 'credential' });
  }
  return found;
}

/** `path:line: NAME` lines, one per finding, then what was done with each file. */
export function renderFindings(result: FileScanResult, relativeTo: (path: string) => string): string {
  const lines = [
    `credential-broker: ${result.findings.length} credential value(s) found in ${result.redacted.length + result.reported.length} file(s) written during the run; the run fails`,
  ];
  for (const f of result.findings) {
    lines.push(`  ${relativeTo(f.path)}:${f.line}: ${f.name}`);
  }
  for (const path of result.redacted) {
    lines.push(`  ${relativeTo(path)}: created by the run, the value was replaced by its redaction label`);
  }
  for (const path of result.reported) {
    lines.push(`  ${relativeTo(path)}: existed before the run, left as it is — remove the value yourself`);
  }
  return lines.join('\n');
}
