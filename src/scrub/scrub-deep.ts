import { bytesAsText } from './byte-text.js';
import type { Scrubber } from './scrubber.js';
import { SecretValue } from './secret-value.js';

/**
 * @public Scrubs, in place, every string reachable from `value` through own data properties: an
 * Error's `message`, `stack`, `cause` chain and `AggregateError.errors`, assertion fields (`actual`,
 * `expected`, `diff`, `matcherResult`, …), arbitrary properties, array elements, Map values and Set
 * members. Cycles are safe; read-only but configurable properties are redefined; frozen ones are
 * left as they are. Getters are not called (except an Error's own `stack`/`message` accessors). A
 * Buffer or typed array, a serialised Buffer (`{ type: 'Buffer', data }`), or an array of byte
 * numbers, whose bytes hold a value is replaced by the bytes of its redacted text; other binary data
 * is not touched. An object's or a Map's string key that holds a value is renamed to its scrubbed
 * text (`… (2)` after it if that name is taken), the other keys keeping their order; a
 * non-configurable property keeps its key. Returns `value`, or the scrubbed string when `value` is
 * a string.
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
      if (scrubByteArray(obj, scrubber)) {
        continue;
      }
      for (let i = 0; i < obj.length; i++) {
        const replaced = visit(obj[i]);
        if (replaced !== undefined) {
          setProperty(obj, String(i), replaced);
        }
      }
      continue;
    }
    if (obj instanceof Map) {
      let renamed: Map<string, string> | undefined;
      for (const [key, entry] of obj) {
        const scrubbedKey = visit(key);
        if (typeof key === 'string' && typeof scrubbedKey === 'string') {
          renamed ??= new Map();
          renamed.set(key, scrubbedKey);
        }
        const replaced = visit(entry);
        if (replaced !== undefined) {
          obj.set(key, replaced);
        }
      }
      if (renamed !== undefined) {
        renameMapKeys(obj, renamed);
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
    let keys = Reflect.ownKeys(obj);
    if (renameKeys(obj, keys, scrubber)) {
      keys = Reflect.ownKeys(obj);
    }
    for (const key of keys) {
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

// An array of byte numbers (`Array.from(buffer)`, an HTTP client's `data`, char codes): printed and serialised one
// decimal number at a time, like a Buffer. Replaced in place by the bytes of its redacted text when its bytes hold a
// value (its UTF-8, Latin-1 or UTF-16 forms). Only an array of at least `minLength` integers 0–255 is decoded; true
// when the array was one (nothing else in it to walk).
function scrubByteArray(arr: unknown[], scrubber: Scrubber): boolean {
  if (arr.length < scrubber.minLength) {
    return false;
  }
  for (const b of arr) {
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) {
      return false;
    }
  }
  const bytes = Buffer.from(arr as number[]);
  if (!scrubber.has(bytes) || !Object.isExtensible(arr)) {
    return true;
  }
  const scrubbed = scrubber.scrubBuffer(bytes);
  try {
    for (let i = 0; i < scrubbed.length; i++) {
      arr[i] = scrubbed[i];
    }
    arr.length = scrubbed.length;
  } catch {
    // A sealed array or a proxy refused: the value's bytes are overwritten as far as the writes went.
  }
  return true;
}

// A value used as a property name (headers built with the token as a key, an error's map of sessions by id): every
// serialiser prints the key. Such a key is renamed to its scrubbed text, and the keys after it are re-added in order
// so the object's order stays. Only keys as long as a value can be; one scan of them joined decides, so an object
// whose keys hold nothing (nearly all) costs one pass. True when a key was renamed.
function renameKeys(obj: object, keys: readonly (string | symbol)[], scrubber: Scrubber): boolean {
  const candidates = keys.filter((k): k is string => typeof k === 'string' && k.length >= scrubber.minLength);
  if (candidates.length === 0 || !scrubber.has(candidates.join('\n')) || !Object.isExtensible(obj)) {
    return false;
  }
  const renamed = new Map<string, string>();
  for (const key of candidates) {
    const scrubbed = scrubber.scrub(key);
    if (scrubbed !== key) {
      renamed.set(key, scrubbed);
    }
  }
  if (renamed.size === 0) {
    return false;
  }
  const taken = new Set(keys.filter((k): k is string => typeof k === 'string'));
  const from = keys.findIndex((k) => typeof k === 'string' && renamed.has(k));
  try {
    for (const key of keys.slice(from)) {
      // Symbols are ordered after every string key anyway; a non-configurable property cannot move.
      const desc = typeof key === 'string' ? Reflect.getOwnPropertyDescriptor(obj, key) : undefined;
      if (desc === undefined || desc.configurable !== true || !Reflect.deleteProperty(obj, key)) {
        continue;
      }
      const to = renamed.get(key as string);
      Reflect.defineProperty(obj, to === undefined ? key : freeName(to, taken), desc);
    }
  } catch {
    // A proxy refused a step; what was renamed stays renamed.
  }
  return true;
}

// A Map's string keys that hold a value, renamed: the Map is rebuilt in its order.
function renameMapKeys(map: Map<unknown, unknown>, renamed: ReadonlyMap<string, string>): void {
  const entries = [...map];
  const taken = new Set(entries.map(([key]) => key).filter((k): k is string => typeof k === 'string'));
  try {
    map.clear();
    for (const [key, entry] of entries) {
      const to = typeof key === 'string' ? renamed.get(key) : undefined;
      map.set(to === undefined ? key : freeName(to, taken), entry);
    }
  } catch {
    // A subclass refused; nothing else can be done in place.
  }
}

// `name`, or `name (2)`, `name (3)`… when it is taken already (two keys holding values scrub to the same label).
function freeName(name: string, taken: Set<string>): string {
  let free = name;
  for (let n = 2; taken.has(free); n++) {
    free = `${name} (${n})`;
  }
  taken.add(free);
  return free;
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
