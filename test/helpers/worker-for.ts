import { resolve } from 'node:path';
import type { BrokerSession } from '../../src/host/index.js';
import { type AcquireRequest, claimWorker, type Lease, type WorkerBroker } from '../../src/worker/index.js';

/**
 * A worker of `session` as a runner would make one: the file is planned by the main process, then claimed with a
 * fresh one-time ticket, once per file; `acquire` goes over the real channel.
 */
export function workerFor(
  session: BrokerSession
): Pick<WorkerBroker, 'acquire'> & { readonly scrubber: WorkerBroker['scrubber'] | undefined } {
  const claims = new Map<string, Promise<WorkerBroker>>();
  let last: WorkerBroker | undefined;
  const claimed = (file: string) => {
    const path = resolve(file);
    let claim = claims.get(path);
    if (claim === undefined) {
      claim = session.plan([path]).then(() => claimWorker(session.handle, session.issueTicket(), [path]));
      claims.set(path, claim);
    }
    return claim;
  };
  return {
    get scrubber() {
      return last?.scrubber;
    },
    async acquire(request: AcquireRequest): Promise<Lease> {
      last = await claimed(request.file);
      return last.acquire(request);
    },
  };
}
