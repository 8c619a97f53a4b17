/**
 * Every code block of README.md and docs/ is checked, because every snippet gets copied:
 * - TypeScript blocks are typechecked together, strictly, against the built package (`credential-broker`,
 *   `credential-broker/vitest`, `credential-broker/jest` resolve to `dist/*.d.ts`, as in a user's project). A block
 *   preceded by `<!-- typecheck: config-fragment -->` is an excerpt of a config and is checked inside `defineConfig`;
 *   `<!-- typecheck: skip (reason) -->` skips one, with its reason.
 * - JavaScript blocks are parsed (they use Jest's untyped globals; a `config-fragment` inside `module.exports`), and every `credential-broker/…` they name must be
 *   an export of the package.
 * - YAML blocks headed `# credential-broker.config.yaml` are validated as configs.
 * The typed-names snippet is checked to work as copied: with it, a name it does not list is a type error.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { validateConfig } from '../../src/config/load.js';

const root = resolve(import.meta.dirname, '../..');
const work = join(root, '.tmp', 'doc-blocks');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };

interface Block {
  readonly where: string;
  readonly lang: string;
  readonly code: string;
  readonly directive: string | undefined;
}

function blocksOf(file: string): Block[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found: Block[] = [];
  const fence = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (const match of text.matchAll(fence)) {
    const before = text.slice(0, match.index).trimEnd();
    const directive = /<!-- typecheck: ([^>]*?) -->$/.exec(before)?.[1];
    const line = text.slice(0, match.index).split('\n').length;
    found.push({ where: `${file}:${line}`, lang: match[1] ?? '', code: match[2] ?? '', directive });
  }
  return found;
}

const files = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md')
);
const blocks = files.flatMap(blocksOf);
const ofLang = (...langs: string[]) => blocks.filter((b) => langs.includes(b.lang));

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('TypeScript blocks', () => {
  it('typecheck against the built package', () => {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const typescript = ofLang('ts', 'typescript');
    expect(typescript.length).toBeGreaterThan(10);
    const names: string[] = [];
    for (const [i, block] of typescript.entries()) {
      if (block.directive?.startsWith('skip') === true) {
        expect(block.directive, `${block.where}: a skip says why`).toMatch(/^skip \(.+\)$/);
        continue;
      }
      const code =
        block.directive === 'config-fragment'
          ? `import { defineConfig } from 'credential-broker';\nexport default defineConfig({\n${block.code}});\n`
          : block.code;
      // Each block is its own module; a block with neither import nor export (a docblock) stays a script.
      const name = join(work, `block-${i}.ts`);
      writeFileSync(name, `// ${block.where}\n${code}`);
      names.push(name);
    }
    // The typed-names snippet must work as copied: with it in the program, an unlisted name is an error.
    const probe = join(work, 'names-probe.ts');
    writeFileSync(
      probe,
      `import { test } from 'credential-broker/vitest';
import { credentials } from 'credential-broker/jest';
test('probe', async ({ credentials: fixture }) => {
  // @ts-expect-error: not in the registry
  await fixture('NOT_IN_THE_REGISTRY');
  await fixture('DATABASE_URL');
});
// @ts-expect-error: not in the registry
void credentials('NOT_IN_THE_REGISTRY');
void credentials('DATABASE_URL');
`
    );
    names.push(probe);
    const program = ts.createProgram(names, {
      target: ts.ScriptTarget.ES2023,
      lib: ['lib.es2023.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      // A file is a module only when it has an import or export, as in most projects (and in every .d.ts): the
      // typed-names snippet must say `export {}` for that reason, and this catches it when it does not.
      moduleDetection: ts.ModuleDetectionKind.Legacy,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const file = d.file === undefined ? '' : readFileSync(d.file.fileName, 'utf8').split('\n')[0]?.slice(3);
      const line =
        d.file === undefined || d.start === undefined ? 0 : d.file.getLineAndCharacterOfPosition(d.start).line;
      return `${file} (+${line}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(diagnostics).toEqual([]);
  }, 120_000);
});

describe('JavaScript blocks', () => {
  it.each(ofLang('js', 'javascript', 'cjs', 'mjs').map((b) => [b.where, b] as const))('%s parses', (_, block) => {
    // An excerpt of a jest.config.js is parsed as the object it sits in.
    const code = block.directive === 'config-fragment' ? `module.exports = {\n${block.code}};\n` : block.code;
    const source = ts.createSourceFile('block.js', code, ts.ScriptTarget.ES2023, true, ts.ScriptKind.JS);
    const parsed = (source as unknown as { parseDiagnostics: readonly ts.Diagnostic[] }).parseDiagnostics;
    expect(parsed.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    for (const [, specifier] of block.code.matchAll(/['"](credential-broker(?:\/[\w-]+)?)['"]/g)) {
      const subpath = specifier === 'credential-broker' ? '.' : `./${specifier?.slice('credential-broker/'.length)}`;
      expect(Object.keys(pkg.exports), `${block.where}: ${specifier}`).toContain(subpath);
    }
  });
});

describe('YAML configs', () => {
  it.each(
    ofLang('yaml', 'yml')
      .filter((b) => b.code.startsWith('# credential-broker.config.yaml'))
      .map((b) => [b.where, b] as const)
  )('%s is a valid config', (_, block) => {
    expect(() => validateConfig(parseYaml(block.code), block.where, root)).not.toThrow();
  });
});
