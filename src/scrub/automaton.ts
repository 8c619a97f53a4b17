/**
 * A byte-level Aho–Corasick automaton for the scrubber. Research (scrub-and-files.md A.7) measured a
 * hand-written byte DFA at about twice the speed of one RegExp alternation, and every npm matcher
 * below the RegExp; none of them skips escape sequences, which the scrubber needs.
 *
 * Layout: states are numbered breadth-first, so depth never decreases with the id. The shallow
 * states (where ordinary text spends almost all its time) get a dense row of transitions over a
 * compressed byte alphabet; deeper states, reached only while text really follows a pattern, keep
 * their children and fail link and are stepped by walking fail links. A state is carried around
 * "encoded": dense states as their row offset (so the hot loop does one add and one load per byte),
 * sparse states as numbers at or above `limit`.
 */

/** @internal Transition target of the escape byte in dense rows: above every real encoded state. */
export const ESCAPE_SENTINEL = 0x7fffffff;

/** @internal Dense rows are capped at this many table entries (4 bytes each). */
const MAX_DENSE_ENTRIES = 1 << 21;

/** @internal */
export interface Automaton {
  /** Row stride: the number of byte classes. Class 0 is "byte in no pattern", the last is ESC. */
  readonly stride: number;
  /** Byte → class index. */
  readonly classOf: Uint16Array;
  /** Transitions of the dense states, already encoded. */
  readonly dense: Int32Array;
  readonly denseCount: number;
  /** `denseCount * stride`: encoded states at or above it are sparse. */
  readonly limit: number;
  readonly fail: Int32Array;
  readonly firstChild: Int32Array;
  readonly childCount: Int32Array;
  readonly byteOf: Uint8Array;
  readonly depth: Int32Array;
  /** Length of the longest pattern that ends in this state (0 when none). */
  readonly outLen: Int32Array;
  /** Name index of that pattern. */
  readonly outName: Int32Array;
  /** Name index of some pattern passing through this state (for truncated prefixes). */
  readonly prefixName: Int32Array;
  /** The shortest cut prefix redacted in this state: the least of the patterns passing through it. */
  readonly prefixMin: Int32Array;
  readonly patternCount: number;
  /**
   * Hashed set of the patterns' first three bytes ({@link gramIndex}), or `undefined` when some
   * pattern is shorter than three bytes. Lets the scanner skip text that starts no pattern.
   */
  readonly grams: Uint8Array | undefined;
  /**
   * Wu–Manber shift per hashed 3-gram: how far a window of {@link Automaton.window} bytes ending in
   * that 3-gram can move without passing the start of a pattern (`window - 2` for 3-grams that occur
   * in no pattern's first `window` bytes). `undefined` when windows would be too short to pay off.
   */
  readonly shift: Uint8Array | undefined;
  /** Length of the shortest pattern (capped), the Wu–Manber window. */
  readonly window: number;
  /** Encoded states below this have depth ≤ 2 (see {@link shallowDepth}). */
  readonly shallowLimit: number;
  /** Encoded states below this have depth ≤ 1. */
  readonly depth1Limit: number;
}

/** @internal Size of the 3-gram filter: small enough for L2, sparse enough to skip most text. */
export const GRAM_BITS = 18;
/** @internal */
export const GRAM_MASK = (1 << GRAM_BITS) - 1;

/** @internal Index of the 3-gram `b0 b1 b2` in {@link Automaton.grams}. */
export function gramIndex(b0: number, b1: number, b2: number): number {
  return ((b0 << 12) ^ (b1 << 6) ^ b2) & GRAM_MASK;
}

/** @internal A pattern and the index of the credential name it redacts to. */
export interface Pattern {
  readonly bytes: Uint8Array;
  readonly name: number;
  /** What a truncated prefix of the pattern redacts to (default: `name`). */
  readonly truncatedName?: number;
  /** Shortest truncated prefix of the pattern that is redacted (default, and at least: `truncatedMinLength`). */
  readonly truncatedMinLength?: number;
}

/**
 * @internal Builds the automaton. `truncatedMinLength` bounds the depth of dense states: the caller
 * relies on every state of at least that depth being sparse (for the truncation check), and on
 * dense states never being accepting.
 */
export function buildAutomaton(patterns: readonly Pattern[], truncatedMinLength: number): Automaton {
  const denseDepthLimit = truncatedMinLength;
  let total = 1;
  for (const p of patterns) {
    total += p.bytes.length;
  }
  // Trie with sibling lists; ids here are insertion order, renumbered breadth-first below.
  const tFirst = new Int32Array(total).fill(-1);
  const tNext = new Int32Array(total).fill(-1);
  const tByte = new Uint8Array(total);
  const tTerm = new Int32Array(total).fill(-1);
  const tRep = new Int32Array(total).fill(-1);
  const tMin = new Int32Array(total).fill(0x7fffffff);
  const used = new Uint8Array(256);
  let count = 1;
  let minPatternLength = Number.POSITIVE_INFINITY;
  for (let pi = 0; pi < patterns.length; pi++) {
    const bytes = patterns[pi]!.bytes;
    if (bytes.length === 0) {
      continue;
    }
    minPatternLength = Math.min(minPatternLength, bytes.length);
    const cutMin = Math.min(0x7fffffff, Math.max(truncatedMinLength, patterns[pi]!.truncatedMinLength ?? 0));
    let u = 0;
    for (const b of bytes) {
      used[b] = 1;
      let c = tFirst[u]!;
      while (c !== -1 && tByte[c] !== b) {
        c = tNext[c]!;
      }
      if (c === -1) {
        c = count++;
        tByte[c] = b;
        tNext[c] = tFirst[u]!;
        tFirst[u] = c;
        tRep[c] = pi;
      }
      tMin[c] = Math.min(tMin[c]!, cutMin);
      u = c;
    }
    if (tTerm[u] === -1) {
      tTerm[u] = pi;
    }
  }

  const classOf = new Uint16Array(256);
  let stride = 1;
  for (let b = 0; b < 256; b++) {
    if (used[b] === 1 && b !== 0x1b) {
      classOf[b] = stride++;
    }
  }
  const escClass = stride++;
  classOf[0x1b] = escClass;

  // Breadth-first renumbering: the children of a state get consecutive ids.
  const order = new Int32Array(count);
  const firstChild = new Int32Array(count);
  const childCount = new Int32Array(count);
  let tail = 1;
  for (let head = 0; head < tail; head++) {
    const u = order[head]!;
    firstChild[head] = tail;
    for (let c = tFirst[u]!; c !== -1; c = tNext[c]!) {
      order[tail++] = c;
    }
    childCount[head] = tail - firstChild[head]!;
  }
  const byteOf = new Uint8Array(count);
  const depth = new Int32Array(count);
  for (let id = 0; id < count; id++) {
    byteOf[id] = tByte[order[id]!]!;
    const n = childCount[id]!;
    for (let c = firstChild[id]!; c < firstChild[id]! + n; c++) {
      depth[c] = depth[id]! + 1;
    }
  }

  const depthCap = Math.min(denseDepthLimit, minPatternLength);
  const maxDense = Math.max(1, Math.floor(MAX_DENSE_ENTRIES / stride));
  let denseCount = 1;
  while (denseCount < count && denseCount < maxDense && depth[denseCount]! < depthCap) {
    denseCount++;
  }
  const limit = denseCount * stride;
  const encode = (id: number): number => (id < denseCount ? id * stride : limit + id - denseCount);
  const dense = new Int32Array(limit);
  const fail = new Int32Array(count);

  // The transition of an already-built state (dense row, or children then fail links).
  const delta = (from: number, b: number): number => {
    let id = from;
    while (id >= denseCount) {
      const end = firstChild[id]! + childCount[id]!;
      for (let c = firstChild[id]!; c < end; c++) {
        if (byteOf[c] === b) {
          return c;
        }
      }
      id = fail[id]!;
    }
    const t = dense[id * stride + classOf[b]!]!;
    return t < limit ? t / stride : t - limit + denseCount;
  };

  dense[escClass] = ESCAPE_SENTINEL;
  for (let c = firstChild[0]!; c < firstChild[0]! + childCount[0]!; c++) {
    dense[classOf[byteOf[c]!]!] = encode(c);
  }
  for (let id = 1; id < count; id++) {
    const f = fail[id]!;
    const end = firstChild[id]! + childCount[id]!;
    if (id < denseCount) {
      dense.copyWithin(id * stride, f * stride, f * stride + stride);
      for (let c = firstChild[id]!; c < end; c++) {
        dense[id * stride + classOf[byteOf[c]!]!] = encode(c);
      }
    }
    for (let c = firstChild[id]!; c < end; c++) {
      fail[c] = delta(f, byteOf[c]!);
    }
  }
  // Root's children fail to the root (fail[] is already 0 for them).

  let grams: Uint8Array | undefined;
  if (minPatternLength >= 3 && Number.isFinite(minPatternLength)) {
    grams = new Uint8Array(1 << GRAM_BITS);
    for (const p of patterns) {
      grams[gramIndex(p.bytes[0]!, p.bytes[1]!, p.bytes[2]!)] = 1;
    }
  }
  const window = Math.min(minPatternLength, 200);
  let shift: Uint8Array | undefined;
  if (grams !== undefined && window >= 5) {
    shift = new Uint8Array(1 << GRAM_BITS).fill(window - 2);
    for (const p of patterns) {
      const b = p.bytes;
      for (let j = 2; j < window; j++) {
        const g = gramIndex(b[j - 2]!, b[j - 1]!, b[j]!);
        shift[g] = Math.min(shift[g]!, window - 1 - j);
      }
    }
  }
  // Depth-ordered ids: the shallow states are a prefix of the dense ones (dense depth ≥ 2 when grams exist).
  let depth1 = 1;
  while (depth1 < denseCount && depth[depth1]! <= 1) {
    depth1++;
  }
  let shallow = depth1;
  while (shallow < denseCount && depth[shallow]! <= 2) {
    shallow++;
  }
  const useGrams = grams !== undefined && (shallow === count || depth[shallow]! > 2);

  const outLen = new Int32Array(count);
  const outName = new Int32Array(count);
  const prefixName = new Int32Array(count);
  const prefixMin = new Int32Array(count).fill(0x7fffffff);
  for (let id = 1; id < count; id++) {
    const old = order[id]!;
    const term = tTerm[old]!;
    if (term >= 0) {
      outLen[id] = depth[id]!;
      outName[id] = patterns[term]!.name;
    } else {
      outLen[id] = outLen[fail[id]!]!;
      outName[id] = outName[fail[id]!]!;
    }
    const rep = patterns[tRep[old]!]!;
    prefixName[id] = rep.truncatedName ?? rep.name;
    prefixMin[id] = tMin[old]!;
  }

  return {
    stride,
    classOf,
    dense,
    denseCount,
    limit,
    fail,
    firstChild,
    childCount,
    byteOf,
    depth,
    outLen,
    outName,
    prefixName,
    prefixMin,
    patternCount: patterns.length,
    grams: useGrams ? grams : undefined,
    shift: useGrams ? shift : undefined,
    window,
    shallowLimit: useGrams ? shallow * stride : 0,
    depth1Limit: depth1 * stride,
  };
}

/** @internal Depth of an encoded state below {@link Automaton.shallowLimit}. */
export function shallowDepth(a: Automaton, s: number): number {
  return s === 0 ? 0 : s < a.depth1Limit ? 1 : 2;
}

/** @internal Transition of an encoded state on byte `b` (never the escape byte). */
export function step(a: Automaton, s: number, b: number): number {
  if (s < a.limit) {
    return a.dense[s + a.classOf[b]!]!;
  }
  let id = s - a.limit + a.denseCount;
  while (id >= a.denseCount) {
    const first = a.firstChild[id]!;
    const end = first + a.childCount[id]!;
    for (let c = first; c < end; c++) {
      if (a.byteOf[c] === b) {
        return a.limit + c - a.denseCount;
      }
    }
    id = a.fail[id]!;
  }
  return a.dense[id * a.stride + a.classOf[b]!]!;
}

/** @internal State id of an encoded state. */
export function stateId(a: Automaton, s: number): number {
  return s < a.limit ? s / a.stride : s - a.limit + a.denseCount;
}
