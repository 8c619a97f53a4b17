import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PRELOAD = 'guard-preload.cjs';

/**
 * @internal Absolute path of dist/guard-preload.cjs: next to this bundle once built (every entry and chunk lives in
 * dist/), else in the package's dist/ (running from source). Undefined when it was not built.
 */
export function preloadPath(): string | undefined {
  const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  let dir = dirname(here);
  for (let i = 0; i < 4; i += 1) {
    for (const candidate of [join(dir, PRELOAD), join(dir, 'dist', PRELOAD)]) {
      if (existsSync(candidate)) {
        return candidate;
      }
    }
    dir = dirname(dir);
  }
  return undefined;
}
