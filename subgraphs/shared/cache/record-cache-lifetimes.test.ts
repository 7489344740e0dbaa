import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRecordCache, estimateSize, } from './lru-record-cache.js';
import type { RecordKey, RecordKind, StaleObserver } from './record-cache.js';
import { cache, deferred, flush, lives, observer, orderIds, orders, recordingLoad, stock, type Rec } from './record-cache-fixtures.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
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
