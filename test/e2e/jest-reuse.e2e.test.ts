/**
 * A Jest worker serves a later file from an earlier file's claim (its grants of config credentials) without that file
 * spending its ticket. The values it serves are scrubbed as any file's are: from the test's output, a child's output
 * and every report; harmless text stays as written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { filesUnder, findLeaks, type ProjectCopy, stripAnsi } from './harness.js';
import { copyJestFixture, runJest } from './jest-harness.js';

const CANARY = 'CANARY-REUSE-SENTINEL-4f1c9a7e2b';

let copy: ProjectCopy | undefined;
afterEach(() => {
  copy?.remove();
  copy = undefined;
});

it('one worker, two files: one claim, the second file served from the first, nothing leaks', async () => {
  const project = copyJestFixture('jest-reuse');
  copy = project;
  const run = await runJest(project, [
    '--maxWorkers=1',
    '--ci=false',
    '--json',
    `--outputFile=${join(project.outDir, 'results.json')}`,
  ]);
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr.slice(0, 3000) }).toEqual({ code: 0, stderr: '' });
  expect(JSON.parse(readFileSync(join(project.outDir, 'stats.json'), 'utf8'))).toEqual({ claims: 1 });
  const output = stripAnsi(`${run.stdout}\n${run.stderr}`);
  for (const line of ['docblock sees', 'docblock child sees', 'call sees', 'call writes', 'call child sees']) {
    expect(output).toContain(`${line} [redacted:REUSE_TOKEN]`);
  }
  expect(output).toContain('harmless: REUSE_TOKEN=<not a value> stays as written');
  expect(output).toContain('harmless: call stays as written');
  const texts = [
    { where: 'stdout', text: run.stdout },
    { where: 'stderr', text: run.stderr },
    ...filesUnder(project.outDir).map((f) => ({ where: f.path, text: f.text })),
    ...filesUnder(join(project.dir, 'tests')).map((f) => ({ where: f.path, text: f.text })),
  ];
  expect(findLeaks(texts, { CANARY })).toEqual([]);
}, 120_000);
