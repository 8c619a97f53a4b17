import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { LoadedConfig } from '../config/normalise.js';
import {
  DEFAULT_EGRESS_ALLOW,
  type GuardFinding,
  type GuardPolicy,
  readFindings,
  renderFindings,
} from '../guard/index.js';
import type { Scrubber } from '../scrub/index.js';

/**
 * Minted cloud credentials (`aws-sts:`, `gcp-token:`, `azure-token:` refs) exist for their cloud's API calls: those are
 * their destinations unless the entry declares its own. Keyed by scheme name, so a scheme the grammar does not know yet
 * simply has none.
 */
export const MINTED_DESTINATIONS: Readonly<Record<string, readonly string[]>> = {
  'aws-sts': ['*.amazonaws.com', '*.amazonaws.com.cn', '*.api.aws'],
  'gcp-token': ['*.googleapis.com'],
  'azure-token': ['*.azure.com', '*.azure.net', '*.microsoftonline.com', '*.windows.net'],
};

/** @internal The run's egress guard policy from the config; undefined when `egress.guard` is `off`. */
export function guardPolicyOf(config: LoadedConfig, egress: boolean, scratchRoot: string): GuardPolicy | undefined {
  const settings = config.config.egress;
  const mode = settings?.guard ?? 'report';
  if (mode === 'off') {
    return undefined;
  }
  const destinations: Record<string, string[]> = {};
  for (const spec of config.credentials.values()) {
    const minted = MINTED_DESTINATIONS[spec.ref.scheme as string];
    if (spec.destination !== undefined) {
      destinations[spec.name] = [spec.destination.url];
    } else if (minted !== undefined) {
      destinations[spec.name] = [...minted];
    }
  }
  return {
    mode,
    egress,
    allow: settings?.allow ?? [...DEFAULT_EGRESS_ALLOW],
    destinations,
    findings: join(scratchRoot, 'guard-findings.jsonl'),
  };
}

/** @public What the guard found in a run: the findings, and the summary block to print (undefined when none). */
export interface GuardReport {
  readonly findings: readonly GuardFinding[];
  readonly summary: string | undefined;
}

/**
 * @internal Collect the findings every process of the run appended, and write them to `egress.report` when the config
 * names a file (always, so that an empty list proves a clean run). A finding's host and test are scrubbed first: a
 * test names the host it connects to, and may build it from a value (`${token}.example.test`, a DNS exfiltration's
 * shape); the report file is rewritten in place run after run, so the post-run scan would take it for the user's.
 */
export function collectGuardReport(
  config: LoadedConfig,
  policy: GuardPolicy | undefined,
  scrubber: Scrubber
): GuardReport {
  if (policy === undefined) {
    return { findings: [], summary: undefined };
  }
  const found = readFindings(policy.findings);
  const findings = found.map((finding) => scrubFinding(finding, scrubber));
  // Each run reports its own (Vitest's watch mode runs again in the same session).
  rmSync(policy.findings, { force: true });
  const file = config.config.egress?.report;
  if (file !== undefined) {
    const path = resolve(config.dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify({ version: 1, mode: policy.mode, findings }, null, 2)}\n`);
  }
  // Rendered from the findings as found (a redaction label in a host would read as an IPv6 address), then scrubbed.
  const summary = renderFindings(found, policy.mode);
  return { findings, summary: summary === undefined ? undefined : scrubber.scrub(summary) };
}

function scrubFinding(finding: GuardFinding, scrubber: Scrubber): GuardFinding {
  return { ...finding, test: scrubber.scrub(finding.test), host: scrubber.scrub(finding.host) };
}
