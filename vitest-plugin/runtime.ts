/**
 * What a Vitest worker loads only once a test file needs a credential: the egress guard's socket patch, the channel
 * client, materialisation and the scrub engine (most of the worker side's code). The setup file imports it on the
 * first claim, so a file that declares nothing never loads it (bench P5 counts what a worker loads either way).
 */
export { installGuardInWorker } from '../src/guard/worker.js';
export { spendTicket } from '../src/worker/index.js';
export { scrubWorkerOutput } from './output-scrubbing.js';
