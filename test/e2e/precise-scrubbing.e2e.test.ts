/**
 * Issue 12 under the real Vitest and Jest CLIs, one twin per runner on the same scenarios
 * (fixtures/projects/vitest-precise, jest-precise): (a) a low-entropy credential whose value occurs in the test source
 * — the run is green and the file byte-identical; (b) a PEM key and a kubeconfig — armour and structure print verbatim,
 * body lines and the token do not; (c) a URL password in both forms and the Basic-auth header; (d) every printed form
 * of item 4 in output, reports and snapshots (hex lines from a child too, beside a harmless twin); (e) a snapshot
 * holding a value is written redacted, and a second run in CI mode passes against it; (f) a file: value that ends in a
 * newline, printed without it, is redacted and the output's line break kept; (k) what pretty-format prints without
 * asking a serializer (React and DOM text children, a Symbol, a RegExp, a class name) is written redacted into the
 * .snap and the inline snapshots; (l) the secret part of a credential file held as the whole value (an npm registry
 * URL's token, user:password@host, a .netrc line) printed alone, also by a child; (m) a value after a transcoding
 * mistake (Latin-1 read as UTF-8, UTF-8 read as Latin-1); (n) a near miss (a few characters wrong at an end). Values
 * are generated here (TEST ONLY) and handed over through env: refs and a file.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, repoRoot, stripAnsi } from './harness.js';
import { copyJestFixture, runJest } from './jest-harness.js';
import { copyFixture, runVitest } from './vitest-harness.js';

const core = randomBytes(20).toString('hex');
const LONG_TOKEN = `CANARY-"q\\b\`t-é🔑-${core}-SENTINEL`;
const TLS_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;
const KUBE_TOKEN = `CANARYkube${randomBytes(24).toString('base64url')}SENTINEL`;
const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- cluster:',
  '    server: https://127.0.0.1:6443',
  '  name: kind',
  'users:',
  '- name: admin',
  '  user:',
  `    token: ${KUBE_TOKEN}`,
  '',
].join('\n');
const PASSWORD = `CANARY@pw/${randomBytes(6).toString('hex')}-SENTINEL`;
const DATABASE_URL = `postgres://app:${encodeURIComponent(PASSWORD)}@db.internal:5432/app`;
// Written to secrets/file-token.txt with a trailing newline, as `echo` writes it.
const FILE_TOKEN = `CANARYfile${randomBytes(12).toString('hex')}SENTINEL`;
// Holds a quote, which `%o` in a title escapes: the blob report wrote that form of a title unscrubbed.
// Two lines, each shorter than what is registered alone: Jest's console indents the second.
const SHORT_LINES = `C${randomBytes(3).toString('hex')}$!\nZ${randomBytes(3).toString('hex')}#`;
const TITLE_TOKEN = `CANARY'title${randomBytes(8).toString('hex')}SENTINEL`;
// Credential files whose secret is one part, each the credential's whole value (the recheck of 60ab10c's leak).
const NPM_TOKEN = `CANARYnpm${randomBytes(10).toString('hex')}SENTINEL`;
const REGISTRY_PASSWORD = `CANARYreg${randomBytes(8).toString('hex')}SENTINEL`;
const NETRC_PASSWORD = `CANARYnetrc${randomBytes(10).toString('hex')}SENTINEL`;
// Above ASCII within Latin-1, so both mojibake forms exist.
const LATIN_CORE = `CANARYlatin${randomBytes(10).toString('hex')}SENTINEL`;

const env = {
  SRC_PGPASSWORD: 'postgres',
  SRC_TLS_KEY: TLS_KEY,
  SRC_KUBECONFIG: KUBECONFIG,
  SRC_DATABASE_URL: DATABASE_URL,
  SRC_LONG_TOKEN: LONG_TOKEN,
  SRC_SHORT_LINES: SHORT_LINES,
  SRC_NPM_REGISTRY: `https://npm.acme.io/:_authToken=${NPM_TOKEN}`,
  SRC_PRIVATE_REGISTRY: `deploy:${REGISTRY_PASSWORD}@registry.acme.io`,
  SRC_NETRC: `machine github.com login bot password ${NETRC_PASSWORD}`,
  SRC_LATIN_TOKEN: `${LATIN_CORE}-éàüñ`,
};

// What must appear nowhere after a run: every secret-bearing piece in every form the tests print.
const b64 = Buffer.from(LONG_TOKEN).toString('base64');
const FORBIDDEN: Record<string, string> = {
  'token core': core,
  'kube token': KUBE_TOKEN,
  'file token without its newline': FILE_TOKEN,
  ...Object.fromEntries(SHORT_LINES.split('\n').map((line, i) => [`short line ${i}`, line])),
  'title token after its quote': TITLE_TOKEN.slice(TITLE_TOKEN.indexOf("'") + 1),
  'npm token alone': NPM_TOKEN,
  'registry password alone': REGISTRY_PASSWORD,
  'netrc password alone': NETRC_PASSWORD,
  'Latin-1 value misread': LATIN_CORE,
  'password decoded': PASSWORD,
  'password percent-encoded': encodeURIComponent(PASSWORD),
  'Basic credential': Buffer.from(`app:${PASSWORD}`).toString('base64').slice(0, 24),
  'JSON of the token': JSON.stringify(LONG_TOKEN).slice(1, -1),
  'inspect of the token': inspect(LONG_TOKEN).slice(1, -1),
  'spaced hex (Buffer inspection)': inspect(Buffer.from(LONG_TOKEN)).slice(20, 80),
  'decimal bytes': [...Buffer.from(core)].join(','),
  'UTF-16LE base64': Buffer.from(LONG_TOKEN, 'utf16le').toString('base64').slice(8, 60),
  ...Object.fromEntries(b64.match(/.{64}/g)!.map((line, i) => [`base64 line ${i} at 64`, line])),
  ...Object.fromEntries(b64.match(/.{76}/g)!.map((line, i) => [`base64 line ${i} at 76`, line])),
  ...Object.fromEntries(
    Buffer.from(LONG_TOKEN)
      .toString('hex')
      .match(/.{60}/g)!
      .map((line, i) => [`hex line ${i} at 60 (xxd -p)`, line])
  ),
  ...Object.fromEntries(
    TLS_KEY.split('\n')
      .filter((line) => line.length >= 16 && !line.startsWith('-----'))
      .map((line, i) => [`PEM body line ${i}`, line])
  ),
};

// Jest indents console output by four spaces per line: compare line starts without indentation.
const flat = (text: string): string => text.replace(/^[ \t]+/gm, '');

// Bytes print one decimal number per line (snapshots) or in columns: looked for with the whitespace taken out too.
const unspaced = (text: string): string => stripAnsi(text).replace(/,\s+/g, ',');

function leaks(places: Record<string, string>): string[] {
  return Object.entries(places).flatMap(([place, text]) =>
    Object.entries(FORBIDDEN).flatMap(([form, needle]) =>
      text.includes(needle) || unspaced(text).includes(needle) ? [`${form} in ${place}`] : []
    )
  );
}

const RUNNERS = {
  vitest: {
    fixture: 'vitest-precise',
    source: 'tests/precise.test.ts',
    snap: 'tests/__snapshots__/precise.test.ts.snap',
    copy: () => copyFixture('vitest-precise'),
    run: (dir: ReturnType<typeof copyFixture>, ci: boolean) =>
      runVitest(
        dir,
        [
          '--reporter=default',
          '--reporter=junit',
          `--outputFile.junit=${join(dir.outDir, 'junit.xml')}`,
          '--reporter=blob',
          `--outputFile.blob=${join(dir.outDir, 'blob.json')}`,
        ],
        {
          env: { ...env, CI: ci ? 'true' : '' },
          timeoutMs: 120_000,
        }
      ),
  },
  jest: {
    fixture: 'jest-precise',
    source: 'tests/precise.test.js',
    snap: 'tests/__snapshots__/precise.test.js.snap',
    copy: () => copyJestFixture('jest-precise'),
    run: (dir: ReturnType<typeof copyJestFixture>, ci: boolean) =>
      runJest(dir, ['--runInBand', ci ? '--ci' : '--ci=false'], { env, timeoutMs: 120_000 }),
  },
} as const;

describe.each(Object.keys(RUNNERS) as (keyof typeof RUNNERS)[])('precise scrubbing under the real %s CLI', (name) => {
  const runner = RUNNERS[name];
  const project = runner.copy();
  let first: Awaited<ReturnType<typeof runner.run>>;
  let second: Awaited<ReturnType<typeof runner.run>>;
  let out: string;
  let snapAfterFirst: string;

  beforeAll(async () => {
    mkdirSync(join(project.dir, 'secrets'), { recursive: true });
    writeFileSync(join(project.dir, 'secrets', 'file-token.txt'), `${FILE_TOKEN}\n`, { mode: 0o600 });
    writeFileSync(join(project.dir, 'secrets', 'title-token.txt'), TITLE_TOKEN, { mode: 0o600 });
    first = await runner.run(project, false);
    out = flat(stripAnsi(first.stdout + first.stderr));
    snapAfterFirst = readFileSync(join(project.dir, runner.snap), 'utf8');
    second = await runner.run(project, true);
  }, 300_000);
  afterAll(() => project.remove());

  it('(a) runs green and leaves every test file byte-identical, with "postgres" in the source', () => {
    expect({ code: first.code, tail: first.code === 0 ? '' : out.slice(-3000) }).toEqual({ code: 0, tail: '' });
    const original = readFileSync(join(repoRoot, 'fixtures/projects', runner.fixture, runner.source));
    expect(readFileSync(join(project.dir, runner.source)).equals(original)).toBe(true);
    expect(original.toString()).toContain("toBe('postgres:')");
    expect(out).not.toContain('hold a credential value');
  });

  it('(b) prints PEM armour (also cut by an ellipsis) and kubeconfig structure verbatim, and no body line or token', () => {
    // Printed whole the key keeps its armour (Jest indents each line, so there each body line is its own match).
    expect(out).toMatch(/-----BEGIN PRIVATE KEY-----\n(\[redacted:TLS_KEY\]\n)+-----END PRIVATE KEY-----/);
    expect(out).toContain('key line: -----BEGIN PRIVATE KEY-----');
    expect(out).toContain('key line: [redacted:TLS_KEY]');
    expect(out).toContain('hint: expected a PKCS#8 key: -----BEGIN PRIVATE KEY-----...');
    expect(out).toContain('apiVersion: v1\nkind: Config\n');
    expect(out).toContain('kube line: kind: Config');
    expect(out).toContain(flat('kube line:     server: https://127.0.0.1:6443'));
    expect(out).toContain(flat('kube line:     token: [redacted:KUBECONFIG_DATA]'));
  });

  it('(c) redacts the URL password in both forms and the Basic-auth header', () => {
    expect(out).toContain('password: [redacted:DATABASE_URL] decoded: [redacted:DATABASE_URL]');
    expect(out).toContain('Authorization: Basic [redacted:DATABASE_URL]');
    expect(out).toContain("username: 'app'");
  });

  it('(d) redacts every printed form in output, the JUnit report and the snapshot', () => {
    const places: Record<string, string> = {
      stdout: first.stdout,
      stderr: first.stderr,
      'second run': second.stdout + second.stderr,
      // Every file of the project but the secret's own source.
      ...Object.fromEntries(
        filesUnder(project.dir)
          .filter((f) => !f.path.startsWith(join(project.dir, 'secrets')))
          .map((f) => [f.path, f.text])
      ),
      ...Object.fromEntries(filesUnder(project.outDir).map((f) => [f.path, f.text])),
    };
    expect(Object.keys(places).some((p) => p.endsWith('junit.xml'))).toBe(true);
    expect(leaks(places)).toEqual([]);
    expect(out).toContain('wrapped at 64:\n[redacted:LONG_TOKEN]\n[redacted:LONG_TOKEN]');
    expect(out).toContain('<Buffer [redacted:LONG_TOKEN]');
    // The hex lines as xxd -p wraps them, from a child: the value's redacted, a harmless text's as printed.
    expect(out).toContain('child xxd:\n[redacted:LONG_TOKEN]\n');
    const twin = Buffer.from('harmless-CANARY-hex-twin-of-forty-bytes')
      .toString('hex')
      .match(/.{1,60}/g)!;
    expect(out).toContain(`child xxd harmless:\n${twin.join('\n')}\n`);
    // A Uint8Array logged: the value's bytes redacted, the harmless array's printed as Node prints them.
    expect(unspaced(out)).toContain([...Buffer.from('harmless-CANARY-bytes')].join(','));
  });

  it('(f) redacts a file value that ends in a newline when it is printed without it, and keeps the line break', () => {
    expect(out).toContain('file token trimmed: [redacted:FILE_TOKEN] end');
    expect(out).toContain('file token written: [redacted:FILE_TOKEN]\nafter the value');
    expect(out).toContain('file token from a child: [redacted:FILE_TOKEN] end');
  });

  it('(h) redacts a title made from a value in every report, and keeps its harmless twin', () => {
    const junit = filesUnder(project.outDir).find((f) => f.path.endsWith('junit.xml'))?.text ?? '';
    expect(junit).toContain('(h) a title made from a value: ');
    expect(junit).toContain('[redacted:TITLE_TOKEN]');
    // Quoted as the runner's `%o` quotes it (Vitest: '…\'…', Jest: "…'…"), XML-escaped.
    expect(junit).toMatch(/\(h\) a harmless title: (&apos;harmless\\&apos;|&quot;harmless&apos;)CANARY-title/);
  });

  it('(i) redacts the part of a value util.inspect prints before it cuts a long string, and keeps a harmless cut', () => {
    expect(out).not.toContain(core.slice(0, 12));
    expect(out).toMatch(/q\[redacted:LONG_TOKEN\]'\.\.\. \d+ more characters/);
    expect(out).toMatch(/qharmless-CANARY-cut-text-that-is-long-enough-'\.\.\. \d+ more characters/);
  });

  it('(j) redacts a value of short lines that the console prints indented, and keeps the harmless twin', () => {
    expect(out).toContain('Hq5%Lm2^\nWv8&Rt4*');
    expect(out.match(/\[redacted:SHORT_LINES\]/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('(l) redacts the secret part of a credential file printed alone, also by a child, and keeps its host', () => {
    for (const [label, name] of [
      ['npm token', 'NPM_REGISTRY'],
      ['registry password', 'PRIVATE_REGISTRY'],
      ['netrc password', 'NETRC'],
    ]) {
      expect(out).toContain(`${label}: [redacted:${name}]`);
      expect(out).toContain(`child ${label}: [redacted:${name}]`);
    }
    expect(out).toContain('registry host: registry.acme.io');
    expect(out).toContain('netrc machine: machine github.com');
  });

  it('(m) redacts a value after a transcoding mistake either way, and keeps the harmless twin as misread', () => {
    expect(out).toContain('latin-1 tool says: [redacted:LATIN_TOKEN]');
    expect(out).toContain('utf-8 read as latin-1: [redacted:LATIN_TOKEN]');
    expect(out).toContain('latin-1 tool harmless: harmless-caf\ufffd-au-lait');
  });

  it('(n) redacts a near miss of a value, here and from a child, and keeps a harmless line of the same shape', () => {
    expect(out).toContain('near miss: [redacted:LONG_TOKEN]ZZZ end');
    expect(out).toContain('child near miss: X[redacted:LONG_TOKEN] end');
    expect(out).toContain('near miss harmless: HARMLESS-CANARY-0123456789abcdef-TZZZ end');
  });

  it('(g) redacts bytes a child process prints in two writes, and passes its harmless twin on as printed', () => {
    expect(stripAnsi(out)).toMatch(/child bytes: Uint8Array\(\d+\) \[\s+\[redacted:LONG_TOKEN\]\s+\] end/);
    expect(out).toContain(flat(`child harmless: ${inspect(new TextEncoder().encode('harmless-child-bytes'))}\n`));
  });

  it('(k) writes what pretty-format prints itself redacted and the harmless twins as the runner does; hints too', () => {
    const key = '(k) snapshots of what pretty-format prints itself, each with its harmless twin';
    const entry = (n: number, body: string) => `exports[\`${key} ${n}\`] = \`\n${body}\n\`;`;
    const element = (text: string) => `<p>\n  Token: \n  ${text}\n</p>`;
    const printed = (text: string) =>
      `{\n  "instance": ${text} {},\n  "regexp": /${text}/,\n  "symbol": Symbol(${text}),\n}`;
    // The value's four snapshots (1-4), then their harmless twins (5-8) as the runner writes them.
    for (const [first, text] of [
      [1, '[redacted:FILE_TOKEN]'],
      [5, 'harmless-CANARY-printed'],
    ] as const) {
      expect(snapAfterFirst).toContain(entry(first, element(text)));
      expect(snapAfterFirst).toContain(entry(first + 1, element(text)));
      expect(snapAfterFirst).toContain(entry(first + 2, `<x-banner>\n  ${text}\n</x-banner>`));
      expect(snapAfterFirst).toContain(entry(first + 3, printed(text)));
    }
    expect(snapAfterFirst).toContain(entry(9, element('[redacted:LONG_TOKEN]')));
    // A serializer of the config that prints the value itself: its text is scrubbed too, the twin's kept.
    const raw = '(k) a serializer of the config that prints the value itself, and its harmless twin';
    expect(snapAfterFirst).toContain(`exports[\`${raw} 1\`] = \`Printed raw: [redacted:FILE_TOKEN]\`;`);
    expect(snapAfterFirst).toContain(`exports[\`${raw} 2\`] = \`Printed raw: harmless-CANARY-raw\`;`);
    // The inline snapshots hold the label already: (a) shows the run left the source byte-identical.
    const source = readFileSync(join(project.dir, runner.source), 'utf8');
    expect(source).toContain('"regexp": /[redacted:FILE_TOKEN]/,');
    // A hint holding a value, of toMatchSnapshot and toThrowErrorMatchingSnapshot: the key holds the label.
    const hint = name === 'vitest' ? 'which becomes the key > ' : 'which becomes the key: ';
    expect(snapAfterFirst).toContain(`${hint}hint [redacted:LONG_TOKEN] 1\``);
    expect(snapAfterFirst).toContain(`${hint}error hint [redacted:LONG_TOKEN] 1\``);
  });

  it('(e) writes the snapshot redacted, and a second run in CI mode passes against it', () => {
    expect(snapAfterFirst).toContain('"url": "[redacted:DATABASE_URL]"');
    expect(snapAfterFirst).toContain('"token": "[redacted:LONG_TOKEN]"');
    expect(snapAfterFirst).toContain('thrown [redacted:LONG_TOKEN]');
    expect(snapAfterFirst).toContain('Buffer "[redacted:LONG_TOKEN]"');
    expect(snapAfterFirst).toContain('Uint8Array "[redacted:LONG_TOKEN]"');
    // The harmless twin keeps the runner's own form, one decimal byte per line.
    expect(unspaced(snapAfterFirst)).toContain([...Buffer.from('harmless-CANARY-bytes')].join(','));
    expect(snapAfterFirst).toContain(
      name === 'vitest' ? '[TypeError: thrown harmless-CANARY-text]' : '"thrown harmless-CANARY-text"'
    );
    expect({
      code: second.code,
      tail: second.code === 0 ? '' : stripAnsi(second.stdout + second.stderr).slice(-3000),
    }).toEqual({ code: 0, tail: '' });
    expect(readFileSync(join(project.dir, runner.snap), 'utf8')).toBe(snapAfterFirst);
  });
});
