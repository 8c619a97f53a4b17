/**
 * How P2 decides: ratios of alternated pairs (a form's run ÷ the bare run next to it), their median, a 95 % bootstrap
 * interval of that median and the spread. Single pairs on a shared 2-core machine range 0.95–1.44, so a goal holds
 * only when the interval's upper bound is under it; an interval that straddles the goal is "undecided", never a pass.
 */
import { median } from './p2-common.js';

/** @internal The verdict on one form. */
export interface PairVerdict {
  readonly median: number;
  readonly low: number;
  readonly high: number;
  readonly min: number;
  readonly max: number;
  readonly pairs: number;
  readonly verdict: 'pass' | 'undecided' | 'FAIL';
}

/** @internal Deterministic resampling (a fixed-seed xorshift), so the same pairs always give the same interval. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

/** @internal The 95 % percentile-bootstrap interval of the median of `ratios` (10 000 resamples). */
export function bootstrapMedian(ratios: readonly number[], resamples = 10_000): { low: number; high: number } {
  const next = random(0x5eed);
  const medians: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const sample = ratios.map(() => ratios[Math.floor(next() * ratios.length)] ?? 0);
    medians.push(median(sample));
  }
  medians.sort((a, b) => a - b);
  return { low: medians[Math.floor(resamples * 0.025)] ?? 0, high: medians[Math.ceil(resamples * 0.975) - 1] ?? 0 };
}

/** @internal Median, interval, spread and verdict of the pair ratios against `goal`. */
export function judgePairs(ratios: readonly number[], goal: number): PairVerdict {
  const { low, high } = bootstrapMedian(ratios);
  return {
    median: median(ratios),
    low,
    high,
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    pairs: ratios.length,
    verdict: high < goal ? 'pass' : low > goal ? 'FAIL' : 'undecided',
  };
}

/** @internal `1.031 [1.012–1.049], pairs 0.97–1.12 (15)`. */
export function describeVerdict(v: PairVerdict): string {
  const f = (x: number) => x.toFixed(3);
  return `${f(v.median)} [95 % ${f(v.low)}–${f(v.high)}], pairs ${f(v.min)}–${f(v.max)} (${v.pairs})`;
}

/**
 * @internal Rotations over `variants`, forward then backward, so each form sits before and after the bare run
 * equally often; returns each variant's samples in rotation order (sample i of a form pairs with bare's sample i).
 */
export function rotate<V extends string, S>(
  variants: readonly V[],
  rotations: number,
  runOnce: (variant: V) => S
): Record<V, S[]> {
  const samples = Object.fromEntries(variants.map((v) => [v, [] as S[]])) as Record<V, S[]>;
  const reversed = [...variants].reverse();
  for (let r = 0; r < rotations; r++) {
    for (const variant of r % 2 === 0 ? variants : reversed) {
      samples[variant].push(runOnce(variant));
    }
    process.stderr.write(`  rotation ${r + 1}/${rotations}\n`);
  }
  return samples;
}

/** @internal How many pairs P2 measures: `BENCH_P2_PAIRS` (≥ 15 for a verdict), default 15. */
export function pairCount(): number {
  const given = Number(process.env['BENCH_P2_PAIRS'] ?? 15);
  return Number.isInteger(given) && given > 0 ? given : 15;
}

/**
 * @internal The forms P2 measures: all of them, or those `BENCH_P2_FORMS` lists (comma-separated, e.g. `nothing`) for
 * a quick look at one; the table then shows only those.
 */
export function selectedForms<F extends string>(forms: readonly F[]): F[] {
  const wanted = (process.env['BENCH_P2_FORMS'] ?? '').split(',').filter((f) => f !== '');
  return wanted.length === 0 ? [...forms] : forms.filter((f) => wanted.includes(f));
}
