/**
 * jest-junit writes a bare `<skipped/>` (Jest has no skip reason). Its reporter writes the file in `onRunComplete`,
 * which Jest awaits before `globalTeardown`; so the reporter computes each broker-skipped testcase's `classname` and
 * `name` exactly as jest-junit 17 does, and global teardown adds the reason to the file jest-junit wrote.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, normalize, parse, relative, resolve } from 'node:path';
import type { AggregatedResult } from '@jest/test-result';
import type { Config } from '@jest/types';
import { addSkipMessagesToFile, type SkipReasons, testcaseKey } from '../src/ci/junit-skips.js';
import { RESULT_FIELD } from './constants.js';
import type { ResultExtension } from './test-runner.js';

const PENDING = Symbol.for('credential-broker.jest.junit-skips.v1');

/** jest-junit's `ENVIRONMENT_CONFIG_MAP` (the entries that name the file and the testcase). */
const ENV: Readonly<Record<string, string>> = {
  JEST_JUNIT_OUTPUT_DIR: 'outputDirectory',
  JEST_JUNIT_OUTPUT_NAME: 'outputName',
  JEST_JUNIT_OUTPUT_FILE: 'outputFile',
  JEST_JUNIT_UNIQUE_OUTPUT_NAME: 'uniqueOutputName',
  JEST_JUNIT_CLASSNAME: 'classNameTemplate',
  JEST_JUNIT_TITLE: 'titleTemplate',
  JEST_JUNIT_ANCESTOR_SEPARATOR: 'ancestorSeparator',
  JEST_JUNIT_FILE_PATH_PREFIX: 'filePathPrefix',
};

type Template = string | ((variables: Record<string, string | undefined>) => unknown);

interface Pending {
  readonly paths: readonly string[];
  readonly reasons: SkipReasons;
}

/** @internal From the reporter's `onRunComplete`: what global teardown will write. */
export function prepareJUnitSkips(globalConfig: Config.GlobalConfig, results: AggregatedResult): void {
  const options = junitOptions(globalConfig);
  const store = globalThis as unknown as Record<symbol, Pending | undefined>;
  if (options === undefined) {
    store[PENDING] = undefined;
    return;
  }
  const reasons = skipReasons(results, options, realpathSync(process.cwd()));
  const path = outputPath(options, globalConfig.rootDir);
  store[PENDING] = { paths: path === undefined ? [] : [path], reasons };
}

/** @internal From global teardown: adds the reasons to the report jest-junit wrote. Never throws. */
export function writeJUnitSkips(): void {
  const store = globalThis as unknown as Record<symbol, Pending | undefined>;
  const pending = store[PENDING];
  store[PENDING] = undefined;
  for (const path of pending?.paths ?? []) {
    addSkipMessagesToFile(path, pending?.reasons ?? new Map());
  }
}

/** jest-junit's options, in its precedence: defaults, reporter options, package.json `jest-junit`, environment. */
export function junitOptions(globalConfig: Config.GlobalConfig): Record<string, unknown> | undefined {
  const entry = globalConfig.reporters?.find((r) => reporterName(r) === 'jest-junit');
  if (entry === undefined) {
    return undefined;
  }
  const own = Array.isArray(entry) ? (entry[1] as Record<string, unknown>) : {};
  const env: Record<string, string> = {};
  for (const [variable, key] of Object.entries(ENV)) {
    const value = process.env[variable];
    if (value) {
      env[key] = value;
    }
  }
  return {
    outputDirectory: process.cwd(),
    outputName: 'junit.xml',
    uniqueOutputName: 'false',
    classNameTemplate: '{classname} {title}',
    titleTemplate: '{classname} {title}',
    ancestorSeparator: ' ',
    filePathPrefix: '',
    ...own,
    ...packageOptions(process.cwd()),
    ...env,
  };
}

function reporterName(reporter: Config.ReporterConfig | string): string {
  const name = Array.isArray(reporter) ? reporter[0] : reporter;
  return name.replace(/\\/g, '/').match(/(?:^|\/node_modules\/)(jest-junit)(?:\/|$)/)?.[1] ?? name;
}

/** jest-junit's `getAppOptions`: the `jest-junit` key of the nearest package.json. */
function packageOptions(start: string): Record<string, unknown> {
  let dir = start;
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const options = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)['jest-junit'];
        return Object.prototype.toString.call(options) === '[object Object]'
          ? (options as Record<string, unknown>)
          : {};
      } catch {
        return {};
      }
    }
    if (dir === parse(dir).root) {
      return {};
    }
    dir = dirname(dir);
  }
}

/** jest-junit's `getOutputPath`; undefined for `uniqueOutputName` (a random name the broker cannot know). */
export function outputPath(options: Record<string, unknown>, rootDir: string): string | undefined {
  const file = options['outputFile'];
  if (typeof file === 'string' && file !== '') {
    return resolve(withRootDir(rootDir, file));
  }
  if (String(options['uniqueOutputName']) === 'true') {
    return undefined;
  }
  return resolve(join(withRootDir(rootDir, String(options['outputDirectory'])), String(options['outputName'])));
}

function withRootDir(rootDir: string, path: string): string {
  return path.startsWith('<rootDir>') ? resolve(rootDir, normalize(`./${path.slice('<rootDir>'.length)}`)) : path;
}

/** The reason for each broker-skipped testcase, keyed by `classname` and `name` as jest-junit writes them. */
export function skipReasons(
  results: AggregatedResult,
  options: Record<string, unknown>,
  appDirectory: string
): SkipReasons {
  const reasons = new Map<string, string>();
  for (const suite of results.testResults) {
    const skipped = (suite as typeof suite & { [RESULT_FIELD]?: ResultExtension })[RESULT_FIELD]?.skipped ?? [];
    if (skipped.length === 0 || suite.testResults.length === 0) {
      continue;
    }
    const filepath = join(String(options['filePathPrefix']), relative(appDirectory, suite.testFilePath));
    const displayName = suite.displayName === undefined ? undefined : suite.displayName.name;
    for (const tc of suite.testResults) {
      const credentials = skipped.find((s) => s.test === tc.fullName)?.credentials ?? [];
      if (credentials.length === 0) {
        continue;
      }
      const variables = {
        filepath,
        filename: basename(filepath),
        suitename: suite.testResults[0]?.ancestorTitles[0],
        classname: tc.ancestorTitles.join(String(options['ancestorSeparator'])),
        title: tc.title,
        displayName,
      };
      const classname = fill(options['classNameTemplate'] as Template, variables);
      const name = fill(options['titleTemplate'] as Template, variables);
      if (classname !== undefined && name !== undefined) {
        reasons.set(testcaseKey(classname, name), credentials.map((c) => c.reason).join('\n'));
      }
    }
  }
  return reasons;
}

/** jest-junit's `replaceVars`: the first `{var}` of each name, as `String.prototype.replace` does, or a function. */
function fill(template: Template, variables: Record<string, string | undefined>): string | undefined {
  if (typeof template === 'function') {
    const out = template(variables);
    return typeof out === 'string' ? out : undefined;
  }
  let text = String(template);
  for (const [name, value] of Object.entries(variables)) {
    text = text.replace(`{${name}}`, String(value));
  }
  return text;
}
