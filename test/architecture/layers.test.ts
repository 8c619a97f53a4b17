import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `npm run lint:layers` checks the real tree. Here the same config judges a tiny tree of its own, so the test
// proves the check can fail: each forbidden import below must be reported, and the harmless ones must not.
const ROOT = resolve(import.meta.dirname, '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const CLI = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Run exactly as `npm run lint:layers` does (the default `err` output, whose exit code fails lint).
function cruise(files: Record<string, string>): { status: number | null; violations: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'cb-layers-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true } })
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const run = spawnSync(process.execPath, [CLI, 'src', '--config', CONFIG], {
    cwd: dir,
    encoding: 'utf8',
  });
  const violations = [...`${run.stdout}${run.stderr}`.matchAll(/^\s*error (\S+): (\S+) →\s+(\S+)/gm)].map(
    ([, rule, from, to]) => `${rule}: ${from} -> ${to}`
  );
  return { status: run.status, violations: violations.sort() };
}

describe('the layer check (.dependency-cruiser.cjs)', () => {
  it('passes a tree that only imports downwards', () => {
    const { status, violations } = cruise({
      'src/errors.ts': 'export const E = 1;\n',
      'src/contract/wire.ts': 'export type Grant = { readonly name: string };\n',
      'src/ipc/server.ts': "import type { Grant } from '../contract/wire.js';\nexport const g = (x: Grant) => x;\n",
      'src/worker/worker.ts': "import { g } from '../ipc/server.js';\nexport const w = g;\n",
      'src/host/session.ts':
        "import { g } from '../ipc/server.js';\nimport { E } from '../errors.js';\nexport const s = [g, E];\n",
    });
    expect(violations).toEqual([]);
    expect(status).toBe(0);
  });

  it('fails on an upward import, a worker reaching the host, and a circle', () => {
    const { status, violations } = cruise({
      'src/backends/vault/index.ts': "import { c } from '../../config/schema.js';\nexport const v = c;\n",
      'src/config/schema.ts': 'export const c = 1;\n',
      'src/worker/worker.ts': "import { s } from '../host/session.js';\nexport const w = s;\n",
      'src/host/session.ts': 'export const s = 1;\n',
      'src/ref/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/ref/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    });
    // One line per offending import (the first rule it breaks); a circle is reported at one of its arrows.
    expect(violations).toEqual([
      expect.stringMatching(/^no-circular: src\/ref\/[ab]\.ts -> src\/ref\/[ab]\.ts$/),
      'no-upward-from-floor-5: src/backends/vault/index.ts -> src/config/schema.ts',
      'worker-not-host: src/worker/worker.ts -> src/host/session.ts',
    ]);
    expect(status).not.toBe(0);
  });

  it('fails on a room that stands on no floor, and on an import of it', () => {
    const { status, violations } = cruise({
      'src/errors.ts': 'export const E = 1;\n',
      'src/newroom/thing.ts': "import { E } from '../errors.js';\nexport const t = E;\n",
      'src/host/session.ts': "import { t } from '../newroom/thing.js';\nexport const s = t;\n",
    });
    expect(violations).toEqual([
      'every-room-on-a-floor: src/newroom/thing.ts -> src/errors.ts',
      'no-import-of-a-room-without-a-floor: src/host/session.ts -> src/newroom/thing.ts',
    ]);
    expect(status).not.toBe(0);
  });
});
