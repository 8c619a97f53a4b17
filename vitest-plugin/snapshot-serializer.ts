import type { SnapshotSerializer, expect as vitestExpect } from 'vitest';
import { currentBroker } from './claim.js';

/**
 * @internal Registered by the setup file (see {@link addRedactingSerializer}). Pretty-format asks plugins about primitives too, so a
 * string that holds a value this worker received is printed redacted, in `.snap` files and inline snapshots alike.
 */
const serializer: SnapshotSerializer = {
  test(value: unknown): boolean {
    if (typeof value !== 'string') {
      return false;
    }
    const scrubber = currentBroker()?.scrubber;
    return scrubber !== undefined && scrubber.scrub(value) !== value;
  },
  serialize(value: string, config, indentation, depth, refs, printer): string {
    const scrubber = currentBroker()?.scrubber;
    return printer(scrubber === undefined ? value : scrubber.scrub(value), config, indentation, depth, refs);
  },
};

const ADDED = Symbol.for('credential-broker.vitest.snapshot-serializer.v1');

/**
 * @internal Adds the serializer once per `expect` (whose snapshot plugins live as long as it does): from the setup
 * file rather than `test.snapshotSerializers`, which Vitest would import as one more module for every test file.
 * Added last, it is asked first, so the user's serializers only ever see redacted strings.
 */
export function addRedactingSerializer(expect: typeof vitestExpect): void {
  const marked = expect as unknown as Record<symbol, unknown>;
  if (marked[ADDED] !== true) {
    marked[ADDED] = true;
    expect.addSnapshotSerializer(serializer);
  }
}
