import type { MissingCredential } from './types.js';

/** @internal One skipped test, as the summary needs it. */
export interface SkippedTest {
  /** `relative/file.test.ts > suite > test` */
  readonly title: string;
  readonly missing: readonly MissingCredential[];
}

const PREFIX = 'credential-broker: ';
// The core's egress reasons end with a hint naming the CLI flag; under Vitest the summary gives its own, once.
const EGRESS_HINT = /; set CREDENTIAL_BROKER_EGRESS=1\b.*$/;

/**
 * @internal The end-of-run block: skipped tests grouped by the credential they missed, each group headed by the
 * reason. The default reporter hides skip notes when several files run, so this is where users see them.
 */
export function renderSkipSummary(skipped: readonly SkippedTest[]): string | undefined {
  if (skipped.length === 0) {
    return undefined;
  }
  const groups = new Map<string, { reason: string; titles: string[] }>();
  let egress = false;
  for (const test of skipped) {
    for (const { name, reason } of test.missing) {
      egress ||= EGRESS_HINT.test(reason);
      const short = (reason.startsWith(PREFIX) ? reason.slice(PREFIX.length) : reason).replace(EGRESS_HINT, '');
      const group = groups.get(name) ?? { reason: short, titles: [] };
      group.titles.push(test.title);
      groups.set(name, group);
    }
  }
  const lines = [`credential-broker: ${count(skipped.length)} skipped for missing credentials`];
  for (const [, { reason, titles }] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${reason} — ${count(titles.length)}`);
    for (const title of titles) {
      lines.push(`    ↓ ${title}`);
    }
  }
  if (egress) {
    lines.push(
      '  Set CREDENTIAL_BROKER_EGRESS=1 (or credentialBroker({ egress: true })) to resolve them and run these tests.'
    );
  }
  return lines.join('\n');
}

function count(tests: number): string {
  return `${tests} ${tests === 1 ? 'test' : 'tests'}`;
}

/** @internal The note a skipped test carries: one reason per missing credential. */
export function skipNote(missing: readonly MissingCredential[]): string {
  return missing.map(({ reason }) => reason).join('; ');
}
