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
  const finished = finishRun(session, { root, extraRoots: writtenOutside(vitest) });
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

// Reporter output files, the coverage report and snapshot directories: written by the run, possibly outside the root.
function writtenOutside(vitest: Vitest): string[] {
  const root = vitest.config.root;
  const { outputFile, coverage } = vitest.config;
  const outputs = typeof outputFile === 'string' ? [outputFile] : Object.values(outputFile ?? {});
  const paths = outputs.filter((p): p is string => typeof p === 'string').map((p) => resolve(root, p));
  if (coverage?.enabled && typeof coverage.reportsDirectory === 'string') {
    paths.push(resolve(root, coverage.reportsDirectory));
  }
  for (const module of vitest.state.getTestModules()) {
    const snapshot = vitest.snapshot.resolvePath(module.moduleId, { config: module.project.serializedConfig });
    paths.push(dirname(snapshot));
  }
  return [...new Set(paths)].filter((p) => relative(root, p).startsWith('..'));
}
