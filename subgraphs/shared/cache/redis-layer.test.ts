import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cacheL2RequestsTotal, cacheRedisErrorsTotal } from '../metrics/cache-metrics.js';
import { createRecordCache } from './lru-record-cache.js';
import { recordCacheKey, type LruRecordCache } from './record-cache.js';
import type { RecordKey, RecordKind } from './record-cache.js';
import { createRedisLayer, type CacheLogger, type RedisLayer } from './redis-layer.js';
import { startRedisServer, unreachableRedisUrl, type TestRedisServer } from '../../../platform/testing/redis-server.js';

const orders: RecordKind = { backend: 'odoo', model: 'sale.order', lifetime: 'Order' };

function versionedLoad() {
  let version = 1;
  const load = vi.fn(async (keys: RecordKey[]) => new Map(keys.map((k) => [k, { id: k, v: version }] as const)));
  return { load, bump: () => (version += 1) };
}

function quietLogger() {
  return { warn: vi.fn(), info: vi.fn() } satisfies CacheLogger;
}

async function sumOf(counter: typeof cacheRedisErrorsTotal | typeof cacheL2RequestsTotal, labels: Record<string, string> = {}) {
  const { values } = await counter.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k as never] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('Redis second level (real redis-server)', () => {
  let server: TestRedisServer;
  let raw: Redis;
  const open: Array<{ cache: LruRecordCache; layer: RedisLayer }> = [];

  /** One replica: its own cache and its own Redis connections. */
  async function replica(prefix: string) {
    const layer = createRedisLayer({ url: server.url, keyPrefix: prefix, channel: `${prefix}invalidate`, logger: quietLogger() });
    expect(await layer.ready()).toBe(true);
    const cache = createRecordCache({ tenant: 'retail', redis: layer });
    open.push({ cache, layer });
    return cache;
  }

  beforeAll(async () => {
    server = await startRedisServer();
    raw = new Redis(server.url);
  });
  afterEach(async () => {
    for (const { cache, layer } of open.splice(0)) {
      cache.close();
      await layer.close();
    }
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.stop();
  });

  it('lets replica B read what replica A loaded, without calling the backend', async () => {
    const a = await replica('t1:');
    const b = await replica('t1:');
    const loadA = versionedLoad();
    const loadB = versionedLoad();
    expect(await a.getMany(orders, [1, 2], loadA.load)).toEqual([{ id: 1, v: 1 }, { id: 2, v: 1 }]);
    const key = `t1:${recordCacheKey('retail', orders, 1)}`;
    await vi.waitFor(async () => expect(await raw.exists(key, `t1:${recordCacheKey('retail', orders, 2)}`)).toBe(2));
    // Stored with the kind's TTL (30 s, Order's declared lifetime), not forever.
    const pttl = await raw.pttl(key);
    expect(pttl).toBeGreaterThan(25_000);
    expect(pttl).toBeLessThanOrEqual(30_000);

    const hitsBefore = await sumOf(cacheL2RequestsTotal, { model: 'sale.order', result: 'hit' });
    expect(await b.getMany(orders, [2, 1, 3], loadB.load)).toEqual([{ id: 2, v: 1 }, { id: 1, v: 1 }, { id: 3, v: 1 }]);
    expect(loadB.load).toHaveBeenCalledTimes(1);
    expect(loadB.load).toHaveBeenCalledWith([3]);
    expect((await sumOf(cacheL2RequestsTotal, { model: 'sale.order', result: 'hit' })) - hitsBefore).toBe(2);
    // And B now holds them in memory.
    await b.getMany(orders, [1, 2, 3], loadB.load);
    expect(loadB.load).toHaveBeenCalledTimes(1);
  });

  it('evicts on every replica when one invalidates after a write, and ignores its own echo', async () => {
    const a = await replica('t2:');
    const b = await replica('t2:');
    const backend = versionedLoad();
    await a.getMany(orders, [1], backend.load);
    await vi.waitFor(async () => expect(await raw.exists(`t2:${recordCacheKey('retail', orders, 1)}`)).toBe(1));
    await b.getMany(orders, [1], backend.load);
    expect(backend.load).toHaveBeenCalledTimes(1);

    backend.bump();
    await a.invalidate(orders, [1]);
    expect(await raw.exists(`t2:${recordCacheKey('retail', orders, 1)}`)).toBe(0);
    // B evicts when the message arrives; until then it may still answer from memory.
    await vi.waitFor(async () => {
      expect(await b.getMany(orders, [1], backend.load)).toEqual([{ id: 1, v: 2 }]);
    });
    expect(backend.load).toHaveBeenCalledTimes(2);

    // A reloaded too (from Redis, filled by B's load, or from the backend), and its own echo does not evict it again.
    expect(await a.getMany(orders, [1], backend.load)).toEqual([{ id: 1, v: 2 }]);
    const calls = backend.load.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await a.getMany(orders, [1], backend.load)).toEqual([{ id: 1, v: 2 }]);
    expect(backend.load.mock.calls.length).toBe(calls);
  });

  it('invalidates id lists across replicas', async () => {
    const a = await replica('t3:');
    const b = await replica('t3:');
    const orderIds: RecordKind = { backend: 'odoo', model: 'sale.order@partner_id', lifetime: 'Customer.orders' };
    let ids = [1, 2];
    const load = vi.fn(async (keys: RecordKey[]) => new Map(keys.map((k) => [k, [...ids]] as const)));
    await a.getMany(orderIds, [7], load);
    await vi.waitFor(async () => expect(await raw.keys('t3:*')).toHaveLength(1));
    expect(await b.getMany(orderIds, [7], load)).toEqual([[1, 2]]);
    expect(load).toHaveBeenCalledTimes(1);
    ids = [1, 2, 3];
    await a.invalidate(orderIds, [7]);
    await vi.waitFor(async () => expect(await b.getMany(orderIds, [7], load)).toEqual([[1, 2, 3]]));
  });

  it('keeps working from memory and the backend when Redis goes down, and logs it once', async () => {
    const own = await startRedisServer();
    const logger = quietLogger();
    const layer = createRedisLayer({ url: own.url, logger });
    expect(await layer.ready()).toBe(true);
    const cache = createRecordCache({ tenant: 'retail', redis: layer });
    open.push({ cache, layer });
    const backend = versionedLoad();
    await cache.getMany(orders, [1], backend.load);

    await own.stop();
    const errorsBefore = await sumOf(cacheRedisErrorsTotal);
    const started = Date.now();
    expect(await cache.getMany(orders, [1, 2], backend.load)).toEqual([{ id: 1, v: 1 }, { id: 2, v: 1 }]);
    expect(backend.load).toHaveBeenLastCalledWith([2]);
    await cache.invalidate(orders, [1]);
    expect(await cache.getMany(orders, [1], backend.load)).toEqual([{ id: 1, v: 1 }]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(backend.load).toHaveBeenCalledTimes(3);
    await vi.waitFor(async () => expect((await sumOf(cacheRedisErrorsTotal)) - errorsBefore).toBeGreaterThan(0));
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(layer.healthy).toBe(false);
  });
});

describe('Redis second level, never reachable', () => {
  it('serves every request from memory and the backend', async () => {
    const logger = quietLogger();
    const layer = createRedisLayer({ url: await unreachableRedisUrl(), logger });
    const cache = createRecordCache({ tenant: 'retail', redis: layer });
    try {
      expect(await layer.ready(200)).toBe(false);
      const backend = versionedLoad();
      const started = Date.now();
      expect(await cache.getMany(orders, [1, 2], backend.load)).toEqual([{ id: 1, v: 1 }, { id: 2, v: 1 }]);
      expect(await cache.getMany(orders, [1, 2], backend.load)).toEqual([{ id: 1, v: 1 }, { id: 2, v: 1 }]);
      await cache.invalidate(orders, [1]);
      await cache.getMany(orders, [1], backend.load);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(backend.load).toHaveBeenCalledTimes(2);
      expect(logger.warn).toHaveBeenCalledTimes(1);
    } finally {
      cache.close();
      await layer.close();
    }
  });

  it('refuses a malformed URL', () => {
    expect(() => createRedisLayer({ url: 'localhost:6379' })).toThrow(/url/);
  });
});
