/**
 * `credential-broker/jest-sequencer`: Jest's default test sequencer, which also hands the selected test files to
 * global setup (both run in the main process, the sequencer first), so the session reads their `@credentials`
 * docblocks — and reports bad ones — before anything is resolved, and the manifest lists inline refs.
 */
import type { Test } from '@jest/test-result';
import { MAIN_PLAN } from './constants.js';
import { requireFromJest } from './resolve-jest.js';

interface Sequencer {
  sort(tests: Array<Test>): Array<Test> | Promise<Array<Test>>;
}
// biome-ignore lint/suspicious/noExplicitAny: the base class is Jest's, loaded at run time
type SequencerClass = new (...args: any[]) => Sequencer;

const Base = requireFromJest<SequencerClass>('@jest/test-sequencer');

/** @public Jest's default sequencer plus the plan hand-over. Extend it if you need your own order. */
export default class CredentialBrokerSequencer extends Base {
  override sort(tests: Array<Test>): Array<Test> | Promise<Array<Test>> {
    (globalThis as unknown as Record<symbol, unknown>)[MAIN_PLAN] = tests.map((t) => t.path);
    return super.sort(tests);
  }
}
