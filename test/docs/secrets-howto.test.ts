/**
 * docs/secrets-howto.md, run as written: its `sh` blocks with the real age (and sops, when installed) CLIs in a temp
 * directory, its config blocks as the config, then the broker resolves what they made.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist', 'cli.js');
const doc = readFileSync(join(root, 'docs', 'secrets-howto.md'), 'utf8');
// TEST ONLY sentinels.
const DB_PASSWORD = 'SENTINEL-howto-db-7c1e9f';
const API_TOKEN = 'SENTINEL-howto-api-2b8d4a';
const has = (bin: string) => spawnSync(bin, ['--version']).status === 0;
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The blocks right after `<!-- howto:TAG -->`, in order. */
function blocks(tag: string): string[] {
  const found = [...doc.matchAll(new RegExp(`<!-- howto:${tag} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``, 'g'))];
  return found.map((m) => m[1] ?? '');
}

function follow(
  tags: string[],
  config: string
): { dir: string; run: (...args: string[]) => ReturnType<typeof spawnSync> } {
  const base = mkdtempSync(join(tmpdir(), 'cb-howto-'));
  dirs.push(base);
  const dir = join(base, 'project');
  const runtime = join(base, 'run');
  mkdirSync(dir);
  mkdirSync(runtime, { mode: 0o700 });
  const env = { ...process.env, DB_PASSWORD, API_TOKEN, CREDENTIAL_BROKER_EGRESS: '0', XDG_RUNTIME_DIR: runtime };
  execFileSync('sh', ['-e', '-c', tags.flatMap(blocks).join('\n')], { cwd: dir, env, stdio: 'pipe' });
  const [text] = blocks(config);
  writeFileSync(join(dir, 'credential-broker.config.yaml'), text ?? '');
  return {
    dir,
    run: (...args) =>
      spawnSync(process.execPath, [cli, ...args], {
        cwd: dir,
        env: { ...env, DB_PASSWORD: '', API_TOKEN: '' },
        encoding: 'utf8',
      }),
  };
}

describe('docs/secrets-howto.md', () => {
  it.runIf(has('age') || process.env['CI'] !== undefined)(
    'age: the commands make a secret the broker resolves',
    () => {
      const { dir, run } = follow(['age'], 'age-config');
      expect(readFileSync(join(dir, 'secrets', 'db-password.age')).includes(Buffer.from(DB_PASSWORD))).toBe(false);
      const check = run('check');
      expect(check.status, String(check.stderr)).toBe(0);
      const shown = run(
        'run',
        '--',
        process.execPath,
        '-e',
        'process.stdout.write(String(process.env.DB_PASSWORD.length) + " " + process.env.DB_PASSWORD)'
      );
      expect(shown.stdout).toBe(`${DB_PASSWORD.length} [redacted:DB_PASSWORD]`);
      expect(`${check.stdout}${check.stderr}${shown.stderr}`).not.toContain('SENTINEL-');
    },
    60_000
  );

  it.runIf(has('sops'))(
    'sops: the commands make a document the broker resolves',
    () => {
      const { run } = follow(['age', 'sops'], 'sops-config');
      const shown = run(
        'run',
        '--',
        process.execPath,
        '-e',
        'process.stdout.write(process.env.DB_PASSWORD + " " + process.env.API_TOKEN)'
      );
      expect(shown.status, String(shown.stderr)).toBe(0);
      expect(shown.stdout).toBe('[redacted:DB_PASSWORD] [redacted:API_TOKEN]');
    },
    60_000
  );
});
