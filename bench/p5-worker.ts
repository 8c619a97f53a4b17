/**
 * P5: what a Vitest worker loads for the plugin, and how long it takes. A Node loader hook (through NODE_OPTIONS, so
 * in the main process and every worker) logs each module as it loads. Two runs of a one-test project with the
 * package installed as a copy (so Vitest imports it natively, where the hook sees it):
 * - bare Vitest, whose test file imports the worker-side entries itself between two marks: the modules between the
 *   marks are what the plugin costs a worker that acquires, and the time between them is the cold import time (the
 *   setup file's share, all that a worker whose files declare nothing loads, is printed beside it);
 * - the plugin active and a test calling `credentials()`: every module its worker loads (and every CommonJS module it
 *   requires, listed by the test itself), checked for cloud SDKs.
 * The runtime is not a module load: the setup file compiles dist/vitest-runtime.cjs itself (runtime-loader.ts, for the
 * run's code cache). The bare run compiles it cold, as a run's first fork does, and counts it from the worker's mark.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Figure } from './figure.js';
import { benchProject, median } from './p2-common.js';

const CLOUD_SDK =
  /^(@aws-sdk|@smithy|@aws-crypto|@google-cloud|google-auth-library|google-gax|gaxios|@grpc|@azure)(\/|$)/;

const TIMED_RUNS = 15;
/** Named as a run's scratch root is, so the runtime loader keeps its code cache there. */
const CACHED_ROOT = 'credential-broker-1-cafe';

interface Load {
  readonly pid: number;
  readonly url: string;
}

function packageOf(url: string): string {
  const path = decodeURIComponent(new URL(url).pathname);
  const tail = path.slice(path.lastIndexOf('/node_modules/') + '/node_modules/'.length);
  const [first, second] = tail.split('/');
  return first?.startsWith('@') ? `${first}/${second}` : (first ?? path);
}

function writeProject(dir: string): void {
  writeFileSync(
    join(dir, 'hooks.mjs'),
    [
      "import { appendFileSync } from 'node:fs';",
      'export async function load(url, context, next) {',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source of a generated file
      '  appendFileSync(process.env.P5_LOG, `load ${process.pid} ${url}\\n`);',
      '  return next(url, context);',
      '}',
    ].join('\n')
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n"
  );
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'secrets', 'token.txt'), 'P5_CANARY_TOKEN_0123456789abcdef');
  writeFileSync(
    join(dir, 'credential-broker.config.json'),
    JSON.stringify({ credentials: { P5_TOKEN: 'file:secrets/token.txt' } })
  );
  const dist = join(dir, 'node_modules', 'credential-broker', 'dist');
  // A private root (0700, as a run's scratch root is) that never holds a code cache: the runtime compiles cold.
  mkdirSync(join(dir, 'root'), { mode: 0o700 });
  // A root named as a run's scratch root is, where the runtime's code cache is kept, as a run's later forks find it.
  mkdirSync(join(dir, CACHED_ROOT), { mode: 0o700 });
  // A neutral module, imported before the first mark: a test file's first dynamic import costs ~2.5 ms more than the
  // next (Vitest's runner and Node's loader warm up that path), whatever it imports. In a fork, the setup files and the
  // test file share that warm-up with any module; without this, the broker's setup file was charged all of it.
  mkdirSync(join(dir, 'node_modules', 'p5-neutral'));
  writeFileSync(join(dir, 'node_modules', 'p5-neutral', 'package.json'), '{"name":"p5-neutral","type":"module"}');
  writeFileSync(join(dir, 'node_modules', 'p5-neutral', 'index.js'), 'export const neutral = true;\n');
  writeFileSync(
    join(dir, 'vitest.bare.config.mjs'),
    "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['bare.test.js'] } });\n"
  );
  writeFileSync(
    join(dir, 'bare.test.js'),
    [
      "import { appendFileSync } from 'node:fs';",
      "import { expect, test } from 'vitest';",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source of a generated file
      'const mark = (what) => appendFileSync(process.env.P5_LOG, `${what} ${process.pid}\\n`);',
      `await import(${JSON.stringify(pathToFileURL(join(dir, 'node_modules', 'p5-neutral', 'index.js')).href)});`,
      "mark('start');",
      'const started = performance.now();',
      // What every worker loads (the setup file, through Vitest's runner as setupFiles are), then what a worker that
      // acquires adds: the fixture (imported by the test file) and the runtime (imported natively by the setup file).
      `const setup = await import(${JSON.stringify(pathToFileURL(join(dist, 'vitest-setup.js')).href)});`,
      'const setupOnly = performance.now() - started;',
      "await import('credential-broker/vitest');",
      // Cold in the private root, as the run's first fork compiles it; from the code cache in the scratch-named one.
      'await setup.workerRuntime.load(process.env.P5_ROOT);',
      'const elapsed = performance.now() - started;',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source of a generated file
      "mark(`runtime-${setup.workerRuntime.cacheUse === 'compiled' ? 'cold' : setup.workerRuntime.cacheUse === 'from cache' ? 'cached' : 'NOT-COLD'}`);",
      'setup.workerRuntime.saveCache();',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source of a generated file
      'mark(`end ${elapsed} ${setupOnly}`);',
      "test('imports the worker-side entries', () => expect(elapsed).toBeGreaterThan(0));",
    ].join('\n')
  );
  writeFileSync(
    join(dir, 'vitest.plugin.config.mjs'),
    [
      "import { credentialBroker } from 'credential-broker/vitest/plugin';",
      "import { defineConfig } from 'vitest/config';",
      "export default defineConfig({ plugins: [credentialBroker()], test: { include: ['plugin.test.js'] } });",
    ].join('\n')
  );
  writeFileSync(
    join(dir, 'plugin.test.js'),
    [
      "import { appendFileSync } from 'node:fs';",
      "import { createRequire } from 'node:module';",
      "import { pathToFileURL } from 'node:url';",
      "import { test } from 'credential-broker/vitest';",
      "import { expect } from 'vitest';",
      "test('acquires one credential', async ({ credentials }) => {",
      "  const { P5_TOKEN } = await credentials('P5_TOKEN');",
      '  expect(P5_TOKEN.length).toBeGreaterThan(8);',
      // What the worker require()d (the runtime's own requires among it), which the loader hook does not see.
      '  for (const path of Object.keys(createRequire(import.meta.url).cache)) {',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source of a generated file
      '    appendFileSync(process.env.P5_LOG, `load ${process.pid} ${pathToFileURL(path).href}\\n`);',
      '  }',
      '});',
    ].join('\n')
  );
}

function run(
  project: { dir: string; vitest: string },
  variant: 'bare' | 'plugin',
  hooked = true,
  root = 'root'
): { loads: Load[]; log: string } {
  const logFile = join(project.dir, `${variant}.log`);
  writeFileSync(logFile, '');
  const child = spawnSync(process.execPath, [project.vitest, 'run', '--config', `vitest.${variant}.config.mjs`], {
    cwd: project.dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      P5_LOG: logFile,
      P5_ROOT: join(project.dir, root),
      CI: '1',
      // The loader hook that lists modules costs time per module: timed runs go without it.
      ...(hooked ? { NODE_OPTIONS: `--import ${pathToFileURL(join(project.dir, 'register.mjs')).href}` } : {}),
    },
  });
  if (child.status !== 0) {
    throw new Error(`P5: the ${variant} run failed (exit ${child.status})\n${child.stdout}\n${child.stderr}`);
  }
  const log = readFileSync(logFile, 'utf8');
  const loads = log
    .split('\n')
    .filter((line) => line.startsWith('load '))
    .map((line) => {
      const [, pid, url] = line.split(' ');
      return { pid: Number(pid), url: url ?? '' };
    });
  return { loads, log };
}

/** P5: modules a worker loads for the plugin (no cloud SDK) and their cold import time. */
export async function p5(): Promise<Figure[]> {
  const project = benchProject('cb-p5-');
  try {
    writeProject(project.dir);

    const bare = run(project, 'bare');
    const lines = bare.log.split('\n');
    const start = lines.findIndex((line) => line.startsWith('start '));
    const end = lines.findIndex((line) => line.startsWith('end '));
    // `end <all ms> <setup file ms> <pid>`
    const [, elapsedText, , workerPid] = (lines[end] ?? '').split(' ');
    const between = lines
      .slice(start + 1, end)
      .filter((line) => line.startsWith(`load ${workerPid} `))
      .map((line) => line.split(' ')[2] ?? '');
    // The runtime is compiled by the setup file's loader (node:vm, for the code cache), which the loader hook does
    // not see: counted from the worker's own mark that it compiled it, cold.
    if (!lines.slice(start, end).some((line) => line === `runtime-cold ${workerPid}`)) {
      throw new Error(`P5: the worker did not compile the runtime cold\n${bare.log}`);
    }
    const runtimeUrl = pathToFileURL(
      join(project.dir, 'node_modules', 'credential-broker', 'dist', 'vitest-runtime.cjs')
    );
    const files = [...between.filter((url) => url.startsWith('file:')), runtimeUrl.href];
    const packages = [...new Set(files.map(packageOf))].sort();
    // The time: the median of 15 runs without the hook (the hooked run's own figure is shown beside it). Five were
    // too few: one bench run's median of five (10.9 ms) sat 2.5 ms above three runs of P5 alone in the next minutes.
    const timedRuns = (root: string, expect: string) =>
      Array.from({ length: TIMED_RUNS }, () => {
        const log = run(project, 'bare', false, root).log.split('\n');
        if (!log.some((l) => l.startsWith(`runtime-${expect} `))) {
          throw new Error(`P5: the worker's runtime was not ${expect}\n${log.join('\n')}`);
        }
        const line = log.find((l) => l.startsWith('end '));
        return { all: Number(line?.split(' ')[1]), setup: Number(line?.split(' ')[2]) };
      });
    const timed = timedRuns('root', 'cold');
    const importMs = median(timed.map((t) => t.all));
    const range = `${Math.min(...timed.map((t) => t.all)).toFixed(1)}–${Math.max(...timed.map((t) => t.all)).toFixed(1)} ms`;
    // Every fork after the run's first ones finds the runtime's code cache: one run saves it, the timed ones use it.
    run(project, 'bare', false, CACHED_ROOT);
    const cachedMs = median(timedRuns(CACHED_ROOT, 'cached').map((t) => t.all));
    const setupMs = median(timed.map((t) => t.setup));

    // With the plugin active: everything any worker (any pid but the main process's) loaded during a real acquire.
    const plugin = run(project, 'plugin');
    const mainPid = plugin.loads[0]?.pid;
    const workerPackages = [
      ...new Set(
        plugin.loads.filter((l) => l.pid !== mainPid && l.url.startsWith('file:')).map((l) => packageOf(l.url))
      ),
    ];
    const sdk = [...new Set([...packages, ...workerPackages])].filter((name) => CLOUD_SDK.test(name));

    return [
      {
        id: 'P5-MODULES',
        name: `modules a worker loads for the plugin: ${files.length} files from ${packages.join(', ')} (+ ${between.filter((url) => url.startsWith('node:')).length} node: builtins); cloud SDK packages in any worker: ${sdk.length === 0 ? 'none' : sdk.join(', ')}`,
        value: files.length,
        unit: 'modules',
        goal: 'no cloud SDK',
        pass: sdk.length === 0 && files.length > 0,
      },
      {
        id: 'P5-IMPORT',
        name: `cold import of the worker-side entries in a Vitest worker as the plugin loads them (setup file and fixture through Vitest's runner, after one neutral import warms that path, the runtime compiled by the setup file with no code cache, as the run's first fork does), median of ${TIMED_RUNS} (range ${range}); a later fork, with the run's code cache of the runtime: ${cachedMs.toFixed(1)} ms; the setup file alone, all a worker that declares nothing loads: ${setupMs.toFixed(1)} ms (${Number(elapsedText).toFixed(1)} ms with the module-listing hook)`,
        value: Math.round(importMs * 10) / 10,
        unit: 'ms',
        goal: '≤ 10 ms',
        pass: importMs <= 10,
      },
    ];
  } finally {
    project.remove();
  }
}
