import type { Scrubber } from '../src/scrub/index.js';

type Chai = {
  readonly Assertion: { overwriteMethod(name: string, method: (original: Method) => Method): void };
  readonly util: { flag(assertion: object, key: string, value?: unknown): unknown };
};
type Method = (this: object, ...args: unknown[]) => unknown;

const REDACTING = Symbol.for('credential-broker.vitest.file-snapshot.v1');

/**
 * @internal `toMatchFileSnapshot` writes a string as it is, past every snapshot serializer: a value in it would sit
 * in a file the user commits. The assertion sees the string redacted instead, so the file holds the redaction label
 * (and a later run compares against that). Likewise the hint of `toMatchSnapshot(hint)` and
 * `toThrowErrorMatchingSnapshot(hint)`, which becomes part of the snapshot's key (`exports[\`name: hint 1\`]`) and
 * no serializer sees. Installed once per worker: the setup file runs for every test file, and chai is shared by them.
 */
export function redactFileSnapshots(chai: Chai, scrubber: () => Scrubber | undefined): void {
  const marked = chai.Assertion as Record<symbol, unknown>;
  if (marked[REDACTING] === true) {
    return;
  }
  marked[REDACTING] = true;
  chai.Assertion.overwriteMethod(
    'toMatchFileSnapshot',
    (original) =>
      function redacted(this: object, ...args: unknown[]) {
        const received = chai.util.flag(this, 'object');
        if (typeof received === 'string') {
          chai.util.flag(this, 'object', scrubber()?.scrub(received) ?? received);
        }
        return original.apply(this, args);
      }
  );
  // `matchSnapshot` is `toMatchSnapshot`'s alias.
  for (const name of ['toMatchSnapshot', 'matchSnapshot', 'toThrowErrorMatchingSnapshot']) {
    chai.Assertion.overwriteMethod(
      name,
      (original) =>
        function redactedHint(this: object, ...args: unknown[]) {
          return original.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? (scrubber()?.scrub(arg) ?? arg) : arg))
          );
        }
    );
  }
}
