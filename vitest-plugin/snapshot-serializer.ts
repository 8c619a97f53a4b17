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

const ORDER = Symbol.for('credential-broker.vitest.snapshot-serializer.v2');
const textSerializer = snapshotTextSerializer(scrubNow) as SnapshotSerializer;

interface Order {
  /** A serializer was added after ours (a setup file after the broker's, the test file's top level). */
  behind: boolean;
  readonly add: (plugin: SnapshotSerializer) => void;
}

/**
 * @internal Puts the serializers ahead of every other, from the setup file's `beforeAll` of each test file: by then
 * the user's setup files and the test file's top level have added theirs, and Vitest asks the last added first. So
 * the text serializer takes the snapshot's root value and prints it with the others, this file's value serializer
 * first, and then scrubs what they all printed (src/scrub/snapshot-text.ts): a serializer of a setup file that prints
 * a value itself is scrubbed too. Added again only when another was added after them (`expect.addSnapshotSerializer`
 * is watched, per `expect`), so a worker that runs many files (`isolate: false`) keeps one pair. Not through
 * `test.snapshotSerializers`, which Vitest would import as one more module for every test file.
 */
export function addRedactingSerializer(expect: typeof vitestExpect): void {
  const marked = expect as unknown as Record<symbol, Order | undefined>;
  let order = marked[ORDER];
  if (order === undefined) {
    // Called, not bound: Vitest's `expect` guards its properties (binding reads `length`, which it refuses).
    const original = expect.addSnapshotSerializer;
    const add = (plugin: SnapshotSerializer) => Reflect.apply(original, expect, [plugin]);
    const watched: Order = { behind: true, add };
    order = watched;
    marked[ORDER] = watched;
    expect.addSnapshotSerializer = (plugin: SnapshotSerializer) => {
      add(plugin);
      watched.behind = true;
    };
  }
  if (order.behind) {
    order.behind = false;
    order.add(serializer);
    order.add(textSerializer);
  }
}
