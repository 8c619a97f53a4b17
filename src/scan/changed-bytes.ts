/**
 * Which bytes of a file the run added or changed, against its content captured before the run: a line diff (longest
 * common subsequence), then, inside each changed hunk, the bytes the old and new hunk do not share at either end.
 * So a runner that rewrites one inline snapshot in a test file changes only the bytes of that snapshot.
 */

/** @internal `[start, end)` byte ranges of `after` that are not in `before`, in order. */
export type Ranges = readonly (readonly [number, number])[];

// Above this many cells the middle of the file counts as changed as a whole (fails towards scanning more).
const MAX_CELLS = 4_000_000;

/** @internal The byte ranges of `after` that the run added or changed relative to `before`. */
export function changedRanges(before: Uint8Array, after: Uint8Array): Ranges {
  const a = lines(before);
  const b = lines(after);
  const text = (buf: Uint8Array, [s, e]: readonly [number, number]): string =>
    Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('latin1');
  const as = a.map((r) => text(before, r));
  const bs = b.map((r) => text(after, r));
  let head = 0;
  while (head < as.length && head < bs.length && as[head] === bs[head]) {
    head++;
  }
  let tail = 0;
  while (tail < as.length - head && tail < bs.length - head && as[as.length - 1 - tail] === bs[bs.length - 1 - tail]) {
    tail++;
  }
  const n = as.length - head - tail;
  const m = bs.length - head - tail;
  const hunks: [number, number, number, number][] = [];
  if (n * m > MAX_CELLS || n === 0 || m === 0) {
    hunks.push([head, head + n, head, head + m]);
  } else {
    // lcs[i][j]: longest common subsequence of the old lines from i and the new lines from j (middle only).
    const width = m + 1;
    const lcs = new Int32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] =
          as[head + i] === bs[head + j]
            ? lcs[(i + 1) * width + j + 1]! + 1
            : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    let hunk: [number, number, number, number] | undefined;
    while (i < n || j < m) {
      if (i < n && j < m && as[head + i] === bs[head + j]) {
        hunk = undefined;
        i++;
        j++;
        continue;
      }
      if (hunk === undefined) {
        hunk = [head + i, head + i, head + j, head + j];
        hunks.push(hunk);
      }
      if (j >= m || (i < n && lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
        i++;
        hunk[1] = head + i;
      } else {
        j++;
        hunk[3] = head + j;
      }
    }
  }
  const ranges: [number, number][] = [];
  const start = (rs: readonly (readonly [number, number])[], k: number, total: number): number =>
    k < rs.length ? rs[k]![0] : total;
  for (const [a0, a1, b0, b1] of hunks) {
    if (b1 === b0) {
      continue;
    }
    const os = start(a, a0, before.length);
    const oe = start(a, a1, before.length);
    const ns = start(b, b0, after.length);
    const ne = start(b, b1, after.length);
    let p = 0;
    while (p < oe - os && p < ne - ns && before[os + p] === after[ns + p]) {
      p++;
    }
    let q = 0;
    while (q < oe - os - p && q < ne - ns - p && before[oe - 1 - q] === after[ne - 1 - q]) {
      q++;
    }
    if (ns + p < ne - q) {
      ranges.push([ns + p, ne - q]);
    }
  }
  return ranges;
}

// Line ranges, each with its line end.
function lines(buf: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  let s = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0x0a) {
      out.push([s, i + 1]);
      s = i + 1;
    }
  }
  if (s < buf.length) {
    out.push([s, buf.length]);
  }
  return out;
}
