/**
 * `credential-broker/jest-environment`: Jest's node environment with credential-broker. Jest loads it with
 * `require` and takes `default` (or the named `TestEnvironment`), as it does for `jest-environment-node`.
 */
import { TestEnvironment as NodeEnvironment } from 'jest-environment-node';
import { withCredentialBroker } from './mixin.js';

/** @public The node test environment with credential-broker. */
const CredentialBrokerEnvironment = withCredentialBroker(NodeEnvironment);

export default CredentialBrokerEnvironment;
/** @public Same class, under the name Jest also looks for. */
export const TestEnvironment = CredentialBrokerEnvironment;
export type { SkippedTest } from './file-broker.js';
export { CREDENTIALS_PRAGMA, type EnvironmentClass, withCredentialBroker } from './mixin.js';
export type { SkippedCredential } from './skip-marker.js';
