import { guardChildEnv } from './children.js';
import { installGuard } from './install.js';
import type { GuardPolicy } from './policy.js';
import { preloadPath } from './preload-path.js';
import { guardState, publishToChildren } from './state.js';

/**
 * @internal Guard a test worker (fork, thread or Jest worker) and the Node children its tests start: the policy comes
 * with the session handle, and the children inherit it through this process's environment.
 */
export function installGuardInWorker(policy: GuardPolicy | undefined): void {
  if (policy === undefined || policy.mode === 'off') {
    return;
  }
  // A Jest worker installs the guard for every file it runs, each time with an equal policy from that file's copy of
  // the handle: only a different one replaces it (and its parsed destination patterns).
  const json = JSON.stringify(policy);
  const installed = guardState();
  if (installed?.workerPolicy?.json === json && installed.workerPolicy.policy === installed.policy) {
    return;
  }
  installGuard(policy);
  const preload = preloadPath();
  if (preload !== undefined) {
    Object.assign(process.env, guardChildEnv(policy, preload, process.env));
    publishToChildren();
  }
  const state = guardState();
  if (state !== undefined) {
    state.workerPolicy = { json, policy: state.policy };
  }
}
