import { dirname, relative, resolve } from 'node:path';
import type { TestCase, Vitest } from 'vitest/node';
import { finishRun } from '../src/ci/finish.js';
import type { BrokerSession } from '../src/host/index.js';
import type { TestRecord } from '../src/host/run-record.js';
import type { BrokerHost } from './host.js';

/**
 * @internal The end of a Vitest run for CI (`vitest.onClose`, registered before the session closes): hand the
 * tests to the run record, scan every file the run wrote — the project root, the reporters' output files, coverage
 * and snapshot directories — and write the audit record and step summary. Runs after every reporter has written its
 * report (they are awaited before close). Synchronous up to its end, so the session it reads is still open.
 */
export function finishVitestRun(host: BrokerHost): void {
  const session = host.started;
  if (session === undefined) {
    return;
  }
  const { vitest } = host;
  const root = vitest.config.root;
  session.ci.setTests('vitest', testRecords(vitest, session));
  const finished = finishRun(session, { root, outputs: reportFiles(vitest), extraRoots: writtenOutside(vitest) });
  if (finished.failed) {
    process.exitCode = 1;
  }
}

function testRecords(vitest: Vitest, session: BrokerSession): TestRecord[] {
  const root = vitest.config.root;
  const declaredIn = new Map<string, string[]>();
  for (const entry of session.manifest().credentials) {
    for (const where of entry.declaredIn) {
      declaredIn.set(where, [...(declaredIn.get(where) ?? []), entry.name]);
    }
  }
  return vitest.state.getTestModules().flatMap((module) =>
    [...module.children.allTests()].map((test: TestCase): TestRecord => {
      const meta = test.meta() as {
        credentials?: readonly string[];
        credentialsMissing?: readonly { name: string; reason: string }[];
      };
      const state = test.result().state;
      const diagnostic = test.diagnostic();
      const skipped = meta.credentialsMissing ?? [];
      return {
        file: relative(root, module.moduleId),
        test: test.fullName,
        status: state === 'passed' || state === 'failed' || state === 'skipped' ? state : 'other',
        credentials: [...new Set([...(declaredIn.get(resolve(module.moduleId)) ?? []), ...(meta.credentials ?? [])])],
        ...(diagnostic === undefined ? {} : { startedAt: diagnostic.startTime, durationMs: diagnostic.duration }),
        ...(skipped.length === 0 ? {} : { skipped }),
      };
    })
  );
}

/**
 * @internal The reporters' own report files: `outputFile` (one path for every reporter, or one per reporter name), a
 * reporter's `outputFile` option, and the blob reporter's default path. They are the run's, never the user's: the
 * JUnit reporter opens its file in `onInit`, before the broker's session (and its start time) exists.
 */
export function reportFiles(vitest: Vitest): string[] {
  const root = vitest.config.root;
  const { outputFile } = vitest.config;
  const configured = typeof outputFile === 'string' ? [outputFile] : Object.values(outputFile ?? {});
  const byName = (name: string) => (typeof outputFile === 'string' ? outputFile : outputFile?.[name]);
  for (const entry of vitest.config.reporters) {
    const [name, options] = Array.isArray(entry) ? entry : [entry, undefined];
    const own = (options as { outputFile?: unknown } | undefined)?.outputFile;
    if (typeof own === 'string') {
      configured.push(own);
    } else if (name === 'blob' && byName('blob') === undefined) {
      const { shard } = vitest.config;
      configured.push(
        shard === undefined ? '.vitest-reports/blob.json' : `.vitest-reports/blob-${shard.index}-${shard.count}.json`
      );
    }
  }
  return [...new Set(configured.filter((p): p is string => typeof p === 'string').map((p) => resolve(root, p)))];
}

/** @internal The coverage report's directory, when coverage is on: listed at the start, walked at the end. */
export function coverageDirectory(vitest: Vitest): string | undefined {
  const { coverage } = vitest.config;
  return coverage?.enabled && typeof coverage.reportsDirectory === 'string'
    ? resolve(vitest.config.root, coverage.reportsDirectory)
    : undefined;
}

// The coverage report and snapshot directories: written by the run, possibly outside the root.
function writtenOutside(vitest: Vitest): string[] {
  const root = vitest.config.root;
  const coverage = coverageDirectory(vitest);
  const paths = coverage === undefined ? [] : [coverage];
  for (const module of vitest.state.getTestModules()) {
    const snapshot = vitest.snapshot.resolvePath(module.moduleId, { config: module.project.serializedConfig });
    paths.push(dirname(snapshot));
  }
  return [...new Set(paths)].filter((p) => relative(root, p).startsWith('..'));
}
