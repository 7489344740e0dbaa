/**
 * The response cache: TTLs, eviction by entity tag, size bounds, writes that race a store, misses
 * that join one another, option checks, and invalidations broadcast over Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type TestRedisServer } from '../../../platform/testing/redis-server.js';
import { createResponseCache } from './response-cache.js';
import { response, slowMiss, store } from './response-cache-fixtures.js';

describe('ResponseCache', () => {
  it('serves a stored response until its TTL, then misses', async () => {
    let now = 1_000;
    const cache = createResponseCache({ now: () => now });
    expect(cache.get('k')).toBeUndefined();
    expect(await store(cache, 'k', response(['Order:42'], 5_000))).toBeDefined();
    expect(cache.get('k')?.body).toBe('{"data":{"tags":["Order:42"]}}');
    now += 4_999;
    expect(cache.get('k')).toBeDefined();
    now += 1;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never stores a response with a TTL of 0', async () => {
    const cache = createResponseCache();
    expect(await store(cache, 'k', response([], 0))).toBeUndefined();
    expect(cache.get('k')).toBeUndefined();
  });

  it('evicts exactly the responses holding an invalidated entity, and Type:* ones of its type', async () => {
    const cache = createResponseCache();
    await store(cache, 'order42', response(['Customer:c1', 'Order:42']));
    await store(cache, 'order43', response(['Customer:c1', 'Order:43']));
    await store(cache, 'orderNoId', response(['Order:*']));
    await store(cache, 'customer', response(['Customer:c1']));
    await store(cache, 'invoice', response(['Invoice:42']));
    expect(cache.invalidate(['Order:42'])).toBe(2);
    expect(cache.get('order42')).toBeUndefined();
    expect(cache.get('orderNoId')).toBeUndefined();
    expect(cache.get('order43')).toBeDefined();
    expect(cache.get('customer')).toBeDefined();
    expect(cache.get('invoice')).toBeDefined();
  });

  it('evicts every response of a type on Type:*', async () => {
    const cache = createResponseCache();
    await store(cache, 'a', response(['Order:1']));
    await store(cache, 'b', response(['Order:2', 'Customer:c']));
    await store(cache, 'c', response(['Customer:c']));
    expect(cache.invalidate(['Order:*'])).toBe(2);
    expect(cache.get('c')).toBeDefined();
    expect(cache.size).toBe(1);
  });

  it('forgets the index of evicted entries (an invalidation after LRU eviction evicts nothing)', async () => {
    const cache = createResponseCache({ max: 2 });
    await store(cache, 'a', response(['Order:1']));
    await store(cache, 'b', response(['Order:2']));
    await store(cache, 'c', response(['Order:3']));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.invalidate(['Order:1'])).toBe(0);
    expect(cache.size).toBe(2);
  });

  it('re-indexes a key stored again with other tags', async () => {
    const cache = createResponseCache();
    await store(cache, 'k', response(['Order:1']));
    await store(cache, 'k', response(['Order:2']));
    expect(cache.invalidate(['Order:1'])).toBe(0);
    expect(cache.invalidate(['Order:2'])).toBe(1);
  });

  it('keeps within maxSizeBytes and skips a response larger than the bound', async () => {
    const cache = createResponseCache({ maxSizeBytes: 10_000 });
    expect(await store(cache, 'huge', response(['Order:1'], 10_000, 'x'.repeat(20_000)))).toBeUndefined();
    expect(cache.invalidate(['Order:1'])).toBe(0);
    for (let i = 0; i < 10; i++) await store(cache, `k${i}`, response([`Order:${i}`], 10_000, 'y'.repeat(2_000)));
    expect(cache.size).toBeLessThanOrEqual(4);
    expect(cache.get('k9')).toBeDefined();
  });

  it('refuses to store a response whose entity was invalidated while it executed', async () => {
    const cache = createResponseCache();
    const order = slowMiss(cache, 'order');
    const wildcard = slowMiss(cache, 'wildcard');
    const other = slowMiss(cache, 'other');
    cache.invalidate(['Order:42']);
    order.release(response(['Order:42']));
    wildcard.release(response(['Order:*']));
    other.release(response(['Order:43']));
    // Each request still gets its own answer; only what raced no write is kept.
    expect(await order.result).toEqual({ kind: 'own', outcome: 'first', stored: undefined });
    expect(await wildcard.result).toMatchObject({ kind: 'own', stored: undefined });
    expect(await other.result).toMatchObject({ kind: 'own', stored: { tags: ['Order:43'] } });
    expect(cache.get('order')).toBeUndefined();
    expect(cache.get('other')).toBeDefined();
  });

  it('lets identical concurrent misses join the first one', async () => {
    const cache = createResponseCache();
    const first = slowMiss(cache, 'k');
    let ran = 0;
    const joined = cache.load('k', async () => ({ outcome: 'second', toStore: (ran++, response(['Order:9'])) }));
    first.release(response(['Order:1']));
    expect(await first.result).toMatchObject({ kind: 'own', outcome: 'first' });
    expect(await joined).toMatchObject({ kind: 'joined', entry: { body: '{"data":{"tags":["Order:1"]}}' } });
    expect(ran).toBe(0);
  });

  it('lets joiners run their own load when the first miss stores nothing', async () => {
    const cache = createResponseCache();
    const first = slowMiss(cache, 'k');
    const joined = cache.load('k', async () => ({ outcome: 'second', toStore: undefined }));
    first.release(undefined);
    expect(await first.result).toEqual({ kind: 'own', outcome: 'first', stored: undefined });
    expect(await joined).toEqual({ kind: 'own', outcome: 'second', stored: undefined });
    expect(cache.get('k')).toBeUndefined();
  });

  it('keeps an invalidation that comes between the check and the store from leaving pre-write data', async () => {
    const cache = createResponseCache();
    const miss = slowMiss(cache, 'k');
    miss.release(response(['Order:1']));
    // The load has checked the ledger and returned; lru-cache stores its entry a few microtasks later.
    await Promise.resolve();
    cache.invalidate(['Order:1']);
    await miss.result;
    await Promise.resolve();
    expect(cache.get('k')).toBeUndefined();
  });

  it('answers the misses loading a key whose older copy an invalidation evicts meanwhile', async () => {
    let now = 1_000;
    const cache = createResponseCache({ now: () => now });
    await store(cache, 'k', response(['Customer:c1'], 5_000));
    // Past its TTL on our clock: the next request loads the key again while lru-cache still holds (and indexes) the old copy.
    now += 6_000;
    let release!: (stored: ReturnType<typeof response>) => void;
    const answered = new Promise<ReturnType<typeof response>>((resolve) => {
      release = resolve;
    });
    let loads = 0;
    const miss = cache.load('k', async () => ({ outcome: 'first', toStore: (loads++, await answered) }));
    const joined = cache.load('k', async () => ({ outcome: 'second', toStore: response(['Customer:c1']) }));
    // A change of the customer comes in while the load runs: the old copy goes, and the load must not fail with it.
    expect(cache.invalidate(['Customer:c1'])).toBe(1);
    release(response(['Customer:c1']));
    expect(await miss).toEqual({ kind: 'own', outcome: 'first', stored: undefined });
    // Nor run twice: its requester waited for its one load.
    expect(loads).toBe(1);
    // The joiner gets no copy of a load that raced the change: it runs its own (begun after the change, so kept).
    expect(await joined).toMatchObject({ kind: 'own', outcome: 'second' });
  });

  it('checks its options', () => {
    expect(() => createResponseCache({ max: 0 })).toThrow(/max must be a positive integer, got 0/);
    expect(() => createResponseCache({ maxSizeBytes: 1.5 })).toThrow(/maxSizeBytes/);
    expect(() => createResponseCache({ ttlSeconds: { Order: Number.NaN } })).toThrow(/ttlSeconds\["Order"\]/);
    expect(() => createResponseCache({ unknownTtlSeconds: -1 })).toThrow(/unknownTtlSeconds/);
    expect(() => createResponseCache({ redisUrl: 'http://x' })).toThrow(/redisUrl/);
  });
});

describe('ResponseCache over Redis', () => {
  let redis: TestRedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('broadcasts invalidations so that every replica evicts', async () => {
    const a = createResponseCache({ redisUrl: redis.url });
    const b = createResponseCache({ redisUrl: redis.url });
    try {
      expect(await a.ready()).toBe(true);
      expect(await b.ready()).toBe(true);
      await store(a, 'order42', response(['Order:42']));
      await store(b, 'order42', response(['Order:42']));
      await store(b, 'order43', response(['Order:43']));
      a.invalidate(['Order:42']);
      expect(a.get('order42')).toBeUndefined();
      // A write's answer waits for this: Redis has handed the message to the other replicas.
      await a.published();
      await expect.poll(() => b.get('order42'), { timeout: 2000 }).toBeUndefined();
      expect(b.get('order43')).toBeDefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('never holds a write back on a Redis that is away', async () => {
    const away = createResponseCache({ redisUrl: 'redis://127.0.0.1:1' });
    try {
      await store(away, 'order42', response(['Order:42']));
      expect(away.invalidate(['Order:42'])).toBe(1);
      await away.published();
      expect(away.get('order42')).toBeUndefined();
    } finally {
      await away.close();
    }
  });
});
