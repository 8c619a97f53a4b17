/**
 * `credential-broker/jest-reporter`: list it **first** — `reporters: ['credential-broker/jest-reporter', 'default']`
 * — because Jest calls reporters in order with the same objects: scrubbed here, they reach `default`, `--json`
 * and JUnit reporters clean. It also prints why tests were skipped (Jest has no skip reason) and a summary
 * grouped by the missing credential.
 */
import { relative } from 'node:path';
import type { AggregatedResult, Test, TestCaseResult, TestResult } from '@jest/test-result';
import type { Circus, Config } from '@jest/types';
import type { BrokerSession } from '../src/host/index.js';
import { Scrubber, scrubDeep } from '../src/scrub/index.js';
import { recordJestRun } from './ci.js';
import { MAIN_SESSION, RESULT_FIELD } from './constants.js';
import { prepareJUnitSkips } from './junit-skips.js';
import type { SkippedCredential } from './skip-marker.js';
import { mayCarryValues } from './test-case-filter.js';
import type { ResultExtension } from './test-runner.js';

/** Tests listed per credential in the summary before "… and N more". */
const SUMMARY_LIMIT = 10;

type Skip = { readonly file: string; readonly test: string; readonly credential: SkippedCredential };

/** @public The Jest reporter. Construct-free use: list its module path in `reporters`. */
export default class CredentialBrokerReporter {
  readonly #globalConfig: Config.GlobalConfig;
  readonly #rootDir: string;
  readonly #write: (text: string) => void;
  readonly #skips: Skip[] = [];
  #empty: Scrubber | undefined;

  constructor(globalConfig: Config.GlobalConfig, _options?: unknown, _context?: unknown) {
    this.#globalConfig = globalConfig;
    this.#rootDir = globalConfig.rootDir;
    this.#write = globalConfig.silent === true ? () => {} : (text) => process.stderr.write(text);
  }

  onTestCaseStart(_test: Test, info: Circus.TestCaseStartInfo): void {
    if (mayCarryValues(info)) {
      this.#scrub(info);
    }
  }

  onTestCaseResult(_test: Test, result: TestCaseResult): void {
    if (mayCarryValues(result)) {
      this.#scrub(result);
    }
  }

  onTestFileResult(test: Test, result: TestResult, _aggregated: AggregatedResult): void {
    this.#scrub(result);
    const skipped = (result as TestResult & { [RESULT_FIELD]?: ResultExtension })[RESULT_FIELD]?.skipped ?? [];
    if (skipped.length === 0) {
      return;
    }
    const file = relative(this.#rootDir, test.path);
    const lines = [`credential-broker: ${plural(skipped.length, 'test')} skipped in ${file}`];
    for (const s of skipped) {
      lines.push(`  ○ ${s.test} — ${s.credentials.map((c) => shortReason(c.reason)).join('; ')}`);
      for (const credential of s.credentials) {
        this.#skips.push({ file, test: s.test, credential });
      }
    }
    this.#write(`${lines.join('\n')}\n`);
  }

  onRunComplete(_contexts: Set<unknown>, results: AggregatedResult): void {
    this.#scrub(results);
    recordJestRun(results, this.#rootDir);
    prepareJUnitSkips(this.#globalConfig, results);
    if (this.#skips.length > 0) {
      this.#write(`${summary(this.#skips)}\n`);
    }
    this.#skips.length = 0;
    const guard = this.#session()?.guardReport().summary;
    if (guard !== undefined) {
      this.#write(`${guard}\n`);
    }
  }

  getLastError(): Error | undefined {
    return undefined;
  }

  /** Scrubs `value` in place with every value delivered so far in this run. */
  #scrub(value: unknown): void {
    const scrubber = this.#scrubber();
    if (scrubber.size > 0) {
      scrubDeep(value, scrubber);
    }
  }

  #session(): BrokerSession | undefined {
    return (globalThis as unknown as Record<symbol, BrokerSession | undefined>)[MAIN_SESSION];
  }

  #scrubber(): Scrubber {
    const session = this.#session();
    if (session !== undefined) {
      return session.scrubber;
    }
    this.#empty ??= new Scrubber();
    return this.#empty;
  }
}

/** @internal The end-of-run summary: one block per missing credential, with the tests that needed it. */
export function summary(skips: readonly Skip[]): string {
  const byName = new Map<string, { reason: string; tests: string[] }>();
  for (const { file, test, credential } of skips) {
    const group = byName.get(credential.name) ?? { reason: shortReason(credential.reason), tests: [] };
    group.tests.push(`${file} › ${test}`);
    byName.set(credential.name, group);
  }
  const tests = new Set(skips.map((s) => `${s.file}\u0000${s.test}`)).size;
  const lines = [`credential-broker: ${plural(tests, 'test')} skipped because egress is disabled`];
  for (const { reason, tests: names } of byName.values()) {
    lines.push(`  ${reason} — ${plural(names.length, 'test')}`);
    for (const name of names.slice(0, SUMMARY_LIMIT)) {
      lines.push(`    ○ ${name}`);
    }
    if (names.length > SUMMARY_LIMIT) {
      lines.push(`    … and ${names.length - SUMMARY_LIMIT} more`);
    }
  }
  lines.push('  Set CREDENTIAL_BROKER_EGRESS=1 to resolve network credentials and run these tests.');
  return lines.join('\n');
}

// "credential-broker: X needs <ref> (<endpoint>, <badge>) but egress is disabled; set …" → "X needs <ref> (…)".
function shortReason(reason: string): string {
  return reason.replace(/^credential-broker: /, '').replace(/ but egress is disabled;.*$/s, '');
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
