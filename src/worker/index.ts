export { scrubStreamWrites } from './stdio.js';
export type { AcquireRequest, Lease, WorkerBroker } from './worker.js';
export { claimWorker, processScrubbers, spendTicket } from './worker.js';
