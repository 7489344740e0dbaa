import { describe, expect, it } from 'vitest';
import { AdaptiveLimit, type AdaptiveLimitOptions } from './adaptive-limit.js';

/**
 * Drives a limit with a simulated backend: each window is 10 loads over 100 ms that fill the
 * limit (or `inFlight` loads), each taking `rtt(limit, window)` ms. Returns the limit after every window.
 */
function drive(
  options: Partial<AdaptiveLimitOptions>,
  windows: number,
  rtt: (limit: number, window: number) => number,
  inFlight?: (limit: number) => number,
): { limit: AdaptiveLimit; trace: number[] } {
  let now = 0;
  const limit = new AdaptiveLimit({ initial: 4, min: 2, max: 32, ...options }, () => now);
  const trace: number[] = [];
  for (let w = 0; w < windows; w++) {
    for (let i = 0; i < 10; i++) {
      now += 10;
      limit.sample(rtt(limit.value, w), inFlight ? inFlight(limit.value) : limit.value);
    }
    trace.push(limit.value);
  }
  return { limit, trace };
}

describe('AdaptiveLimit', () => {
  it('grows to its ceiling while the backend answers as fast as ever, and never past it', () => {
    const { trace } = drive({}, 100, () => 30);
    expect(trace[0]).toBeGreaterThanOrEqual(4);
    expect(trace.indexOf(32)).toBeLessThan(60);
    expect(Math.max(...trace)).toBe(32);
    // Each step is small: no jump from the start to the ceiling.
    for (let i = 1; i < trace.length; i++) expect(trace[i]! - trace[i - 1]!).toBeLessThanOrEqual(3);
  });

  it('grows through noisy latency (20-40 ms a load)', () => {
    let seed = 7;
    const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 20;
    const { trace } = drive({}, 100, () => 20 + noise());
    expect(trace.at(-1)).toBe(32);
  });

  it('does not grow while loads use less than half of it', () => {
    const { trace } = drive({ initial: 8 }, 50, () => 30, () => 3);
    expect(new Set(trace)).toEqual(new Set([8]));
  });

  it('settles well below the ceiling on a backend that queues what its 4 workers cannot take', () => {
    // Latency grows with every load past 4 at once: 20 ms alone, 80 ms for 16 at once.
    const { trace } = drive({ max: 64 }, 600, (limit) => 20 * Math.max(1, limit / 4));
    const settled = trace.slice(100);
    expect(Math.max(...settled)).toBeLessThanOrEqual(16);
    expect(Math.min(...settled)).toBeGreaterThanOrEqual(4);
  });

  it('shrinks toward its floor when the backend slows down, and grows back when it recovers', () => {
    // 30 ms a load, then 120 ms from window 60 to 160 (busy with other clients), then 30 ms again.
    const { trace } = drive({}, 260, (_limit, w) => (w >= 60 && w < 160 ? 120 : 30));
    expect(trace[59]).toBe(32);
    expect(trace[80]).toBeLessThanOrEqual(16);
    expect(Math.min(...trace.slice(60, 160))).toBeLessThanOrEqual(6);
    expect(Math.min(...trace)).toBeGreaterThanOrEqual(2);
    expect(trace.at(-1)).toBe(32);
  });

  it('does not change before a window is complete (10 loads and 100 ms)', () => {
    let now = 0;
    const limit = new AdaptiveLimit({ initial: 30, min: 2, max: 32 }, () => now);
    for (let i = 0; i < 9; i++) limit.sample(30, 30);
    now = 1_000;
    expect(limit.value).toBe(30);
    limit.sample(30, 30);
    expect(limit.value).toBe(31);
  });

  it('refuses bounds that do not make sense', () => {
    expect(() => new AdaptiveLimit({ initial: 1, min: 0, max: 4 })).toThrow(/min/);
    expect(() => new AdaptiveLimit({ initial: 2, min: 2, max: 1 })).toThrow(/max/);
    expect(() => new AdaptiveLimit({ initial: 9, min: 2, max: 8 })).toThrow(/initial/);
  });
});
