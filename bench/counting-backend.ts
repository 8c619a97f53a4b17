import type { Backend, BackendFactory } from '../src/contract/backend.js';
import { SecretValue } from '../src/scrub/secret-value.js';

/**
 * A `file:`-scheme backend that serves JSON documents from memory after `latencyMs`, counting fetches — the
 * "counting backend" of P1/P3. It returns the same shape as a real backend, so the whole resolver path runs.
 */
export function countingBackend(latencyMs: number): { factory: BackendFactory; readonly fetches: number } {
  let fetches = 0;
  const backend: Backend<'file'> = {
    scheme: 'file',
    async fetch(ref, ctx) {
      fetches += 1;
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      ctx.signal.throwIfAborted();
      const fields = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, `BENCH_${ref.path}_${i}`]));
      return { text: new SecretValue(JSON.stringify(fields), ref.path) };
    },
  };
  return {
    factory: (() => backend) as BackendFactory,
    get fetches() {
      return fetches;
    },
  };
}
