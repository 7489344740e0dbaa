/** Zipf-distributed draws of ranks, from a deterministic generator. */
import type { Rng } from '../sandbox/common/rng.js';

/** Draws ranks 0..n-1 with P(k) proportional to 1/(k+1)^s. */
export interface Zipf {
  next(): number;
  /** Probability of rank k. */
  probability(k: number): number;
}

/** Creates a Zipf sampler over n ranks with exponent s (inverse CDF by binary search). */
export function createZipf(n: number, s: number, rng: Rng): Zipf {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!(s > 0)) throw new RangeError(`s must be positive, got ${s}`);
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    total += 1 / (k + 1) ** s;
    cdf[k] = total;
  }
  for (let k = 0; k < n; k++) cdf[k]! /= total;
  return {
    next() {
      const u = rng.next();
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid]! < u) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
    probability: (k) => (k === 0 ? cdf[0]! : cdf[k]! - cdf[k - 1]!),
  };
}

/** A seeded Fisher-Yates shuffle (a copy): which customers are popular must not follow their index. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
