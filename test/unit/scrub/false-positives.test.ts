/**
 * The false-positive corpus: ordinary runner output, stack traces, YAML/JSON configs and PEM armour, plus the
 * non-secret parts of the credentials themselves (a kubeconfig's cluster and CA data, a service account's e-mail),
 * scrubbed against a realistic credential set: nothing may be redacted. Its twin, the structured leak corpus:
 * every secret-bearing part of the same set is redacted wherever it is printed on its own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Scrubber } from '../../../src/scrub/index.js';
import { credentialSet } from './corpus/credential-set.js';

const set = credentialSet();
const scrubber = new Scrubber();
for (const [name, value] of Object.entries(set.values)) {
  expect(scrubber.add(value, name)).toBeUndefined();
}

const ordinary = readFileSync(join(import.meta.dirname, 'corpus/ordinary-output.txt'), 'utf8');
// More stack traces and log lines, deterministic, to reach a few hundred lines.
const generated = Array.from({ length: 120 }, (_, i) =>
  i % 3 === 0
    ? `    at Object.<anonymous> (/home/ci/work/app/src/${['db', 'k8s', 'auth'][i % 3]}/client.ts:${i + 10}:${i % 80})`
    : i % 3 === 1
      ? `2026-05-04T12:${String(i % 60).padStart(2, '0')}:07.123Z INFO GET /api/items/${i} 200 ${i}ms`
      : ` ✓ test/unit/case-${i}.test.ts > handles input ${i} ${i % 50}ms`
).join('\n');
const corpus = [ordinary, generated, ...set.publicParts].join('\n');

describe('the false-positive corpus', () => {
  it('is a few hundred lines', () => {
    expect(corpus.split('\n').length).toBeGreaterThan(300);
  });

  it('has nothing redacted against a realistic credential set', () => {
    const scrubbed = scrubber.scrub(corpus);
    const changed = corpus.split('\n').filter((line) => scrubber.scrub(line) !== line);
    expect(changed).toEqual([]);
    expect(scrubbed).toBe(corpus);
  });

  it('has no findings for a file scan either', () => {
    expect(scrubber.findings(Buffer.from(corpus))).toEqual([]);
  });
});

describe('the structured leak corpus', () => {
  const cases = Object.entries(set.secrets).flatMap(([name, parts]) => parts.map((part) => [name, part] as const));
  it.each(cases)(
    '%s: a secret-bearing part is redacted when printed on its own, in a line, inspected, in JSON',
    (name, part) => {
      const label = `[redacted:${name}]`;
      expect(scrubber.scrub(`value: ${part}\n`)).toBe(`value: ${label}\n`);
      expect(scrubber.scrub(inspect({ part }))).not.toContain(part);
      expect(scrubber.scrub(JSON.stringify({ part }))).not.toContain(part.slice(4, 20));
      expect(scrubber.findings(Buffer.from(`x ${part} y`)).map((f) => f.name)).toEqual([name]);
    }
  );

  it('keeps the furniture of a PEM key and a kubeconfig printed whole, and redacts their secrets', () => {
    const kube = scrubber.scrub(set.values.KUBECONFIG!);
    expect(kube).toContain('apiVersion: v1\nkind: Config\n');
    expect(kube).toContain('    server: https://127.0.0.1:6443\n');
    expect(kube).toContain('    token: [redacted:KUBECONFIG]\n    client-key-data: [redacted:KUBECONFIG]\n');
    for (const secret of set.secrets.KUBECONFIG!) {
      expect(kube).not.toContain(secret);
    }
    const pem = scrubber.scrub(set.values.TLS_KEY!);
    expect(pem).toBe('-----BEGIN PRIVATE KEY-----\n[redacted:TLS_KEY]\n-----END PRIVATE KEY-----\n');
    const sa = scrubber.scrub(set.values.GCP_SA!);
    expect(sa).toContain('"client_email": "ci-runner@acme-ci-471802.iam.gserviceaccount.com"');
    expect(sa).toContain('"private_key": "[redacted:GCP_SA]"');
  });

  it('redacts a URL password decoded and percent-encoded, and the HTTP Basic credential', () => {
    const url = new URL(set.values.DATABASE_URL!);
    const decoded = decodeURIComponent(url.password);
    const out = scrubber.scrub(
      [
        url.password,
        decoded,
        inspect(url),
        `Authorization: Basic ${Buffer.from(`app_user:${decoded}`).toString('base64')}`,
      ].join('\n')
    );
    expect(out).not.toContain(decoded);
    expect(out).not.toContain(url.password);
    expect(out).toContain('Authorization: Basic [redacted:DATABASE_URL]');
    expect(out).toContain("username: 'app_user'");
  });

  it('reports per credential how many forms are registered, and none of them is common', () => {
    const report = scrubber.report();
    expect(report.map((r) => r.name)).toEqual(Object.keys(set.values));
    expect(report.every((r) => r.forms > 0 && !r.common)).toBe(true);
    expect(report.find((r) => r.name === 'TLS_KEY')!.parts).toBeGreaterThan(20);
  });
});
