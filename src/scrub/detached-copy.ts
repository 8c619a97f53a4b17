/**
 * @internal A copy of `value`'s object graph that {@link scrubDeep} may change in place without touching what the test
 * still holds. A failed assertion's error carries the test's own objects (`matcherResult.actual`, `expected`, a
 * thrown error's properties): scrubbed in place, a value in them became its label and a key holding a value was
 * renamed, and a retried test (`jest.retryTimes`), or a later test of the file, saw its state changed.
 *
 * Objects keep their prototype (an Error stays an Error, a class instance prints with its class's name), and their
 * own properties with their attributes and symbol keys; accessors are copied uncalled. Arrays, Maps, Sets, Buffers
 * and typed arrays, ArrayBuffers, Dates and RegExps are copied as what they are; functions, promises and weak
 * collections are shared (nothing in them is printed). Cycles and shared objects stay cycles and shared objects.
 * Returns `value` itself when any part of it cannot be copied (a proxy whose traps throw, a graph too deep for the
 * stack): then the caller scrubs it in place, as before.
 */
export function detachedCopy<T>(value: T): T {
  try {
    return copyOf(value, new Map()) as T;
  } catch {
    return value;
  }
}

function copyOf(value: unknown, copies: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const done = copies.get(value);
  if (done !== undefined) {
    return done;
  }
  if (isShared(value)) {
    return value;
  }
  const leaf = leafCopy(value);
  if (leaf !== undefined) {
    copies.set(value, leaf);
    return leaf;
  }
  const copy: object = Array.isArray(value)
    ? new Array(value.length)
    : value instanceof Map
      ? new Map()
      : value instanceof Set
        ? new Set()
        : Object.create(Object.getPrototypeOf(value));
  copies.set(value, copy);
  if (value instanceof Map) {
    for (const [key, entry] of value) {
      (copy as Map<unknown, unknown>).set(copyOf(key, copies), copyOf(entry, copies));
    }
  } else if (value instanceof Set) {
    for (const member of value) {
      (copy as Set<unknown>).add(copyOf(member, copies));
    }
  }
  for (const key of Reflect.ownKeys(value)) {
    const desc = Reflect.getOwnPropertyDescriptor(value, key);
    if (desc === undefined) {
      continue;
    }
    if ('value' in desc) {
      desc.value = copyOf(desc.value, copies);
    }
    Reflect.defineProperty(copy, key, desc);
  }
  if (!Object.isExtensible(value)) {
    // Frozen stays frozen (scrubDeep leaves frozen objects as they are, on the copy as on the original).
    Object.isFrozen(value)
      ? Object.freeze(copy)
      : Object.isSealed(value)
        ? Object.seal(copy)
        : Object.preventExtensions(copy);
  }
  return copy;
}

// Binary data, dates and regular expressions, copied as what they are; undefined for anything else.
function leafCopy(value: object): object | undefined {
  if (ArrayBuffer.isView(value)) {
    return Buffer.isBuffer(value)
      ? Buffer.from(value)
      : value instanceof DataView
        ? new DataView(value.buffer.slice(0), value.byteOffset, value.byteLength)
        : (value as unknown as { slice(): object }).slice();
  }
  if (value instanceof ArrayBuffer) {
    return value.slice(0);
  }
  if (value instanceof Date) {
    return new Date(value.getTime());
  }
  return value instanceof RegExp ? new RegExp(value.source, value.flags) : undefined;
}

// What holds nothing a report prints, or cannot be copied: kept as it is.
function isShared(value: object): boolean {
  return (
    value instanceof Promise ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof WeakRef ||
    (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)
  );
}
