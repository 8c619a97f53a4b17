import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Scrubber } from '../src/scrub/index.js';

/** @internal A file of the run that still held a credential value after the run. */
export interface LeakedFile {
  readonly path: string;
  readonly kind: 'snapshot' | 'test source';
}

/**
 * @internal Snapshot files are written by the workers, past every main-process scrubber, so the run checks them
 * afterwards and fails closed: a `.snap` or a test source (inline snapshots) holding a value is redacted in place —
 * it must not sit on disk waiting to be committed — and reported.
 */
export function auditWrittenFiles(
  files: readonly { readonly path: string; readonly kind: LeakedFile['kind'] }[],
  scrubber: Scrubber
): LeakedFile[] {
  const leaked: LeakedFile[] = [];
  for (const { path, kind } of files) {
    if (!existsSync(path)) {
      continue;
    }
    const text = readFileSync(path, 'utf8');
    const scrubbed = scrubber.scrub(text);
    if (scrubbed === text) {
      continue;
    }
    writeFileSync(path, scrubbed);
    leaked.push({ path, kind });
  }
  return leaked;
}

/** @internal The error block printed for leaked files. */
export function renderLeaks(leaked: readonly LeakedFile[]): string {
  const lines = [`credential-broker: ${leaked.length} written file(s) held a credential value; the run fails`];
  for (const { path, kind } of leaked) {
    lines.push(`  ${path} (${kind}): the value was replaced by its redaction label in the file`);
  }
  lines.push(
    '  A snapshot printed a credential value past the redacting serializer; snapshot what the code does with it.'
  );
  return lines.join('\n');
}
