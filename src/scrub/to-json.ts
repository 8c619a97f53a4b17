/**
 * @internal Replaces, in place, every object reachable from `value` as JSON would reach it (array elements, own
 * enumerable data properties) that has an own or inherited `toJSON` function by what that function returns — what
 * JSON serialisation would print anyway. A scrub that walks properties cannot see into a `toJSON` closure (an error
 * whose `toJSON()` returns the value): jest-worker calls it only when it sends the result to the main process,
 * after the worker's scrub, so call this before scrubbing. Returns `value`, or its replacement when `value` itself
 * has a `toJSON`. Buffers and Dates keep theirs (their JSON is their own bytes and time). A `toJSON` that throws is
 * shadowed with `undefined` on its object, so serialisation prints the object's properties; cycles are safe.
 */
export function settleToJSON(value: unknown): unknown {
  // Each object once, and a shared one replaced everywhere by the same result.
  const settled = new WeakMap<object, unknown>();
  const walked = new WeakSet<object>();
  const pending: object[] = [];
  const settle = (v: unknown, key: string): unknown => {
    if (typeof v !== 'object' || v === null) {
      return v;
    }
    if (settled.has(v)) {
      return settled.get(v);
    }
    const out = callToJSON(v, key);
    settled.set(v, out);
    if (typeof out === 'object' && out !== null && !walked.has(out)) {
      walked.add(out);
      pending.push(out);
    }
    return out;
  };
  const root = settle(value, '');
  while (pending.length > 0) {
    const obj = pending.pop()!;
    const keys = Array.isArray(obj) ? obj.keys() : Object.keys(obj);
    for (const index of keys) {
      const key = String(index);
      const desc = Reflect.getOwnPropertyDescriptor(obj, key);
      if (desc === undefined || !('value' in desc)) {
        continue;
      }
      const replaced = settle(desc.value, key);
      if (replaced !== desc.value) {
        replace(obj, key, desc, replaced);
      }
    }
  }
  return root;
}

function callToJSON(obj: object, key: string): unknown {
  if (ArrayBuffer.isView(obj) || obj instanceof Date) {
    return obj;
  }
  let toJSON: unknown;
  try {
    toJSON = (obj as { toJSON?: unknown }).toJSON;
  } catch {
    // A throwing getter: serialisation would throw too; nothing to call.
    return obj;
  }
  if (typeof toJSON !== 'function') {
    return obj;
  }
  try {
    return Reflect.apply(toJSON, obj, [key]);
  } catch {
    // Left in place it would be called again when the result is serialised, and throw there (or not, this time).
    Reflect.defineProperty(obj, 'toJSON', { value: undefined, writable: true, configurable: true });
    return obj;
  }
}

function replace(obj: object, key: string, desc: PropertyDescriptor, replacement: unknown): void {
  try {
    if (!Reflect.set(obj, key, replacement) && desc.configurable === true) {
      Reflect.defineProperty(obj, key, { ...desc, value: replacement });
    }
  } catch {
    // A proxy or a frozen object refused the write; serialisation will call the toJSON there itself.
  }
}
