import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { foreignEnvironmentError } from '../../../jest-environment/usage-errors.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-foreign-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

const NODE_ENV = '/project/node_modules/jest-environment-node/build/index.js';

describe('foreignEnvironmentError', () => {
  it('names the environment pragma, the @credentials line and the fix', () => {
    const path = file('a.test.js', '/**\n * @jest-environment node\n * @credentials API_TOKEN, DB_URL\n */\n');
    const error = foreignEnvironmentError(path, NODE_ENV);
    expect(error?.message).toContain(
      '@credentials declares API_TOKEN, but @jest-environment node runs this file without the broker'
    );
    expect(error?.ref).toMatch(/a\.test\.js:3$/);
    expect(error?.hint).toContain('credential-broker/jest-environment-jsdom');
    expect(error?.stack).not.toContain('usage-errors');
  });

  it("names the config's testEnvironment by its package when no docblock picks one", () => {
    const path = file('b.test.js', '/** @credentials API_TOKEN */\n');
    expect(foreignEnvironmentError(path, NODE_ENV)?.message).toContain(
      "but the config's testEnvironment (jest-environment-node/build/index.js) runs this file without the broker"
    );
  });

  it('has nothing to say about a file that declares nothing, or cannot be read', () => {
    expect(foreignEnvironmentError(file('c.test.js', '/** @jest-environment node */\n'), NODE_ENV)).toBeUndefined();
    expect(foreignEnvironmentError(join(dir, 'missing.test.js'), NODE_ENV)).toBeUndefined();
  });
});
