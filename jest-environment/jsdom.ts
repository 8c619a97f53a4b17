/**
 * `credential-broker/jest-environment-jsdom`: Jest's jsdom environment with credential-broker. A file with
 * `@jest-environment jsdom` would replace our environment; point it here instead:
 * `@jest-environment credential-broker/jest-environment-jsdom`. Needs `jest-environment-jsdom` installed.
 */
import { TestEnvironment as JSDOMEnvironment } from 'jest-environment-jsdom';
import { withCredentialBroker } from './mixin.js';

/** @public The jsdom test environment with credential-broker. */
const CredentialBrokerJsdomEnvironment = withCredentialBroker(JSDOMEnvironment);

export default CredentialBrokerJsdomEnvironment;
/** @public Same class, under the name Jest also looks for. */
export const TestEnvironment = CredentialBrokerJsdomEnvironment;
