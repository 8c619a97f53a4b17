import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCredentialPragmasFromTestFile } from '../../../src/docblock/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

function project(): { root: string; outside: string } {
  const base = mkdtempSync(join(tmpdir(), 'cb-docblock-'));
  dirs.push(base);
  const root = join(base, 'project');
  const outside = join(base, 'elsewhere');
  mkdirSync(root);
  mkdirSync(outside);
  return { root, outside };
}

describe(readCredentialPragmasFromTestFile.name, () => {
  it('reads the docblock of a regular test file inside the project', async () => {
    const { root } = project();
    const file = join(root, 'a.test.ts');
    writeFileSync(file, '/** @credentials A, B=env:SOURCE */\nexport {};\n');
    expect((await readCredentialPragmasFromTestFile(file, [root])).map((d) => d.name)).toEqual(['A', 'B']);
  });

  it('refuses a file outside the project, also behind a symbolic link inside it', async () => {
    const { root, outside } = project();
    const target = join(outside, 'planted.test.ts');
    writeFileSync(target, '/** @credentials HOST=file:/etc/hostname */\n');
    const link = join(root, 'link.test.ts');
    symlinkSync(target, link);
    for (const path of [target, link]) {
      await expect(readCredentialPragmasFromTestFile(path, [root])).rejects.toThrow(
        `${path}: is outside the project (${root}); @credentials are read only from test files inside it`
      );
    }
  });

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const { root } = project();
    const fifo = join(root, 'fifo.test.ts');
    spawnSync('mkfifo', [fifo]);
    await expect(readCredentialPragmasFromTestFile(fifo, [root])).rejects.toThrow(
      `${fifo}: is not a regular file; @credentials are read only from regular test files`
    );
  });

  it('reads only the head of a large file, and says so when the docblock does not end in it', async () => {
    const { root } = project();
    const long = join(root, 'long.test.ts');
    writeFileSync(long, `/** @credentials A\n${' *\n'.repeat(1000)}`);
    await expect(readCredentialPragmasFromTestFile(long, [root], 100)).rejects.toThrow(
      'its leading comment is longer than 100 bytes'
    );
    const big = join(root, 'big.test.ts');
    writeFileSync(big, `/** @credentials A */\n${'x'.repeat(1000)}`);
    expect((await readCredentialPragmasFromTestFile(big, [root], 100)).map((d) => d.name)).toEqual(['A']);
  });
});
