import { describe, expect, it } from 'vitest';
import type { AdaptiveLimit } from './adaptive-limit.js';
import { ConcurrencyBudget } from './budget.js';
import { runInScope } from '../../../platform/observability/request-scope.js';
import { pino } from 'pino';

const silentLog = pino({ level: 'silent' });

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

describe('ConcurrencyBudget shared between client classes', () => {
  const partnerClass = 'partner:0015g0000000001AAA';
  const inClass = <T>(clientClass: string, fn: () => T): T => runInScope({ requestId: 't', log: silentLog, clientClass, backendCalls: {} }, fn);

  it('takes the share of a load from the request scope', async () => {
    const budget = new ConcurrencyBudget('odoo', 1, 10);
    await budget.acquire();
    void inClass('support_agent', () => budget.acquire());
    void inClass(partnerClass, () => budget.acquire());
    expect(budget.queuedByShare()).toEqual(new Map([['support', 1], [partnerClass, 1]]));
  });

  it('gives a free slot to a support agent ahead of a partner flood queued before it', async () => {
    const budget = new ConcurrencyBudget('odoo', 2, 100);
    const held = [await inClass(partnerClass, () => budget.acquire()), await inClass(partnerClass, () => budget.acquire())];
    const order: string[] = [];
    const flood = Array.from({ length: 50 }, (_, i) => inClass(partnerClass, () => budget.acquire()).then((r) => (order.push(`p${i}`), r)));
    const agent = inClass('support_agent', () => budget.acquire()).then((r) => (order.push('agent'), r));
    held[0]!();
    await agent;
    expect(order).toEqual(['agent']);
    expect(budget.queued).toBe(50);
    void flood;
  });

  it('shares slots by weight while both classes wait (4 support to 1 partner by default)', async () => {
    const budget = new ConcurrencyBudget('odoo', 1, 100);
    let release = await budget.acquire();
    const order: string[] = [];
    const queue = (clientClass: string, tag: string) =>
      inClass(clientClass, () => budget.acquire()).then((r) => {
        order.push(tag);
        release = r;
      });
    const waits = [...Array.from({ length: 20 }, () => queue(partnerClass, 'p')), ...Array.from({ length: 20 }, () => queue('support_agent', 's'))];
    for (let i = 0; i < 25; i++) {
      release();
      await new Promise((r) => setImmediate(r));
    }
    expect(order).toHaveLength(25);
    expect(order.filter((x) => x === 's')).toHaveLength(20);
    void waits;
  });

  it('keeps the total queue bound: a full queue refuses the flooding class, and pushes out its newest load for another class', async () => {
    const budget = new ConcurrencyBudget('odoo', 1, 5);
    await budget.acquire();
    const flood = Array.from({ length: 5 }, () => inClass(partnerClass, () => budget.acquire()));
    await expect(inClass(partnerClass, () => budget.acquire())).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    void inClass('support_agent', () => budget.acquire());
    await expect(flood[4]).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(budget.queued).toBe(5);
    expect(budget.queuedByShare()).toEqual(new Map([[partnerClass, 4], ['support', 1]]));
  });
});
