export type { Delivery, Grant, SessionHandle, SessionOptions } from '../contract/wire.js';
export { ENV_EGRESS } from './egress.js';
export { scrubProcessOutput } from './process-output.js';
export { ENV_RUN_VARS, releaseRunVars, runVarNames } from './run-vars.js';
export type { BrokerSession, StartSessionOptions } from './session.js';
export { DEFAULT_MIN_SCRUB_LENGTH, DEFAULT_REPLACEMENT, startSession } from './session.js';
