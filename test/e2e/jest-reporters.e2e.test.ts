/**
 * Jest with the user's own `reporters` leaving ours out (fixtures/projects/jest-reporters, against docs/jest.md): an
 * error's toJSON() runs when jest-worker serialises the result, after the worker's scrub, and its value reached
 * `--json` and custom reporters raw (found by the third attack on the packed package). The worker now scrubs what
 * toJSON returns; the run also warns once that our reporter is missing. In workers and in band; a harmless token's
 * toJSON output is kept verbatim. An error carrying the value as a property key and as an array of its bytes reached
 * failureDetails raw too (the fourth attack): the key is renamed, the bytes are those of the redacted text; a harmless
 * key and bytes stay. The sentinel is generated here (TEST ONLY).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, findLeaks, stripAnsi } from './harness.js';
import { copyJestFixture, type JestRun, runJest } from './jest-harness.js';

const VALUE = `SENTINEL-tojson-${randomBytes(12).toString('hex')}`;
const TWIN = '{"msg":"tojson","secret":"harmless-CANARY-tojson-token"}';
const KEYED_TWIN = 'harmless-CANARY-keyed-token';
// An array of bytes as JSON prints it.
const decimal = (text: string) => Array.from(Buffer.from(text)).join(',');
const MODES = {
  workers: ['--workerIdleMemoryLimit=1GB', '--maxWorkers=2'],
  'in band': ['--runInBand'],
} as const;

describe.each(Object.keys(MODES) as (keyof typeof MODES)[])('reporters without ours, %s', (mode) => {
  const project = copyJestFixture('jest-reporters');
  const resultsFile = join(project.outDir, 'results.json');
  let run: JestRun;
  let json: string;
  let reported: string;

  beforeAll(async () => {
    run = await runJest(project, [...MODES[mode], '--json', `--outputFile=${resultsFile}`], {
      env: { SRC_API_TOKEN: VALUE },
      timeoutMs: 120_000,
    });
    json = readFileSync(resultsFile, 'utf8');
    reported = readFileSync(join(project.outDir, 'my-reporter.jsonl'), 'utf8');
  }, 180_000);
  afterAll(() => project.remove());

  it('fails the throwing tests, and warns once, naming the key and the fix', () => {
    const stderr = stripAnsi(run.stderr);
    expect(run.code, stderr).toBe(1);
    const warning = stderr.split('\n').filter((l) => l.includes("does not list 'credential-broker/jest-reporter'"));
    expect(warning).toEqual([
      "credential-broker: Jest's `reporters` does not list 'credential-broker/jest-reporter', so the other reporters, " +
        "--json and --outputFile receive results our reporter has not scrubbed. List it first: reporters: ['credential-broker/jest-reporter', 'default', …]",
    ]);
  });

  it("renames a key holding the credential and redacts an array of its bytes, and keeps the twin's", () => {
    for (const report of [json, reported]) {
      expect(report).toContain(`"[redacted:API_TOKEN]":1,"sessions":{"[redacted:API_TOKEN]":"live"}`);
      expect(report).toContain(`"codes":[${decimal('[redacted:API_TOKEN]')}]`);
      expect(report).toContain(`"${KEYED_TWIN}":1,"sessions":{"${KEYED_TWIN}":"live"}`);
      expect(report).toContain(`"codes":[${decimal(KEYED_TWIN)}]`);
      expect(report.replace(/\s/g, '')).not.toContain(decimal(VALUE));
    }
  });

  it("redacts the credential in what toJSON returned, in --json and in a custom reporter, and keeps the twin's", () => {
    expect(json).toContain('{"msg":"tojson","secret":"[redacted:API_TOKEN]"}');
    expect(reported).toContain('{"msg":"tojson","secret":"[redacted:API_TOKEN]"}');
    expect(json).toContain(TWIN);
    expect(reported).toContain(TWIN);
  });

  it('leaves the value nowhere: output, the JSON report, the reporter file and every file of the project', () => {
    const texts = [
      { where: 'stdout', text: run.stdout },
      { where: 'stderr', text: run.stderr },
      ...filesUnder(project.outDir).map((f) => ({ where: f.path, text: f.text })),
      ...filesUnder(project.dir).map((f) => ({ where: f.path, text: f.text })),
    ];
    expect(findLeaks(texts, { API_TOKEN: VALUE })).toEqual([]);
  });
});
