/**
 * The broker's global setup: hands each project the session handle (a socket path and scrub settings, no values)
 * and closes the session when Vitest closes. Signals skip this teardown; the session's exit handlers wipe then.
 *
 * The handle's `ticket` is a getter: Vitest copies the provided object into each worker's own run message, and
 * reads it while serialising that message, so every worker gets a fresh one-time ticket that no other worker, file
 * or environment ever sees. The worker spends it in our setup file before any test code runs (see setup.ts); a test
 * that calls `inject()` later finds a spent ticket.
 */
import type { TestProject } from 'vitest/node';
import { existingHost } from './host.js';
import { PROVIDE_KEY, type ProvidedHandle } from './types.js';

/** @internal */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const host = existingHost(project.vitest);
  if (host === undefined) {
    return undefined;
  }
  const session = await host.session();
  const scope = project.name;
  const handle = Object.defineProperty({ ...session.handle }, 'ticket', {
    enumerable: true,
    get: () => session.issueTicket(scope),
  }) as ProvidedHandle;
  project.provide(PROVIDE_KEY, handle);
  return () => host.close();
}
