#!/usr/bin/env node
// `npm run prove`: runs the security matrices and prints one line per figure, each counted from tests that can fail.
//
// Two sources, both produced by the same test run:
// - the Vitest JSON report: each figure selects tests by file and name (below), counts those that passed, and is
//   FAILED when any selected test failed or none was found — so the figures grow as tests are added;
// - figure files in .tmp/figures/<figure>.<part>.json, written by a matrix test as its last statement (so only when
//   every assertion before it passed; test/helpers/figures.ts). R1's vector counts come from there.
//
//
//   node scripts/prove.mjs                    run the matrices (needs `npm run build` first; `npm run prove` does it)
//   node scripts/prove.mjs --results FILE     count from an existing Vitest JSON report (CI: the `npm test` run's)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const figuresDir = join(root, '.tmp', 'figures');

/**
 * Each figure: the test files it draws on (the matrices it runs) and which of their tests prove it.
 * `name` is matched against the test's full name (describe blocks and title).
 */
const FIGURES = [
  {
    id: 'R1',
    files: /^test\/e2e\/(vitest-plugin|jest-environment|cli-run|ci|pipes)\.e2e\.test\.ts$/,
    name: /leak|sentinel|scrubs every form|value nowhere/i,
    line: (n, parts) => {
      const by = (prefix) => parts.filter(([part]) => part.startsWith(prefix)).reduce((s, [, d]) => s + d.vectors, 0);
      const files = by('file-scan-');
      return `R1 leak vectors: ${by('vitest')} Vitest + ${by('jest')} Jest + ${by('run')} run + ${files} written-file (${n} tests), 0 leaks`;
    },
    needsParts: ['vitest', 'jest', 'run'],
  },
  {
    id: 'R2',
    files: /^test\/(e2e\/.*|unit\/materialise\/.*|integration\/session)\.test\.ts$/,
    name: /SIGINT|SIGTERM|SIGHUP|SIGKILL|process\.exit|crash|killed|times? out|timeout|uncaught|no (scratch|file)|nothing behind|is gone|are gone|wipe/i,
    line: (n) => `R2 ways a run ends: ${n}, 0 files left`,
  },
  {
    id: 'R3',
    files: /^test\/e2e\/.*\.test\.ts$/,
    name: /socket/i,
    line: (n, parts) => {
      const processes = parts.reduce((sum, [, d]) => sum + d.processes, 0);
      return `R3 inet sockets with default config: 0 (Vitest, Jest, run; ${processes} runner processes recorded, ${n} tests; the broker's Unix socket is not egress)`;
    },
    needsParts: ['vitest', 'jest'],
  },
  {
    id: 'R4',
    files: /^test\/unit\/(config|ref|docblock|cli)\/.*\.test\.ts$/,
    name: /reject|refuse|without echoing|not a valid|names the|bad |unknown|invalid/i,
    line: (n) => `R4 bad inputs: ${n}, each a clear error naming the ref, 0 values echoed`,
  },
  {
    id: 'R5',
    files: /^test\/(integration|unit\/(backends|host|login|sdk))\/.*\.test\.ts$/,
    name: /timeout|TIMEOUT|abort|slow|transient|UNAVAILABLE|5xx|429|sealed|cannot reach|unreachable|retr|hang|refus|DENIED|NOT_FOUND|expired/i,
    line: (n) => `R5 backend faults: ${n}, each bounded in time`,
  },
  {
    id: 'R6',
    files: /^test\/unit\/(materialise|ci|scan)\/.*\.test\.ts$/,
    name: /./,
    line: (n) =>
      `R6 file safety: ${n} checks (0600 files in 0700 dirs, no link followed, zeroed before unlink, swept, written files scanned), 0 failures`,
  },
  {
    id: 'R9',
    files: /^test\/fuzz\/channel-abuse\.test\.ts$/,
    name: /./,
    line: (n, parts) => {
      const [[, d]] = parts;
      return (
        `R9 channel fuzz: ${d.cases} abuse cases (${d.connections} hostile connections, ${d.megabytes} MB sent, ${n} tests): ` +
        `a legitimate worker answered in ≤ ${d.legitMaxMs} ms (bound ${d.legitBoundMs}), heap +${d.heapMaxMb} MB ` +
        `(bound ${d.heapBoundMb}), RSS +${d.rssMaxMb} MB (bound ${d.rssBoundMb}), descriptors back to baseline, ` +
        '0 unplanned grants, 0 canaries'
      );
    },
    needsParts: ['channel'],
  },
];

const args = process.argv.slice(2);
const resultsArg = args.indexOf('--results');
let resultsFile;
if (resultsArg >= 0) {
  resultsFile = args[resultsArg + 1];
} else {
  // Fresh figures for this run only.
  rmSync(figuresDir, { recursive: true, force: true });
  mkdirSync(join(root, '.tmp'), { recursive: true });
  resultsFile = join(root, '.tmp', 'prove-results.json');
  rmSync(resultsFile, { force: true });
  const matrices = [...new Set(listTests().filter((file) => FIGURES.some((f) => f.files.test(file))))];
  process.stdout.write(`prove: running ${matrices.length} test files\n`);
  spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      ...matrices,
      '--reporter=dot',
      '--reporter=json',
      `--outputFile.json=${resultsFile}`,
    ],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] }
  );
}

if (resultsFile === undefined || !existsSync(resultsFile)) {
  process.stdout.write('prove: no test results to count from\n');
  process.exit(1);
}
const report = JSON.parse(readFileSync(resultsFile, 'utf8'));
const tests = report.testResults.flatMap((file) =>
  (file.assertionResults ?? []).map((a) => ({ file: relative(root, file.name), name: a.fullName, status: a.status }))
);
const loadFailures = report.testResults.filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0);

const parts = (id) =>
  existsSync(figuresDir)
    ? readdirSync(figuresDir)
        .filter((name) => name.startsWith(`${id}.`) && name.endsWith('.json'))
        // Only figures written during the counted run: an older one proves nothing about this code.
        .filter((name) => statSync(join(figuresDir, name)).mtimeMs >= (report.startTime ?? 0))
        .map((name) => [
          name.slice(id.length + 1, -'.json'.length),
          JSON.parse(readFileSync(join(figuresDir, name), 'utf8')),
        ])
    : [];

let failed = 0;
const out = [];
for (const figure of FIGURES) {
  const selected = tests.filter((t) => figure.files.test(t.file) && figure.name.test(t.name));
  const passed = selected.filter((t) => t.status === 'passed').length;
  const failing = selected.filter((t) => t.status === 'failed');
  const broken = loadFailures.filter((f) => figure.files.test(relative(root, f.name)));
  const figureParts = parts(figure.id);
  const missing = (figure.needsParts ?? []).filter((p) => !figureParts.some(([part]) => part === p));
  if (passed === 0 || failing.length > 0 || broken.length > 0 || missing.length > 0) {
    failed++;
    const why = [
      ...failing.map((t) => `${t.file} > ${t.name}`),
      ...broken.map((f) => `${relative(root, f.name)} did not load`),
      ...missing.map((p) => `no ${figure.id} figure from ${p}`),
      ...(passed === 0 ? ['no passing test selected'] : []),
    ];
    out.push(
      `${figure.id} FAILED: ${why.slice(0, 5).join('; ')}${why.length > 5 ? ` … and ${why.length - 5} more` : ''}`
    );
  } else {
    out.push(figure.line(passed, figureParts));
  }
}
process.stdout.write(`${out.join('\n')}\n`);
process.exitCode = failed === 0 ? 0 : 1;

function listTests() {
  return readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })
    .map((entry) => `test/${entry}`)
    .filter((path) => path.endsWith('.test.ts'))
    .sort();
}
