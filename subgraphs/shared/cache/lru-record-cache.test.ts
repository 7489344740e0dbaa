import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../../platform/errors/backend-error.js';
import { cacheRequestsTotal, cacheStaleServedTotal } from '../metrics/cache-metrics.js';
import { recordCacheKey } from './record-cache.js';
import type { RecordKey, RecordKind, StaleObserver } from './record-cache.js';
import { cache, counterValue, deferred, flush, lives, observer, orderIds, orders, recordingLoad, stock, type Rec } from './record-cache-fixtures.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createRecordCache: hits and misses', () => {
  it('loads a miss once, then serves it from memory, in key order with null for missing', async () => {
    const c = cache();
    const { load, batches } = recordingLoad({ missing: [9] });
    expect(await c.getMany<Rec>(orders, [2, 1, 9, 2], load)).toEqual([{ id: 2, v: 1 }, { id: 1, v: 1 }, null, { id: 2, v: 1 }]);
    expect(batches).toEqual([[2, 1, 9]]);
    expect(await c.getMany<Rec>(orders, [1, 2, 9], load)).toEqual([{ id: 1, v: 1 }, { id: 2, v: 1 }, null]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('loads only the misses of a batch of mixed hits and misses, with one call', async () => {
    const c = cache();
    const { load, batches } = recordingLoad();
    await c.getMany(orders, [1, 2], load);
    const got = await c.getMany<Rec>(orders, [1, 3, 2, 4], load);
    expect(got.map((r) => r?.id)).toEqual([1, 3, 2, 4]);
    expect(batches).toEqual([[1, 2], [3, 4]]);
  });

  it('counts hits and misses per lifetime and model', async () => {
    const c = cache();
    const { load } = recordingLoad();
    const labels = { lifetime: 'Order', model: 'sale.order' };
    const hits = await counterValue(cacheRequestsTotal, { ...labels, result: 'hit' });
    const misses = await counterValue(cacheRequestsTotal, { ...labels, result: 'miss' });
    await c.getMany(orders, [1, 2], load);
    await c.getMany(orders, [1, 2, 3], load);
    expect((await counterValue(cacheRequestsTotal, { ...labels, result: 'hit' })) - hits).toBe(2);
    expect((await counterValue(cacheRequestsTotal, { ...labels, result: 'miss' })) - misses).toBe(3);
  });

  it('is keyed by backend, tenant, model and key, never by user: two requests share entries', async () => {
    expect(recordCacheKey('retail', orders, 42)).toBe('odoo:retail:sale.order:42');
    expect(recordCacheKey('retail', orderIds, 7)).toBe('odoo:retail:sale.order@partner_id:7');
    const c = cache();
    const { load } = recordingLoad();
    const agent = observer();
    const partner = observer();
    await c.getMany(orders, [1], load, agent.obs);
    await c.getMany(orders, [1], load, partner.obs);
    expect(load).toHaveBeenCalledTimes(1);
    // The same id of another model or tenant is another entry.
    await c.getMany({ ...orders, model: 'account.move' }, [1], load);
    await cache({ tenant: 'other' }).getMany(orders, [1], load);
    expect(load).toHaveBeenCalledTimes(3);
  });
});

describe('createRecordCache: TTL per class', () => {
  it('expires stock after 5 s and keeps order status for 30 s by default', async () => {
    const c = cache({ lifetimes: lives({ StockAvailability: { staleWhileRevalidate: 0 }, Order: { staleWhileRevalidate: 0 } }) });
    const stockLoad = recordingLoad();
    const statusLoad = recordingLoad();
    await c.getMany(stock, [1], stockLoad.load);
    await c.getMany(orders, [1], statusLoad.load);
    vi.advanceTimersByTime(4_999);
    await c.getMany(stock, [1], stockLoad.load);
    expect(stockLoad.load).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(2);
    await c.getMany(stock, [1], stockLoad.load);
    await c.getMany(orders, [1], statusLoad.load);
    expect(stockLoad.load).toHaveBeenCalledTimes(2);
    expect(statusLoad.load).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(25_000);
    await c.getMany(orders, [1], statusLoad.load);
    expect(statusLoad.load).toHaveBeenCalledTimes(2);
  });

  it('honours a configured TTL', async () => {
    const c = cache({ lifetimes: lives({ Product: { maxAge: 1, staleWhileRevalidate: 0, staleIfError: 0 } }) });
    const kind: RecordKind = { backend: 'odoo', model: 'product.product', lifetime: 'Product' };
    const { load } = recordingLoad();
    await c.getMany(kind, [1], load);
    vi.advanceTimersByTime(999);
    await c.getMany(kind, [1], load);
    vi.advanceTimersByTime(1);
    await c.getMany(kind, [1], load);
    expect(load).toHaveBeenCalledTimes(2);
  });
});

describe('createRecordCache: coalescing', () => {
  it('makes one load for 100 concurrent getMany calls of the same keys', async () => {
    const c = cache();
    const gate = deferred<void>();
    const load = vi.fn(async (keys: RecordKey[]) => {
      await gate.promise;
      return new Map(keys.map((k) => [k, { id: k }] as const));
    });
    const calls = Array.from({ length: 100 }, () => c.getMany(orders, [1, 2, 3], load));
    gate.resolve();
    const results = await Promise.all(calls);
    expect(load).toHaveBeenCalledTimes(1);
    expect(load).toHaveBeenCalledWith([1, 2, 3]);
    for (const r of results) expect(r).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('joins keys in flight and loads only the others', async () => {
    const c = cache();
    const gate = deferred<void>();
    const batches: RecordKey[][] = [];
    const load = async (keys: RecordKey[]) => {
      batches.push(keys);
      await gate.promise;
      return new Map(keys.map((k) => [k, { id: k }] as const));
    };
    const first = c.getMany(orders, [1, 2], load);
    const second = c.getMany(orders, [2, 3], load);
    gate.resolve();
    expect(await first).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await second).toEqual([{ id: 2 }, { id: 3 }]);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('rejects every waiter when the shared load fails, and caches nothing', async () => {
    const c = cache();
    const failure = new BackendError({ backend: 'odoo', code: 'UNAVAILABLE', message: 'down' });
    const load = vi.fn(async () => {
      throw failure;
    });
    const calls = Array.from({ length: 5 }, () => c.getMany(orders, [1], load));
    for (const call of calls) await expect(call).rejects.toBe(failure);
    expect(load).toHaveBeenCalledTimes(1);
    const { load: ok } = recordingLoad();
    expect(await c.getMany(orders, [1], ok)).toEqual([{ id: 1, v: 1 }]);
  });
});

describe('createRecordCache: stale serving', () => {
  it('serves stale while revalidating once in the background, and tells the observer', async () => {
    const c = cache({ lifetimes: lives({ Order: { maxAge: 1, staleWhileRevalidate: 5 } }) });
    const { load, bump } = recordingLoad();
    await c.getMany(orders, [1], load);
    vi.advanceTimersByTime(1_500);
    bump();
    const { obs, seen } = observer();
    const before = await counterValue(cacheStaleServedTotal, { model: 'sale.order', reason: 'revalidating' });
    const [a, b] = await Promise.all([c.getMany<Rec>(orders, [1], load, obs), c.getMany<Rec>(orders, [1], load, obs)]);
    expect(a).toEqual([{ id: 1, v: 1 }]);
    expect(b).toEqual([{ id: 1, v: 1 }]);
    expect(seen).toEqual([
      { key: 1, ageMs: 1_500, reason: 'revalidating' },
      { key: 1, ageMs: 1_500, reason: 'revalidating' },
    ]);
    expect((await counterValue(cacheStaleServedTotal, { model: 'sale.order', reason: 'revalidating' })) - before).toBe(2);
    await flush();
    expect(load).toHaveBeenCalledTimes(2);
    expect(await c.getMany<Rec>(orders, [1], load, obs)).toEqual([{ id: 1, v: 2 }]);
    expect(load).toHaveBeenCalledTimes(2);
    expect(seen).toHaveLength(2);
  });

  it('loads instead of serving stale for a reader that requires fresh records', async () => {
    const c = cache({ lifetimes: lives({ Order: { maxAge: 1, staleWhileRevalidate: 5 } }) });
    const { load, bump } = recordingLoad();
    await c.getMany(orders, [1], load);
    vi.advanceTimersByTime(1_500);
    bump();
    const seen: RecordKey[] = [];
    const strict: StaleObserver = { requireFresh: true, stale: (_kind, key) => seen.push(key) };
    expect(await c.getMany<Rec>(orders, [1], load, strict)).toEqual([{ id: 1, v: 2 }]);
    expect(seen).toEqual([]);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('waits for the backend past the revalidate window', async () => {
    const c = cache({ lifetimes: lives({ Order: { maxAge: 1, staleWhileRevalidate: 1, staleIfError: 10 } }) });
    const { load, bump } = recordingLoad();
    await c.getMany(orders, [1], load);
    vi.advanceTimersByTime(2_500);
    bump();
    expect(await c.getMany<Rec>(orders, [1], load)).toEqual([{ id: 1, v: 2 }]);
  });

  it('serves stale flagged backend-error when the backend fails, and propagates the error with nothing stale', async () => {
    const c = cache({ lifetimes: lives({ Order: { maxAge: 1, staleWhileRevalidate: 0, staleIfError: 60 } }) });
    const { load } = recordingLoad();
    await c.getMany(orders, [1], load);
    vi.advanceTimersByTime(3_000);
    const failure = new BackendError({ backend: 'odoo', code: 'UNAVAILABLE', message: 'down' });
    const failing = vi.fn(async () => {
      throw failure;
    });
    const { obs, seen } = observer();
    expect(await c.getMany<Rec>(orders, [1], failing, obs)).toEqual([{ id: 1, v: 1 }]);
    expect(seen).toEqual([{ key: 1, ageMs: 3_000, reason: 'backend-error' }]);
    // The stale copy survives the failed refresh for the next request.
    expect(await c.getMany<Rec>(orders, [1], failing, obs)).toEqual([{ id: 1, v: 1 }]);
    expect(failing).toHaveBeenCalledTimes(2);
    // A key with nothing stale fails the call.
    await expect(c.getMany(orders, [1, 2], failing, obs)).rejects.toBe(failure);
    // Past the stale window the error propagates too.
    vi.advanceTimersByTime(60_000);
    await expect(c.getMany(orders, [1], failing)).rejects.toBe(failure);
  });
});
