/**
 * How a Jest worker gets to the session without a shared secret on disk or in the environment. Our runner (main
 * process) sends each test file with a copy of the global config that carries the session handle and a one-time
 * ticket; jest-worker delivers it inside its own message to the worker that runs that file (in band: a plain call).
 * The environment takes the ticket in its constructor, before any test code runs, and spends it, claiming that file,
 * at once when the file has a `@credentials` docblock, else when a test first asks for a credential.
 */
import type { Config } from '@jest/types';
import { BrokerError } from '../src/errors.js';
import type { BrokerSession, SessionHandle } from '../src/host/index.js';
import type { Scrubber } from '../src/scrub/index.js';
import { processScrubbers, spendTicket, type WorkerBroker } from '../src/worker/index.js';
import { GLOBAL_CONFIG_FIELD } from './constants.js';

type Ticketed = SessionHandle & { readonly ticket: unknown };

// jest-worker re-sends a file whose worker crashed; its new ticket may claim the file again, revoking the dead one's.
const RETRY = { reclaim: true } as const;

/**
 * @internal The field our runner adds to the global config it sends with one test file. Child-process workers get the
 * config as JSON, so the ticket is minted by `toJSON` while jest-worker serialises that one message (a worker crash
 * retried by jest-worker re-serialises it: the retry gets a fresh ticket). Worker threads clone instead, so there the
 * ticket is minted when the runner reads the config for that file.
 */
export function channelField(session: BrokerSession, threads: boolean): Ticketed {
  return {
    ...session.handle,
    ticket: threads ? session.issueTicket('', RETRY) : { toJSON: () => session.issueTicket('', RETRY) },
  };
}

/** @internal How this test file reaches the session: the handle and the one-time ticket it was sent with. */
export interface FileTicket {
  readonly handle: SessionHandle;
  readonly ticket: string;
}

/**
 * @internal Takes the ticket this test file was sent with out of its global config, before any test code runs, so
 * that nothing else in the worker finds it; the error (naming the fix) when no session reached the file.
 */
export function takeTicket(globalConfig: Config.GlobalConfig | undefined, testPath: string): FileTicket | BrokerError {
  const field = (globalConfig as unknown as Record<string, Ticketed | undefined> | undefined)?.[GLOBAL_CONFIG_FIELD];
  const carried = field?.ticket;
  // In band the carrier object arrives as is, unserialised: mint through it.
  const ticket =
    typeof carried === 'string'
      ? carried
      : typeof (carried as { toJSON?: unknown } | undefined)?.toJSON === 'function'
        ? (carried as { toJSON: () => unknown }).toJSON()
        : undefined;
  if (field === undefined || typeof ticket !== 'string') {
    return new BrokerError('CONFIG_INVALID', 'no credential-broker session reached this test file', {
      backend: 'jest',
      operation: 'connect',
      ref: testPath,
      hint: "Use preset: 'credential-broker', or set globalSetup: 'credential-broker/jest-global-setup', globalTeardown: 'credential-broker/jest-global-teardown' and runner: 'credential-broker/jest-main-runner' (wrap a runner of your own with its withCredentialBrokerRunner)",
    });
  }
  const { ticket: _taken, ...handle } = field;
  // This file's own copy of the config (jest-worker's message, or the runner's fresh copy in band).
  Reflect.deleteProperty(field, 'ticket');
  return { handle, ticket };
}

/** @internal Spends the file's ticket on that file; the caller installed the egress guard first. */
export function claimFile(taken: FileTicket | BrokerError, testPath: string): Promise<WorkerBroker> {
  if (taken instanceof BrokerError) {
    return Promise.reject(taken);
  }
  return spendTicket(taken.handle, taken.ticket, [testPath]).then((worker) => {
    latest.set(taken.handle.socketPath, worker);
    return worker;
  });
}

// The latest claim of this process, by session: files run one after another in a Jest worker.
const latest = new Map<string, WorkerBroker>();

/**
 * @internal The broker of the latest file this process claimed in the same session, if any: its grants of config
 * credentials are the worker's, and can serve a later file's test without that file spending its ticket.
 */
export function earlierClaim(taken: FileTicket | BrokerError): WorkerBroker | undefined {
  return taken instanceof BrokerError ? undefined : latest.get(taken.handle.socketPath);
}

/** @internal The scrubber of the values this process received, when another environment ran the file. */
export function workerScrubber(): Scrubber | undefined {
  return processScrubbers()[0];
}
