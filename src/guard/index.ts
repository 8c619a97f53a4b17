export { guardChildEnv } from './children.js';
export { describeFinding, type GuardFinding, readFindings, renderFindings } from './finding.js';
export { installGuard } from './install.js';
export {
  DEFAULT_EGRESS_ALLOW,
  ENV_GUARD,
  type GuardMode,
  type GuardPolicy,
  judgesEveryConnection,
  policyFromEnv,
} from './policy.js';
export {
  asBroker,
  EgressRefusedError,
  findingsMark,
  findingsSince,
  guardState,
  holdCredentials,
  setCurrentTest,
} from './state.js';
