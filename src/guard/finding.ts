import { readFileSync } from 'node:fs';

/** @public One connection the guard judged outside the policy. Holds names and hosts, never a value. */
export interface GuardFinding {
  /** `file › test` (Vitest, Jest), or the command of `credential-broker run`. */
  readonly test: string;
  /** The credentials held at the time; empty when egress is off and nothing was held (offline mode). */
  readonly names: readonly string[];
  readonly host: string;
  readonly port?: number;
  /** `proxy` when the host is the CONNECT target of a request through HTTP(S)_PROXY. */
  readonly via?: 'proxy' | 'dns';
  /** Whether `strict` refused it (no connect(2) happened). */
  readonly refused: boolean;
}

/** @public The finding's line in summaries: `test › NAME held while connecting to host:port (…)`. */
export function describeFinding(finding: GuardFinding): string {
  const target = finding.port === undefined ? finding.host : `${hostForm(finding.host)}:${finding.port}`;
  const verb = finding.via === 'dns' ? 'looking up' : 'connecting to';
  const what =
    finding.names.length === 0
      ? `${verb} ${target} while egress is off (not in egress.allow)`
      : `${finding.names.join(', ')} held while ${verb} ${target} (not a declared destination)`;
  const via = finding.via === 'proxy' ? ' through the proxy' : '';
  return `${finding.test} › ${what}${via}${finding.refused ? ' — refused' : ''}`;
}

function hostForm(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** @internal Every finding the run's processes appended, once each (a missing file means none). */
export function readFindings(path: string): GuardFinding[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const seen = new Set<string>();
  const findings: GuardFinding[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || seen.has(line)) {
      continue;
    }
    seen.add(line);
    try {
      findings.push(JSON.parse(line) as GuardFinding);
    } catch {
      // A line cut short by a process killed mid-write: the rest still counts.
    }
  }
  return findings;
}

/** @internal The run summary block, or undefined when the guard found nothing. */
export function renderFindings(findings: readonly GuardFinding[], mode: string): string | undefined {
  if (findings.length === 0) {
    return undefined;
  }
  const lines = [
    `credential-broker: egress guard (${mode}) — ${findings.length} connection${findings.length === 1 ? '' : 's'} outside the declared destinations`,
    ...findings.map((f) => `  ✗ ${describeFinding(f)}`),
    '  Declare where each credential goes (destination) or allow the address (egress.allow) in credential-broker.config.',
  ];
  return lines.join('\n');
}
