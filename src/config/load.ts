import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { BrokerError, isBrokerError } from '../errors.js';
import { type LoadedConfig, normaliseCredentials } from './normalise.js';
import { configSchema } from './schema.js';

/** @public File names searched, in this order, from the working directory upwards. */
export const CONFIG_FILE_NAMES = [
  'credential-broker.config.ts',
  'credential-broker.config.mts',
  'credential-broker.config.cts',
  'credential-broker.config.js',
  'credential-broker.config.mjs',
  'credential-broker.config.cjs',
  'credential-broker.config.json',
  'credential-broker.config.yaml',
  'credential-broker.config.yml',
] as const;

const CONFIG_STEM = 'credential-broker.config.';
const EXTENSIONS = `{${CONFIG_FILE_NAMES.map((n) => n.slice(CONFIG_STEM.length)).join(',')}}`;

/**
 * @public Walk up from `cwd` to the filesystem root; the first directory with a config file wins. A
 * `credential-broker.config.<other>` on the way (`.toml`, `.jsonc`) is refused by name rather than skipped.
 */
export function findConfigFile(cwd: string): string | undefined {
  for (const dir of searchedDirectories(cwd)) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) {
        return candidate;
      }
    }
    const other = listDir(dir).find((name) => name.startsWith(CONFIG_STEM));
    if (other !== undefined) {
      throw new BrokerError('CONFIG_INVALID', `credential-broker does not read ${other}`, {
        operation: 'load config',
        ref: join(dir, other),
        hint: `Name it credential-broker.config.${EXTENSIONS} (TypeScript, JavaScript, JSON or YAML)`,
      });
    }
  }
  return undefined;
}

/** @internal `cwd` and each directory above it, as {@link findConfigFile} searches them. */
export function searchedDirectories(cwd: string): string[] {
  const dirs: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    dirs.push(dir);
    if (dirname(dir) === dir) {
      return dirs;
    }
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * @public The error for "something declares a credential, but there is no config": the names looked for, the
 * directories searched, and the smallest file that would do.
 * @param what what declared a credential, e.g. `@credentials in tests/db.test.ts:3 names DATABASE_URL`.
 */
export function noConfigError(cwd: string, what?: string): BrokerError {
  const dirs = searchedDirectories(cwd);
  return new BrokerError(
    'CONFIG_NOT_FOUND',
    `${what === undefined ? '' : `${what}, but `}no config file was found: looked for ${CONFIG_STEM}${EXTENSIONS} in ${dirs.join(', ')}`,
    {
      operation: 'load config',
      hint:
        `Create ${join(dirs[0] ?? cwd, 'credential-broker.config.yaml')} with, for example:\n` +
        '  credentials:\n    API_TOKEN: env:API_TOKEN\n' +
        "or pass one: --config FILE (CLI), credentialBroker({ configFile }) (Vitest), globals['credential-broker'].configFile (Jest)",
    }
  );
}

// zod/mini loads no locale ("Invalid input" for everything). English is passed per parse rather than through
// `z.config`, which lives on globalThis and is shared with the user's own zod.
const englishMessages = en().localeError;

/** @public Validate a config object. One error lists every problem by path; values are never echoed. */
export function validateConfig(input: unknown, source: string, dir: string, file?: string): LoadedConfig {
  const result = configSchema.safeParse(input, { error: englishMessages });
  if (!result.success) {
    const problems = flattenIssues(result.error.issues);
    const lines = problems.map((p) => `  - ${p}`).join('\n');
    throw new BrokerError(
      'CONFIG_INVALID',
      `${problems.length === 1 ? '1 problem' : `${problems.length} problems`}:\n${lines}`,
      { operation: 'load config', ref: source, hint: 'See the configuration reference in the README' }
    );
  }
  return { config: result.data, file, dir, credentials: normaliseCredentials(result.data) };
}

/** @public Find and load the config (TypeScript configs through jiti), or validate an inline one. */
export async function loadConfig(
  options: { cwd?: string; configFile?: string; config?: unknown } = {}
): Promise<LoadedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  if (options.config !== undefined) {
    return validateConfig(options.config, 'inline config', cwd);
  }
  const file = options.configFile === undefined ? findConfigFile(cwd) : resolve(cwd, options.configFile);
  if (file === undefined) {
    // Not an error yet: a project that declares nothing runs silently. What declares a credential asks `searched`.
    return { ...validateConfig({}, 'no config file', cwd), searched: cwd };
  }
  if (!existsSync(file)) {
    throw new BrokerError('CONFIG_NOT_FOUND', 'file does not exist', {
      operation: 'load config',
      ref: file,
      hint: `A configFile is relative to ${cwd}; point it at an existing file, or leave it out to search for credential-broker.config.${EXTENSIONS}`,
    });
  }
  return validateConfig(await importConfigFile(file), file, dirname(file), file);
}

async function importConfigFile(file: string): Promise<unknown> {
  try {
    if (file.endsWith('.json')) {
      return JSON.parse(readFileSync(file, 'utf8'));
    }
    if (file.endsWith('.yaml') || file.endsWith('.yml')) {
      return await parseYamlConfig(file);
    }
    const { createJiti } = await import('jiti');
    const mod = await createJiti(pathToFileURL(file).href, { moduleCache: false }).import<{ default?: unknown }>(file);
    return mod && typeof mod === 'object' && 'default' in mod ? mod.default : mod;
  } catch (cause) {
    if (isBrokerError(cause)) {
      throw cause;
    }
    // The cause is kept for debugging but not quoted: a syntax error message can contain source text.
    throw new BrokerError('CONFIG_INVALID', `cannot be read (${describeLoadError(cause)})`, {
      operation: 'load config',
      ref: file,
      hint: 'Export the config as the default export: export default defineConfig({ … })',
      cause,
    });
  }
}

// The YAML parser loads only for a YAML config: requiring it costs every run's main process ~60 ms.
async function parseYamlConfig(file: string): Promise<unknown> {
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  const [first] = doc.errors;
  if (first !== undefined) {
    // file:line and the kind of mistake; the parser's own message quotes the source line, which may hold a value.
    const line = first.linePos?.[0].line;
    throw new BrokerError('CONFIG_INVALID', `YAML ${first.code.toLowerCase().replaceAll('_', ' ')}`, {
      operation: 'load config',
      ref: line === undefined ? file : `${file}:${line}`,
      hint: 'Fix the YAML at that line (indentation, a missing ":" or an unquoted special character)',
    });
  }
  return doc.toJS();
}

function describeLoadError(cause: unknown): string {
  if (cause instanceof SyntaxError) {
    return 'syntax error';
  }
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : cause instanceof Error ? cause.name : 'unknown error';
}

type Issue = z.core.$ZodIssue;

function flattenIssues(issues: readonly Issue[], prefix: readonly PropertyKey[] = []): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const branch = issue.code === 'invalid_union' ? matchedBranch(issue) : undefined;
    if (branch !== undefined) {
      out.push(...flattenIssues(branch, path));
      continue;
    }
    const where = path.length === 0 ? '(root)' : path.map(String).join('.');
    out.push(`${where}: ${describeIssue(issue)}`);
  }
  return out;
}

// zod's English message for a union none of whose branches matched, when the schema gives none of its own.
const DEFAULT_UNION_MESSAGE = 'Invalid input';

/**
 * The branch of a union to report: for "ref string | { ref, … }" the one whose type matched, not both. Undefined
 * when the union's own message says it better: a discriminated union with an unknown tag (no branches), or a union
 * with a message of its own that no branch matched at all (`auth.token`: "expected "github", … or { env }").
 */
function matchedBranch(issue: Extract<Issue, { code: 'invalid_union' }>): readonly Issue[] | undefined {
  const branches = issue.errors;
  const matched = branches.filter(
    (b) => !b.some((i) => (i.code === 'invalid_type' || i.code === 'invalid_value') && i.path.length === 0)
  );
  if (matched[0] !== undefined) {
    return matched[0];
  }
  return issue.message !== DEFAULT_UNION_MESSAGE ? undefined : branches[0];
}

function describeIssue(issue: Issue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'invalid_key':
      // The key itself is shown in the path; say what a key must look like.
      return issue.issues.map((inner) => inner.message).join('; ');
    default:
      return issue.message;
  }
}
