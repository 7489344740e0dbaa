import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../../platform/errors/backend-error.js';
import { cacheRequestsTotal, cacheStaleServedTotal } from '../metrics/cache-metrics.js';
import { createRecordCache, estimateSize, recordCacheKey } from './lru-record-cache.js';
import { withOverrides, type LifetimeOverrides } from '../../../platform/cache-lifetimes/index.js';
import type { RecordCacheOptions } from './cache-options.js';
import { committedLifetimes } from './committed-lifetimes.js';
import type { RecordKey, RecordKind, StaleObserver } from './record-cache.js';

const orders: RecordKind = { backend: 'odoo', model: 'sale.order', lifetime: 'Order' };
const stock: RecordKind = { backend: 'odoo', model: 'stock.quant', lifetime: 'StockAvailability' };
/** Id lists are cached like records, under a kind keyed by the list's filter value, with the list field's lifetime. */
const orderIds: RecordKind = { backend: 'odoo', model: 'sale.order@partner_id', lifetime: 'Customer.orders' };

/** The committed lifetimes with some changed (seconds). */
const lives = (overrides: LifetimeOverrides) => withOverrides(committedLifetimes(), overrides);

interface Rec {
  id: RecordKey;
  v: number;
}

/** A load that records every batch it was asked for and answers version `version` of each id. */
function recordingLoad(options: { missing?: RecordKey[] } = {}) {
  const batches: RecordKey[][] = [];
  let version = 1;
  const load = vi.fn(async (keys: RecordKey[]) => {
    batches.push([...keys]);
    return new Map(keys.filter((k) => !options.missing?.includes(k)).map((k) => [k, { id: k, v: version }] as const));
  });
  return { load, batches, bump: () => (version += 1) };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function observer() {
  const seen: Array<{ key: RecordKey; ageMs: number; reason: string }> = [];
  const obs: StaleObserver = { stale: (_kind, key, ageMs, reason) => seen.push({ key, ageMs, reason }) };
  return { obs, seen };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function cache(options: Partial<RecordCacheOptions> = {}) {
  return createRecordCache({ tenant: 'retail', ...options });
}

async function counterValue(counter: typeof cacheRequestsTotal | typeof cacheStaleServedTotal, labels: Record<string, string>) {
  const { values } = await counter.get();
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k as never] === l))?.value ?? 0;
}

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

describe('createRecordCache: freshness reported to the observer', () => {
  function freshObserver() {
    const fresh: Array<{ model: string; key: RecordKey; remainingMs: number }> = [];
    const obs: StaleObserver = { stale: () => {}, fresh: (kind, key, remainingMs) => fresh.push({ model: kind.model, key, remainingMs }) };
    return { obs, fresh };
  }

  it('takes each kind lifetime from the schema coordinate it names', async () => {
    const c = cache();
    const { load } = recordingLoad();
    const { obs, fresh } = freshObserver();
    await c.getMany(stock, [1], load, obs);
    await c.getMany(orders, [1], load, obs);
    await c.getMany(orderIds, [7], async () => new Map([[7, [1]]]), obs);
    expect(fresh.map((f) => f.remainingMs)).toEqual([5_000, 30_000, 30_000]);
  });

  it('reports a loaded record fresh for its whole TTL and a cached one for its TTL minus its age', async () => {
    const c = cache();
    const { load } = recordingLoad();
    const { obs, fresh } = freshObserver();
    await c.getMany(orders, [1], load, obs);
    expect(fresh).toEqual([{ model: 'sale.order', key: 1, remainingMs: 30_000 }]);
    vi.advanceTimersByTime(29_000);
    fresh.length = 0;
    await c.getMany(orders, [1, 2], load, obs);
    expect(fresh).toEqual(
      expect.arrayContaining([
        { model: 'sale.order', key: 1, remainingMs: 1_000 },
        { model: 'sale.order', key: 2, remainingMs: 30_000 },
      ]),
    );
    expect(fresh).toHaveLength(2);
  });

  it('reports 0 for a record served stale, the list lifetime for id lists, and works without the optional method', async () => {
    const c = cache({ lifetimes: lives({ Order: { maxAge: 1, staleWhileRevalidate: 5 }, 'Customer.orders': { maxAge: 2 } }) });
    const { load } = recordingLoad();
    await c.getMany(orders, [1], load, observer().obs);
    vi.advanceTimersByTime(1_500);
    const { obs, fresh } = freshObserver();
    await c.getMany(orders, [1], load, obs);
    expect(fresh).toEqual([{ model: 'sale.order', key: 1, remainingMs: 0 }]);
    fresh.length = 0;
    await c.getMany(orderIds, [7], async () => new Map([[7, [1, 2]]]), obs);
    expect(fresh).toEqual([{ model: 'sale.order@partner_id', key: 7, remainingMs: 2_000 }]);
    // An observer without `fresh` (the interface's older shape) is still served.
    expect(await c.getMany<Rec>(stock, [5], load, observer().obs)).toEqual([{ id: 5, v: 1 }]);
  });

  it('reports a key joined to a load in flight from the time that load started', async () => {
    const c = cache();
    const gate = deferred<Map<RecordKey, Rec>>();
    const { obs, fresh } = freshObserver();
    const first = c.getMany<Rec>(orders, [1], () => gate.promise);
    await flush();
    vi.advanceTimersByTime(4_000);
    const second = c.getMany<Rec>(orders, [1], () => gate.promise, obs);
    gate.resolve(new Map([[1, { id: 1, v: 1 }]]));
    await Promise.all([first, second]);
    expect(fresh).toEqual([{ model: 'sale.order', key: 1, remainingMs: 26_000 }]);
  });
});

describe('createRecordCache: concurrency budget', () => {
  it('serves stale flagged over-budget at once, refreshing it once a slot is free, and queues misses', async () => {
    const c = cache({ budgets: { odoo: 1 }, lifetimes: lives({ Order: { maxAge: 1, staleWhileRevalidate: 1, staleIfError: 60 } }) });
    const { load } = recordingLoad();
    await c.getMany(orders, [1, 2], load);
    vi.advanceTimersByTime(1_500);

    const gate = deferred<void>();
    const slow = vi.fn(async (keys: RecordKey[]) => {
      await gate.promise;
      return new Map(keys.map((k) => [k, { id: k, v: 9 }] as const));
    });
    const busy = c.getMany(orders, [3], slow);
    await flush();
    expect(c.stats().loads.odoo).toEqual({ active: 1, queued: 0, budget: 1 });

    const { obs, seen } = observer();
    const { load: other } = recordingLoad();
    expect(await c.getMany<Rec>(orders, [1, 2], other, obs)).toEqual([{ id: 1, v: 1 }, { id: 2, v: 1 }]);
    expect(other).not.toHaveBeenCalled();
    expect(seen.map((s) => s.reason)).toEqual(['over-budget', 'over-budget']);
    // Served stale again while its refresh waits: no second refresh.
    await c.getMany<Rec>(orders, [1, 2], other);

    // A key with nothing cached waits for a slot, behind the one refresh of the stale keys.
    const waiting = c.getMany<Rec>(orders, [4], other);
    await flush();
    expect(other).not.toHaveBeenCalled();
    expect(c.stats().loads.odoo.queued).toBe(2);
    gate.resolve();
    expect(await busy).toEqual([{ id: 3, v: 9 }]);
    expect(await waiting).toEqual([{ id: 4, v: 1 }]);
    expect(other.mock.calls).toEqual([[[1, 2]], [[4]]]);
    expect(c.stats().loads.odoo).toEqual({ active: 0, queued: 0, budget: 1 });
    // Refreshed: fresh again, without another call.
    const after = observer();
    await c.getMany<Rec>(orders, [1, 2], other, after.obs);
    expect(after.seen).toEqual([]);
    expect(other).toHaveBeenCalledTimes(2);
  });

  it('fails a load fast with UNAVAILABLE when the budget queue is full', async () => {
    const c = cache({ budgets: { odoo: 1 }, maxQueue: 0 });
    const gate = deferred<void>();
    const slow = async (keys: RecordKey[]) => {
      await gate.promise;
      return new Map(keys.map((k) => [k, { id: k }] as const));
    };
    const busy = c.getMany(orders, [1], slow);
    await flush();
    await expect(c.getMany(orders, [2], slow)).rejects.toMatchObject({ name: 'BackendError', code: 'UNAVAILABLE', backend: 'odoo' });
    gate.resolve();
    await busy;
  });
});

describe('createRecordCache: invalidation', () => {
  it('evicts invalidated records so the next read loads them', async () => {
    const c = cache();
    const { load, batches, bump } = recordingLoad();
    await c.getMany(orders, [1, 2], load);
    bump();
    await c.invalidate(orders, [1]);
    expect(await c.getMany<Rec>(orders, [1, 2], load)).toEqual([{ id: 1, v: 2 }, { id: 2, v: 1 }]);
    expect(batches).toEqual([[1, 2], [1]]);
  });

  it('answers a read in flight during an invalidation but does not keep its answer', async () => {
    const c = cache();
    const gate = deferred<void>();
    const { load } = recordingLoad();
    const slow = vi.fn(async (keys: RecordKey[]) => {
      await gate.promise;
      return load(keys);
    });
    const inflight = c.getMany<Rec>(orders, [1], slow);
    await flush();
    await c.invalidate(orders, [1]);
    gate.resolve();
    expect(await inflight).toEqual([{ id: 1, v: 1 }]);
    await c.getMany(orders, [1], load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('caches id lists with the lifetime of their list field and evicts them on invalidate', async () => {
    const c = cache({ lifetimes: lives({ 'Customer.orders': { maxAge: 2, staleWhileRevalidate: 0 } }) });
    let ids = [3, 1];
    const load = vi.fn(async (keys: RecordKey[]) => new Map(keys.map((k) => [k, [...ids]] as const)));
    expect(await c.getMany(orderIds, [7], load)).toEqual([[3, 1]]);
    expect(await c.getMany(orderIds, [7], load)).toEqual([[3, 1]]);
    expect(await c.getMany(orderIds, [8], load)).toEqual([[3, 1]]);
    expect(load).toHaveBeenCalledTimes(2);
    ids = [3, 1, 5];
    await c.invalidate(orderIds, [7]);
    expect(await c.getMany(orderIds, [7], load)).toEqual([[3, 1, 5]]);
    vi.advanceTimersByTime(2_000);
    expect(await c.getMany(orderIds, [8], load)).toEqual([[3, 1, 5]]);
    expect(load).toHaveBeenCalledTimes(4);
    // A list never shadows the record with the same key.
    const { load: recordLoad } = recordingLoad();
    await c.getMany(orders, [7], recordLoad);
    expect(recordLoad).toHaveBeenCalledTimes(1);
  });
});

describe('createRecordCache: bounds and options', () => {
  it('evicts the least recently used entries past max', async () => {
    const c = cache({ max: 3 });
    const { load, batches } = recordingLoad();
    await c.getMany(orders, [1, 2, 3], load);
    await c.getMany(orders, [1], load);
    await c.getMany(orders, [4], load);
    expect(c.stats().entries).toBe(3);
    await c.getMany(orders, [1, 3, 4], load);
    await c.getMany(orders, [2], load);
    expect(batches).toEqual([[1, 2, 3], [4], [2]]);
  });

  it('evicts past maxSize, measured in approximate bytes', async () => {
    const c = cache({ maxSize: 2_000 });
    const big = 'x'.repeat(500);
    const load = vi.fn(async (keys: RecordKey[]) => new Map(keys.map((k) => [k, { id: k, big }] as const)));
    await c.getMany(orders, [1, 2, 3, 4, 5, 6], load);
    const { entries, approximateBytes } = c.stats();
    expect(approximateBytes).toBeLessThanOrEqual(2_000);
    expect(entries).toBeLessThan(6);
    expect(entries).toBeGreaterThan(0);
  });

  it('refuses bad options with a TypeError naming them', () => {
    expect(() => createRecordCache({ tenant: '' })).toThrow(/tenant/);
    expect(() => cache({ max: 0 })).toThrow(TypeError);
    expect(() => cache({ max: Infinity })).toThrow(/max must be a positive integer/);
    expect(() => cache({ maxSize: -1 })).toThrow(/maxSize/);
    expect(() => cache({ lifetimes: {} as never })).toThrow(/lifetimes/);
    expect(() => cache({ budgets: { odoo: 0 } })).toThrow(/budgets\.odoo/);
    expect(() => cache({ budgets: { sap: 1 } as never })).toThrow(/budgets\.sap/);
    expect(() => cache({ maxQueue: -1 })).toThrow(/maxQueue/);
    expect(() => cache({ tenants: { odoo: '' } })).toThrow(/tenants\.odoo/);
  });

  it('refuses a kind whose coordinate declares no lifetime, naming both', async () => {
    const c = cache({ lifetimes: lives({}) });
    const undeclared: RecordKind = { backend: 'odoo', model: 'res.currency', lifetime: 'Money' };
    await expect(c.getMany(undeclared, [1], recordingLoad().load)).rejects.toThrow(/odoo:res\.currency takes the lifetime of Money, which declares no @cacheControl/);
  });

});

describe('estimateSize', () => {
  it('comes close to the JSON length of records, and ends on cycles', () => {
    const record = { id: 1234, name: 'S01234', partner_id: [55, 'Acme GmbH'], amount_total: 466.2, state: 'sale', note: null, locked: false };
    const json = JSON.stringify(record).length;
    expect(estimateSize(record)).toBeGreaterThan(json * 0.8);
    expect(estimateSize(record)).toBeLessThan(json * 1.5);
    const cyclic: Record<string, unknown> = { a: 'x' };
    cyclic.self = cyclic;
    expect(estimateSize(cyclic)).toBeGreaterThan(0);
  });
});
