import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  files: string[];
};

const CLOUD_SDKS = /^(@aws-sdk\/|@smithy\/|@google-cloud\/|google-gax|@grpc\/|@azure\/|node-vault)/;

describe('package.json exports', () => {
  it('exports ".", "./vitest", "./jest-environment" and "./package.json", types first and default last', () => {
    expect(Object.keys(pkg.exports)).toEqual(
      expect.arrayContaining(['.', './vitest', './jest-environment', './package.json'])
    );
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') {
        continue;
      }
      const conditions = Object.keys(target);
      expect(conditions[0], subpath).toBe('types');
      expect(conditions.at(-1), subpath).toBe('default');
    }
    // Jest resolves test environments with the require/default conditions only.
    const jestEnv = pkg.exports['./jest-environment'] as Record<string, string>;
    expect(jestEnv['require'] ?? jestEnv['default']).toMatch(/\.cjs$/);
  });

  it('packs the built files, the bin and nothing from src, test or fixtures', () => {
    const [report] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })
    ) as [{ files: { path: string }[] }];
    const paths = report.files.map((f) => f.path);
    expect(paths).toContain('dist/cli.js');
    expect(paths).toContain('dist/index.js');
    expect(paths).toContain('dist/index.cjs');
    expect(paths).toContain('README.md');
    expect(paths.filter((p) => /^(src|test|fixtures|bench)\//.test(p))).toEqual([]);
    expect(Object.values(pkg.bin)).toEqual(['./dist/cli.js']);
  });
});

describe('built files', () => {
  // tsup.config.ts (ascii-only): V8 decodes and scans an ASCII source faster than one it must hold as two-byte.
  it('are ASCII throughout, comments included, so V8 holds each as a one-byte string', () => {
    const dist = join(root, 'dist');
    const scripts = readdirSync(dist).filter((f) => /\.(js|cjs)$/.test(f));
    expect(scripts).toContain('jest-global-setup.cjs');
    expect(scripts).toContain('vitest-runtime.cjs');
    const nonAscii = scripts.filter((f) => /[\u0080-\uffff]/.test(readFileSync(join(dist, f), 'utf8')));
    expect(nonAscii).toEqual([]);
  });
});

describe('lazy cloud SDKs', () => {
  it.each(['credential-broker', 'credential-broker/vitest', 'credential-broker/vitest/plugin'])(
    'importing %s loads no cloud SDK',
    (entry) => {
      const specifiers = importsOf(entry);
      expect(specifiers).toContain(entry);
      expect(specifiers.filter((s) => CLOUD_SDKS.test(s))).toEqual([]);
    }
  );

  // The Vitest config imports it before the first fork: Vitest's test API there (chai, expect, the runner) costs
  // the main process ~35 ms on every run.
  it('importing credential-broker/vitest/plugin loads nothing of Vitest', () => {
    const specifiers = importsOf('credential-broker/vitest/plugin');
    expect(specifiers).toContain('credential-broker/vitest/plugin');
    expect(specifiers.filter((s) => /^(vitest|chai|@vitest\/|vite)(\/|$)/.test(s))).toEqual([]);
  });

  function importsOf(entry: string): string[] {
    const record = join(mkdtempSync(join(tmpdir(), 'cb-imports-')), 'imports.txt');
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        join(root, 'test/helpers/record-imports.mjs'),
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(entry)})`,
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, RECORD_IMPORTS_FILE: record } }
    );
    expect(result.stderr).toBe('');
    return readFileSync(record, 'utf8').split('\n').filter(Boolean);
  }

  it('requiring credential-broker/jest-environment loads no cloud SDK', () => {
    const script = `
      const Module = require('node:module');
      const seen = [];
      const load = Module._load;
      Module._load = function (request, ...rest) { seen.push(request); return load.call(this, request, ...rest); };
      require('credential-broker/jest-environment');
      process.stdout.write(JSON.stringify(seen));`;
    const seen = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })
    ) as string[];
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((s) => CLOUD_SDKS.test(s))).toEqual([]);
  });
});
