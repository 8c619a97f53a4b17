import { guardChildEnv } from './children.js';
import { installGuard } from './install.js';
import type { GuardPolicy } from './policy.js';
import { preloadPath } from './preload-path.js';
import { publishToChildren } from './state.js';

/**
 * @internal Guard a test worker (fork, thread or Jest worker) and the Node children its tests start: the policy comes
 * with the session handle, and the children inherit it through this process's environment.
 */
export function installGuardInWorker(policy: GuardPolicy | undefined): void {
  if (policy === undefined || policy.mode === 'off') {
    return;
  }
  installGuard(policy);
  const preload = preloadPath();
  if (preload !== undefined) {
    // Each write to process.env is a setenv(3): a Jest worker installs the guard again for every file it runs.
    for (const [name, value] of Object.entries(guardChildEnv(policy, preload, process.env))) {
      if (process.env[name] !== value) {
        process.env[name] = value;
      }
    }
    publishToChildren();
  }
}
