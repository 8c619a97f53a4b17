/**
 * The Vitest config's own error hooks under the real CLI (fixtures/projects/vitest-error-hooks): `onStackTrace` and
 * `onUnhandledError` are user code in the main process, called before any reporter, and forward what they get to a
 * file here. They got the raw value (found by the third attack on the packed package, 2026-12-07). Each error has a
 * harmless twin whose token must arrive verbatim. The same run writes a JUnit and a JSON report: an error carrying the
 * value as a property key and as an array of its bytes reached them raw (the fourth attack); the key is renamed, the
 * bytes are those of the redacted text, and the twin's stay. The sentinel is generated here (TEST ONLY).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, findLeaks, stripAnsi } from './harness.js';
import { copyFixture, runVitest } from './vitest-harness.js';

const VALUE = `SENTINEL-hooks-${randomBytes(12).toString('hex')}`;
const KEYED_TWIN = 'harmless-CANARY-keyed-token';
// An array of bytes as a report prints it, whatever the spacing and line breaks (compared without whitespace).
const decimal = (text: string) => Array.from(Buffer.from(text)).join(',');

describe("the Vitest config's error hooks", () => {
  const project = copyFixture('vitest-error-hooks');
  const hooksOut = join(project.outDir, 'hooks.log');
  const junitFile = join(project.outDir, 'junit.xml');
  const jsonFile = join(project.outDir, 'report.json');
  let run: Awaited<ReturnType<typeof runVitest>>;
  let forwarded: string;
  let junit: string;

  beforeAll(async () => {
    const reporters = ['--reporter=default', '--reporter=junit', `--outputFile.junit=${junitFile}`];
    run = await runVitest(project, [...reporters, '--reporter=json', `--outputFile.json=${jsonFile}`], {
      env: { SRC_API_TOKEN: VALUE, HOOKS_OUT: hooksOut },
      timeoutMs: 120_000,
    });
    forwarded = readFileSync(hooksOut, 'utf8');
    junit = readFileSync(junitFile, 'utf8');
  }, 180_000);
  afterAll(() => project.remove());

  it('fails the four failing tests only', () => {
    expect(run.code, stripAnsi(run.stdout + run.stderr)).toBe(1);
    expect(stripAnsi(run.stdout)).toMatch(/4 failed \| 2 passed/);
  });

  it("renames a key holding the value and redacts an array of its bytes in the JUnit report, and keeps the twin's", () => {
    // The "Serialized Error" line: util.inspect of the error's own properties, XML-escaped.
    const flat = junit.replace(/\s/g, '').replaceAll('&apos;', "'");
    expect(flat).toContain("{'[redacted:API_TOKEN]':1,sessions:{'[redacted:API_TOKEN]':'live'}");
    expect(flat).toContain(`codes:[${decimal('[redacted:API_TOKEN]')}]`);
    expect(flat).toContain(`{'${KEYED_TWIN}':1,sessions:{'${KEYED_TWIN}':'live'}`);
    expect(flat).toContain(`codes:[${decimal(KEYED_TWIN)}]`);
    expect(flat).not.toContain(decimal(VALUE));
  });

  it('hands onStackTrace the failed assertion redacted, and its harmless twin verbatim', () => {
    expect(forwarded).toContain("onStackTrace {\"message\":\"expected 'x[redacted:API_TOKEN]' to be 'y'");
    expect(forwarded).toContain("onStackTrace {\"message\":\"expected 'xharmless-CANARY-hook-token' to be 'y'");
  });

  it('hands onUnhandledError the error redacted (message, stack, own properties), and its twin verbatim', () => {
    const lines = forwarded.split('\n').filter((line) => line.startsWith('onUnhandledError '));
    const errors = lines.map((line) => JSON.parse(line.slice('onUnhandledError '.length)));
    expect(errors.map((e) => e.message).sort()).toEqual([
      'late [redacted:API_TOKEN]',
      'late harmless-CANARY-hook-token',
    ]);
    const redacted = errors.find((e) => e.message === 'late [redacted:API_TOKEN]');
    expect(redacted.stack).toContain('Error: late [redacted:API_TOKEN]');
    expect(redacted.extra).toEqual({ token: '[redacted:API_TOKEN]' });
    expect(errors.find((e) => e.message.includes('harmless')).extra).toEqual({ token: 'harmless-CANARY-hook-token' });
  });

  it('leaves the value nowhere: the hooks file, output and every file of the project', () => {
    const texts = [
      { where: 'hooks.log', text: forwarded },
      { where: 'junit.xml', text: junit },
      { where: 'report.json', text: readFileSync(jsonFile, 'utf8') },
      { where: 'stdout', text: run.stdout },
      { where: 'stderr', text: run.stderr },
      ...filesUnder(project.dir).map((f) => ({ where: f.path, text: f.text })),
    ];
    expect(findLeaks(texts, { API_TOKEN: VALUE })).toEqual([]);
  });
});
