import type { Badge } from '../backends/labels.js';
import { BADGE_GLYPHS } from '../egress/classify.js';
import type { AuditRecord } from './audit.js';

/** Tests listed per skip reason before "… and N more": a summary is read on one screen. */
const LIST_LIMIT = 20;

// Table cells: pipes and line breaks would break the row.
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * The GitHub step summary of a run, as Markdown: the manifest with how many tests used each credential, the skipped
 * tests grouped by reason, the file scan, and who held what. Built from the audit record, so it holds what the audit
 * holds — names, refs, badges and times, never a value. `scrub` runs over the result as a last guard (test names).
 */
export function renderStepSummary(audit: AuditRecord, scrub: (text: string) => string): string {
  const used = new Map<string, Set<string>>();
  for (const hold of audit.holds) {
    const tests = used.get(hold.credential) ?? new Set<string>();
    tests.add(`${hold.file}\u0000${hold.test}`);
    used.set(hold.credential, tests);
  }
  const lines = [
    '',
    `### credential-broker (${audit.runner})`,
    '',
    `Egress ${audit.egress.enabled ? 'on' : 'off'} (${audit.egress.source}) · ${audit.credentials.length} credential(s) declared`,
    '',
    '| Credential | Reference | Source | Delivery | Destination | Tests |',
    '| --- | --- | --- | --- | --- | ---: |',
    ...audit.credentials.map(
      (c) =>
        `| ${cell(c.name)} | \`${cell(c.ref)}\` | ${badge(c.badge)} | ${c.delivery} | ${cell(c.destination ?? '—')} | ${c.status === 'resolve' ? (used.get(c.name)?.size ?? 0) : 'skipped'} |`
    ),
  ];
  const byReason = new Map<string, string[]>();
  for (const s of audit.skipped) {
    const tests = byReason.get(s.reason) ?? [];
    tests.push(`${s.file} › ${s.test}`);
    byReason.set(s.reason, tests);
  }
  if (byReason.size > 0) {
    const count = new Set(audit.skipped.map((s) => `${s.file}\u0000${s.test}`)).size;
    lines.push('', `#### ${count} test(s) skipped`);
    for (const [reason, tests] of byReason) {
      lines.push('', `**${cell(reason.replace(/^credential-broker: /, ''))}** — ${tests.length} test(s)`, '');
      lines.push(...tests.slice(0, LIST_LIMIT).map((t) => `- ${cell(t)}`));
      if (tests.length > LIST_LIMIT) {
        lines.push(`- … and ${tests.length - LIST_LIMIT} more`);
      }
    }
  }
  if (audit.scan !== undefined) {
    const { files, bytes, findings } = audit.scan;
    lines.push(
      '',
      `#### Files written during the run: ${files} scanned (${bytes} bytes), ${findings.length} value(s) found`
    );
    if (findings.length > 0) {
      lines.push(
        '',
        ...findings.map((f) =>
          f.in === undefined
            ? `- \`${cell(f.path)}:${f.line}\`: ${f.credential}`
            : `- \`${cell(f.path)}\`: ${f.credential} (in its ${f.in})`
        )
      );
    }
  }
  if (audit.holds.length > 0 || audit.grants.length > 0 || audit.mints.length > 0) {
    lines.push('', '<details><summary>Audit: who held which credential</summary>', '');
    lines.push('| Test | Credential | Delivery | From | To |', '| --- | --- | --- | --- | --- |');
    for (const h of audit.holds) {
      lines.push(
        `| ${cell(`${h.file} › ${h.test}`)} | ${h.credential} | ${h.delivery} | ${h.from ?? '—'} | ${h.to ?? '—'} |`
      );
    }
    for (const l of audit.logins) {
      lines.push('', `Login: ${cell(l.backend)} — ${cell(l.method)}`);
    }
    if (audit.mints.length > 0) {
      lines.push('', '| Minted by | Identity | At | Expires |', '| --- | --- | --- | --- |');
      for (const m of audit.mints) {
        lines.push(`| ${cell(m.backend)} | ${cell(m.identity)} | ${m.at} | ${m.expiresAt ?? 'no expiry'} |`);
      }
    }
    lines.push('', '</details>');
  }
  return `${scrub(lines.join('\n'))}\n`;
}

/** What the session revoked once the backends closed, appended after the summary (the run had ended by then). */
export function renderRevocations(revoked: AuditRecord['revoked'], scrub: (text: string) => string): string {
  const lines = [
    '',
    `Revoked when the run ended: ${revoked.filter((r) => r.ok).length} of ${revoked.length} lease(s) and token(s)`,
    '',
    ...revoked.map(
      (r) => `- ${cell(r.backend)} ${r.what} of \`${cell(r.of)}\`${r.ok ? '' : ' — not revoked, lapses at its expiry'}`
    ),
  ];
  return `${scrub(lines.join('\n'))}\n`;
}

// The same glyphs as the manifest, so a reader matches the two at a glance.
function badge(name: string): string {
  const glyphs = BADGE_GLYPHS[name as Badge];
  return glyphs === undefined ? name : `${glyphs.emoji} ${name}`;
}
