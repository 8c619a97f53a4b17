import { bytesAsText } from './byte-text.js';
import type { Scrubber } from './scrubber.js';
import { SecretValue } from './secret-value.js';

/**
 * @public Scrubs, in place, every string reachable from `value` through own data properties: an
 * Error's `message`, `stack`, `cause` chain and `AggregateError.errors`, assertion fields (`actual`,
 * `expected`, `diff`, `matcherResult`, …), arbitrary properties, array elements, Map values and Set
 * members. Cycles are safe; read-only but configurable properties are redefined; frozen ones are
 * left as they are. Getters are not called (except an Error's own `stack`/`message` accessors). A
 * Buffer or typed array, or a serialised Buffer (`{ type: 'Buffer', data }`), whose bytes hold a
 * value is replaced by the bytes of its redacted text; other binary data is not touched. Returns
 * `value`, or the scrubbed string when `value` is a string.
 * Pass the same `seen` set to several calls to visit shared objects once.
 */
export function scrubDeep<T>(value: T, scrubber: Scrubber, seen: WeakSet<object> = new WeakSet()): T {
  if (typeof value === 'string') {
    return scrubber.scrub(value) as T;
  }
  if (!isWalkable(value)) {
    return value;
  }
  const stack: object[] = [value];
  const visit = (v: unknown): string | Buffer | undefined => {
    if (typeof v === 'string') {
      const scrubbed = scrubber.scrub(v);
      return scrubbed === v ? undefined : scrubbed;
    }
    // A Buffer (a matcher's `actual`) would be printed or serialised one decimal byte at a time: replaced by the
    // bytes of its redacted text when it holds a value, else left as it is.
    const bytes = bytesAsText(v);
    if (bytes !== undefined) {
      const scrubbed = scrubber.scrub(bytes);
      return scrubbed === bytes ? undefined : Buffer.from(scrubbed, 'utf8');
    }
    if (isWalkable(v) && !seen.has(v)) {
      stack.push(v);
    }
    return undefined;
  };
  while (stack.length > 0) {
    const obj = stack.pop()!;
    if (seen.has(obj)) {
      continue;
    }
    seen.add(obj);
    const serialised = serialisedBufferText(obj);
    if (serialised !== undefined) {
      const scrubbed = scrubber.scrub(serialised);
      if (scrubbed !== serialised) {
        setProperty(obj, 'data', [...Buffer.from(scrubbed, 'utf8')]);
      }
      continue;
    }
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        const replaced = visit(obj[i]);
        if (replaced !== undefined) {
          setProperty(obj, String(i), replaced);
        }
      }
      continue;
    }
    if (obj instanceof Map) {
      for (const [key, entry] of obj) {
        visit(key);
        const replaced = visit(entry);
        if (replaced !== undefined) {
          obj.set(key, replaced);
        }
      }
    } else if (obj instanceof Set) {
      for (const member of [...obj]) {
        const replaced = visit(member);
        if (replaced !== undefined) {
          obj.delete(member);
          obj.add(replaced);
        }
      }
    }
    for (const key of Reflect.ownKeys(obj)) {
      const desc = Reflect.getOwnPropertyDescriptor(obj, key);
      if (desc === undefined) {
        continue;
      }
      if ('value' in desc) {
        const replaced = visit(desc.value);
        if (replaced !== undefined) {
          setProperty(obj, key, replaced);
        }
      } else if (obj instanceof Error && (key === 'stack' || key === 'message') && desc.get && desc.set) {
        // Some engines expose an Error's stack as an own accessor pair.
        const replaced = visit(Reflect.get(obj, key));
        if (replaced !== undefined) {
          Reflect.set(obj, key, replaced);
        }
      }
    }
  }
  return value;
}

// A Buffer after JSON.stringify or jest-worker's IPC: `{ type: 'Buffer', data: [67, 65, …] }`.
function serialisedBufferText(obj: object): string | undefined {
  // Own data properties only: no getter is called.
  const type = Reflect.getOwnPropertyDescriptor(obj, 'type')?.value;
  const data = type === 'Buffer' ? Reflect.getOwnPropertyDescriptor(obj, 'data')?.value : undefined;
  if (type !== 'Buffer' || !Array.isArray(data) || !data.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    return undefined;
  }
  return Buffer.from(data as number[]).toString('utf8');
}

function isWalkable(value: unknown): value is object {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof SecretValue) &&
    !ArrayBuffer.isView(value) &&
    !(value instanceof ArrayBuffer) &&
    !(value instanceof Promise) &&
    !(value instanceof WeakMap) &&
    !(value instanceof WeakSet) &&
    !(value instanceof RegExp) &&
    !(value instanceof Date)
  );
}

function setProperty(obj: object, key: string | symbol, replacement: unknown): void {
  try {
    if (Reflect.set(obj, key, replacement) && Reflect.get(obj, key) === replacement) {
      return;
    }
    const desc = Reflect.getOwnPropertyDescriptor(obj, key);
    if (desc?.configurable) {
      Reflect.defineProperty(obj, key, { ...desc, value: replacement });
    }
  } catch {
    // A proxy or exotic object refused the write; nothing else can be done in place.
  }
}
