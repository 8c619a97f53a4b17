/**
 * The broker's global setup: hands each project the session handle (a socket path and a token, no values) and
 * closes the session when Vitest closes. Signals skip this teardown; the session's exit handlers wipe then.
 */
import type { TestProject } from 'vitest/node';
import { existingHost } from './host.js';
import { PROVIDE_KEY } from './types.js';

/** @internal */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const host = existingHost(project.vitest);
  if (host === undefined) {
    return undefined;
  }
  const session = await host.session();
  project.provide(PROVIDE_KEY, session.handle);
  return () => host.close();
}
