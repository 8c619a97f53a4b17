/**
 * `credential-broker/jest-global-setup`: starts the run's session in Jest's main process. Nothing is resolved
 * here: workers ask over the session's private channel when a test needs a credential, so a filtered run
 * resolves only what its tests use. Our runner hands each test file a one-time ticket for that channel.
 */
import { resolve } from 'node:path';
import type { Config } from '@jest/types';
import { isBrokerError } from '../src/errors.js';
import { type BrokerSession, releaseRunVars, scrubProcessOutput, startSession } from '../src/host/index.js';
import type { Scrubber } from '../src/scrub/index.js';
import { MAIN_PLAN, MAIN_SCRUBBER, MAIN_SESSION } from './constants.js';
import { missingReporterWarning } from './reporters-check.js';

type Main = Record<symbol, unknown>;

/** @public Jest `globalSetup`: start the session, print the manifest (egress on) or the egress-off line. */
export default async function credentialBrokerGlobalSetup(
  globalConfig: Config.GlobalConfig,
  projectConfig: Config.ProjectConfig
): Promise<void> {
  const main = globalThis as unknown as Main;
  // Several projects may list this file; Jest runs it once per distinct path, but be safe with copies.
  if (main[MAIN_SESSION] !== undefined) {
    return;
  }
  // `credential-broker run -- npm test` set every credential for the whole command; the workers fork after this.
  const released = releaseRunVars(process.env, 'the Jest preset', 'npx jest');
  if (released !== undefined) {
    process.stderr.write(`${released}\n`);
  }
  const session: BrokerSession = await startSession({ cwd: projectConfig.rootDir ?? globalConfig.rootDir }).catch(
    (error: unknown) => {
      throw withoutStack(error);
    }
  );
  try {
    const planned = main[MAIN_PLAN];
    // Before the workers fork: env: sources leave the environment they inherit.
    await session.plan(Array.isArray(planned) ? (planned as string[]) : [], [
      projectConfig.rootDir ?? globalConfig.rootDir,
    ]);
    report(session, globalConfig);
  } catch (error) {
    await session.close();
    throw withoutStack(error);
  }
  // What the post-run scan walks besides the session's root: Jest's rootDir and coverage directory, as they are now.
  session.ci.listing.add([
    globalConfig.rootDir,
    ...(globalConfig.collectCoverage ? [resolve(globalConfig.rootDir, globalConfig.coverageDirectory)] : []),
  ]);
  main[MAIN_SESSION] = session;
  main[MAIN_SCRUBBER] = session.scrubber;
  // What Jest's main process prints itself: the user's global setup and teardown, a fake API server started there
  // (which logs the requests tests make), tests run in band. Workers' output is scrubbed on its way in already.
  scrubProcessOutput(() => main[MAIN_SCRUBBER] as Scrubber | undefined);
  const warning = missingReporterWarning(globalConfig);
  if (warning !== undefined) {
    process.stderr.write(`${warning}\n`);
  }
}

/**
 * A mistake the user can fix (a docblock typo, no config) stops the run with its message alone: Jest prints a global
 * setup error's `stack`, and a stack of our bundle's internals says nothing the message does not. Ours keep theirs.
 */
function withoutStack(error: unknown): unknown {
  if (isBrokerError(error)) {
    error.stack = `credential-broker: ${error.message}`;
  }
  return error;
}

function report(session: BrokerSession, globalConfig: Config.GlobalConfig): void {
  if (globalConfig.silent === true) {
    return;
  }
  if (session.egressEnabled) {
    if (session.manifest().credentials.length > 0) {
      process.stderr.write(`${session.renderManifest('terminal')}\n`);
    }
    return;
  }
  const line = session.egressSummaryLine();
  if (line !== undefined) {
    process.stderr.write(`${line}\n`);
  }
}
