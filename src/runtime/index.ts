export { scrubStreamWrites } from './stdio.js';
export type { AcquireRequest, Lease, WorkerBroker } from './worker.js';
export { connectWorker } from './worker.js';
