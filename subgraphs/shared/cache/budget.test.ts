import { describe, expect, it } from 'vitest';
import type { AdaptiveLimit } from './adaptive-limit.js';
import { ConcurrencyBudget } from './budget.js';

/** A limit that records its samples and moves only when told to. */
function scriptedLimit(value: number) {
  const samples: Array<{ rttMs: number; inFlight: number }> = [];
  const limit = {
    value,
    sample(rttMs: number, inFlight: number) {
      samples.push({ rttMs, inFlight });
    },
  };
  return { limit, samples, asLimit: limit as unknown as AdaptiveLimit };
}

describe('ConcurrencyBudget', () => {
  it('holds a fixed limit and queues the rest in arrival order', async () => {
    const budget = new ConcurrencyBudget('odoo', 2, 10);
    const a = await budget.acquire();
    await budget.acquire();
    expect(budget.saturated).toBe(true);
    const order: number[] = [];
    const third = budget.acquire().then((release) => (order.push(3), release));
    const fourth = budget.acquire().then((release) => (order.push(4), release));
    expect(budget.queued).toBe(2);
    a();
    a();
    await third;
    expect(order).toEqual([3]);
    expect(budget.active).toBe(2);
    expect(budget.queued).toBe(1);
    void fourth;
  });

  it('tells an adaptive limit how long each successful load took and how many ran with it', async () => {
    const { samples, asLimit } = scriptedLimit(4);
    const budget = new ConcurrencyBudget('odoo', asLimit, 10);
    const first = await budget.acquire();
    const second = await budget.acquire();
    await new Promise((r) => setTimeout(r, 20));
    first();
    second(false);
    expect(samples).toHaveLength(1);
    expect(samples[0]!.inFlight).toBe(1);
    expect(samples[0]!.rttMs).toBeGreaterThanOrEqual(15);
  });

  it('lets as many waiting loads go as a grown limit allows', async () => {
    const { limit, asLimit } = scriptedLimit(1);
    const budget = new ConcurrencyBudget('odoo', asLimit, 10);
    const release = await budget.acquire();
    const waiting = [budget.acquire(), budget.acquire(), budget.acquire()];
    expect(budget.queued).toBe(3);
    limit.value = 3;
    release();
    await Promise.all(waiting.slice(0, 3));
    expect(budget.active).toBe(3);
    expect(budget.queued).toBe(0);
  });

  it('lets no waiting load go while a shrunk limit is still full', async () => {
    const { limit, asLimit } = scriptedLimit(3);
    const budget = new ConcurrencyBudget('odoo', asLimit, 10);
    const held = [await budget.acquire(), await budget.acquire(), await budget.acquire()];
    let started = false;
    void budget.acquire().then(() => (started = true));
    limit.value = 1;
    held[0]!();
    held[1]!();
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toBe(false);
    held[2]!();
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toBe(true);
  });
});
