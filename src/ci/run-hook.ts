import { resolve } from 'node:path';
import type { BrokerSession } from '../host/session.js';
import { finishRun } from './finish.js';

/**
 * End of `credential-broker run`: the post-run scan of the project, the audit record (`--audit FILE`, relative to
 * the working directory like any CLI path) and the step summary. A value found in a written file fails a run that
 * would otherwise have passed; the child's own failure code is kept.
 */
export function finishRunCommand(
  session: BrokerSession,
  {
    code,
    command,
    started,
    audit,
    write,
  }: {
    code: number;
    command: readonly string[];
    started: number;
    audit: string | undefined;
    write?: (text: string) => void;
  }
): number {
  // The child is the one "test": it held every credential resolved for it, from its start to its exit.
  session.ci.setTests('run', [
    {
      file: 'run',
      test: command.join(' '),
      status: code === 0 ? 'passed' : 'failed',
      credentials: session.stats.resolved,
      startedAt: started,
      durationMs: Date.now() - started,
    },
  ]);
  const finished = finishRun(session, {
    root: session.configDir,
    ...(write === undefined ? {} : { write }),
    ...(audit === undefined ? {} : { auditFile: resolve(audit) }),
  });
  return finished.failed && code === 0 ? 1 : code;
}
