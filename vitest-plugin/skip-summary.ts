import type { MissingCredential } from './types.js';

/** @internal One skipped test, as the summary needs it. */
export interface SkippedTest {
  /** `relative/file.test.ts > suite > test` */
  readonly title: string;
  readonly missing: readonly MissingCredential[];
}

/**
 * @internal The end-of-run block: skipped tests grouped by the credential they missed, each group headed by the
 * reason. The default reporter hides skip notes when several files run, so this is where users see them.
 */
export function renderSkipSummary(skipped: readonly SkippedTest[]): string | undefined {
  if (skipped.length === 0) {
    return undefined;
  }
  const groups = new Map<string, { reason: string; titles: string[] }>();
  for (const test of skipped) {
    for (const { name, reason } of test.missing) {
      const group = groups.get(name) ?? { reason, titles: [] };
      group.titles.push(test.title);
      groups.set(name, group);
    }
  }
  const noun = skipped.length === 1 ? 'test' : 'tests';
  const lines = [`credential-broker: ${skipped.length} ${noun} skipped for missing credentials`];
  for (const [name, { reason, titles }] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${name} (${titles.length}): ${reason}`);
    for (const title of titles) {
      lines.push(`    ↓ ${title}`);
    }
  }
  return lines.join('\n');
}

/** @internal The note a skipped test carries: one reason per missing credential. */
export function skipNote(missing: readonly MissingCredential[]): string {
  return missing.map(({ reason }) => reason).join('; ');
}
