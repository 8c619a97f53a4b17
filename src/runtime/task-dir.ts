import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BrokerError } from '../errors.js';
import { mkdirPrivateSync, safeLstat } from '../materialise/safe-fs.js';
import { ScratchTaskDir, sanitiseTaskId, type TaskDir } from '../materialise/task-dir.js';

/**
 * @internal A per-task 0700 directory inside a scratch root created by another process (the run's main process).
 * The root must be a real directory owned by us and private, or we refuse to put a secret in it.
 */
export function openTaskDir(scratchRoot: string, taskId: string): TaskDir {
  const stat = safeLstat(scratchRoot);
  const uid = process.getuid?.();
  if (
    stat === undefined ||
    !stat.isDirectory() ||
    (stat.mode & 0o077) !== 0 ||
    (uid !== undefined && stat.uid !== uid)
  ) {
    throw new BrokerError(
      'MATERIALISE_FAILED',
      `scratch root ${scratchRoot} is missing or not a private directory of ours`,
      {
        operation: 'create task directory',
        hint: 'The run that created it has ended, or the directory was tampered with',
      }
    );
  }
  const path = join(scratchRoot, `${sanitiseTaskId(taskId)}-${randomBytes(4).toString('hex')}`);
  mkdirPrivateSync(path);
  return new ScratchTaskDir(taskId, path, false, () => {});
}
