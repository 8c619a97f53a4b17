export { applyEnv, type EnvRestore, type EnvTarget } from './apply-env.js';
export type { ScratchBase } from './base-dir.js';
export {
  CLEANUP_SIGNALS,
  type CleanupSignal,
  deferWipeOnFirstSignal,
  installCleanupHandlers,
} from './cleanup-handlers.js';
export { ENV_KEEP_FILES, ENV_XDG_RUNTIME_DIR, SCRATCH_DIR_PREFIX } from './constants.js';
export { type OpenTaskDirOptions, openTaskDir } from './open-task-dir.js';
export { checkProcessEnv, processEnvReleases, ReleasedEnv } from './released-env.js';
export { createScratchRoot, type ScratchRoot, type ScratchRootOptions } from './scratch-root.js';
export { type SweepKept, type SweepKeptReason, type SweepOptions, type SweepReport, sweep } from './sweep.js';
export type { TaskDir } from './task-dir.js';
