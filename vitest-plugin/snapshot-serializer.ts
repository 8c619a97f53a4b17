import type { SnapshotSerializer, expect as vitestExpect } from 'vitest';
import { bytesAsText, redactedBytes } from '../src/scrub/byte-text.js';
import { snapshotTextSerializer } from '../src/scrub/snapshot-text.js';
import { currentBroker } from './claim.js';

/**
 * @internal Registered by the setup file (see {@link addRedactingSerializer}). Pretty-format asks plugins about
 * primitives too, so a string that holds a value this worker received is printed redacted, in `.snap` files and
 * inline snapshots alike. So is an error: Vitest's `toThrowErrorMatchingSnapshot` and its inline twin snapshot the
 * thrown error itself, which pretty-format prints as `[Name: message]` without asking plugins about those strings.
 * And so is a Buffer or typed array whose bytes hold a value, which would print one decimal byte per line.
 */
const serializer: SnapshotSerializer = {
  test(value: unknown): boolean {
    const scrub = scrubNow();
    if (scrub === undefined) {
      return false;
    }
    if (typeof value === 'string') {
      return scrub(value) !== value;
    }
    const bytes = bytesAsText(value);
    if (bytes !== undefined) {
      return scrub(bytes) !== bytes;
    }
    return value instanceof Error && scrub(printedError(value)) !== printedError(value);
  },
  serialize(value: string | Error | ArrayBufferView, config, indentation, depth, refs, printer): string {
    const scrub = scrubNow() ?? ((text: string) => text);
    if (typeof value === 'string') {
      return printer(scrub(value), config, indentation, depth, refs);
    }
    if (ArrayBuffer.isView(value)) {
      return redactedBytes(value, printer(scrub(bytesAsText(value) ?? ''), config, indentation, depth, refs));
    }
    // A copy of the same class with its name and message redacted, which pretty-format then prints as it prints the
    // error (this serializer no longer applies to it); its cause and own properties go along, redacted by the
    // printer as it reaches them.
    const copy = new Error(scrub(value.message), value.cause === undefined ? undefined : { cause: value.cause });
    Object.setPrototypeOf(copy, Object.getPrototypeOf(value));
    Object.assign(copy, value);
    for (const key of ['name', 'message'] as const) {
      const own = Object.getOwnPropertyDescriptor(value, key);
      Object.defineProperty(copy, key, {
        value: scrub(String(value[key])),
        enumerable: own?.enumerable ?? false,
        writable: true,
        configurable: true,
      });
    }
    return printer(copy, config, indentation, depth, refs);
  },
};

// Undefined while this worker holds no value: then neither serializer takes anything, and snapshots print as bare.
function scrubNow(): ((text: string) => string) | undefined {
  const scrubber = currentBroker()?.scrubber;
  return scrubber === undefined || scrubber.size === 0 ? undefined : (text) => scrubber.scrub(text);
}

function printedError(error: Error): string {
  return `${String(error.name)}: ${String(error.message)}`;
}

const ADDED = Symbol.for('credential-broker.vitest.snapshot-serializer.v1');

/**
 * @internal Adds the serializers once per `expect` (whose snapshot plugins live as long as it does): from the setup
 * file rather than `test.snapshotSerializers`, which Vitest would import as one more module for every test file.
 * Added last, they are asked first: the text serializer takes the snapshot's root value and prints it with the
 * others, this file's value serializer first, so the user's serializers only ever see redacted strings; then it
 * scrubs what they all printed (src/scrub/snapshot-text.ts).
 */
export function addRedactingSerializer(expect: typeof vitestExpect): void {
  const marked = expect as unknown as Record<symbol, unknown>;
  if (marked[ADDED] !== true) {
    marked[ADDED] = true;
    expect.addSnapshotSerializer(serializer);
    expect.addSnapshotSerializer(snapshotTextSerializer(scrubNow) as SnapshotSerializer);
  }
}
