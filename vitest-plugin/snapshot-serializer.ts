import type { SnapshotSerializer } from 'vitest';
import { currentBroker } from './worker.js';

/**
 * @internal Registered through `test.snapshotSerializers`. Pretty-format asks plugins about primitives too, so a
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

export default serializer;
