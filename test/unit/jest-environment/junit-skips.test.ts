import { join, resolve } from 'node:path';
import type { AggregatedResult } from '@jest/test-result';
import type { Config } from '@jest/types';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { junitOptions, outputPath, skipReasons } from '../../../jest-environment/junit-skips.js';
import { testcaseKey } from '../../../src/ci/junit-skips.js';

const config = (reporters: Config.GlobalConfig['reporters']) =>
  ({ rootDir: '/proj', reporters }) as Config.GlobalConfig;
const REASON = 'credential-broker: VAULT_DB needs vault:secret/db#url but egress is disabled';

function results(displayName?: string): AggregatedResult {
  const test = (ancestorTitles: string[], title: string) => ({
    ancestorTitles,
    title,
    fullName: [...ancestorTitles, title].join(' '),
    status: 'pending',
  });
  return {
    testResults: [
      {
        testFilePath: '/proj/tests/db.test.js',
        ...(displayName === undefined ? {} : { displayName: { name: displayName, color: 'white' } }),
        testResults: [test(['db'], 'reads'), test(['db', 'nested'], 'writes'), test(['db'], 'skipped by the user')],
        credentialBroker: {
          skipped: [
            { test: 'db reads', credentials: [{ name: 'VAULT_DB', reason: REASON }] },
            { test: 'db nested writes', credentials: [{ name: 'VAULT_DB', reason: REASON }] },
          ],
        },
      },
    ],
  } as unknown as AggregatedResult;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('jest-junit skip reasons', () => {
  it('keys testcases with the default templates, as jest-junit names them', () => {
    const options = junitOptions(config([['jest-junit', {}]]));
    expect(options).toBeDefined();
    const reasons = skipReasons(results(), options ?? {}, '/proj');
    expect([...reasons.keys()]).toEqual([
      testcaseKey('db reads', 'db reads'),
      testcaseKey('db nested writes', 'db nested writes'),
    ]);
    expect(reasons.get(testcaseKey('db reads', 'db reads'))).toBe(REASON);
  });

  it('follows custom templates and separators, the environment overriding reporter options', () => {
    vi.stubEnv('JEST_JUNIT_TITLE', '{title} [{displayName}]');
    const options = junitOptions(
      config([
        [
          'jest-junit',
          { classNameTemplate: '{filepath}|{suitename}|{classname}', ancestorSeparator: ' › ', titleTemplate: 'x' },
        ],
      ])
    );
    const reasons = skipReasons(results('api'), options ?? {}, '/proj');
    expect([...reasons.keys()]).toEqual([
      testcaseKey(`${join('tests', 'db.test.js')}|db|db`, 'reads [api]'),
      testcaseKey(`${join('tests', 'db.test.js')}|db|db › nested`, 'writes [api]'),
    ]);
  });

  it('finds the report as jest-junit does', () => {
    expect(junitOptions(config([['default', {}]]))).toBeUndefined();
    // Jest hands reporters over normalised: the module resolved to its path.
    const normalised = config([
      ['default', {}],
      ['/proj/node_modules/jest-junit/index.js', { outputDirectory: '<rootDir>/reports' }],
    ]);
    const base = junitOptions(normalised) ?? {};
    expect(outputPath(base, '/proj')).toBe(resolve('/proj/reports/junit.xml'));
    vi.stubEnv('JEST_JUNIT_OUTPUT_NAME', 'out.xml');
    expect(outputPath(junitOptions(config([['jest-junit', { outputDirectory: '/r' }]])) ?? {}, '/proj')).toBe(
      resolve('/r/out.xml')
    );
    vi.stubEnv('JEST_JUNIT_OUTPUT_FILE', '<rootDir>/one.xml');
    expect(outputPath(junitOptions(config([['jest-junit', {}]])) ?? {}, '/proj')).toBe(resolve('/proj/one.xml'));
    vi.unstubAllEnvs();
    expect(
      outputPath(junitOptions(config([['jest-junit', { uniqueOutputName: 'true' }]])) ?? {}, '/proj')
    ).toBeUndefined();
  });
});
