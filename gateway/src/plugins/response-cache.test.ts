import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type TestRedisServer } from '../../../platform/testing/redis-server.js';
import { createResponseCache, markStale, type ResponseCache, type ResponseToStore } from './response-cache.js';

const response = (tags: string[], ttlMs = 10_000, body = JSON.stringify({ data: { tags } })): ResponseToStore => ({ body, headers: { 'content-type': 'application/json' }, tags, ttlMs });

function store(cache: ResponseCache, key: string, stored: ResponseToStore) {
  return cache.begin(key).finish(stored);
}

describe('ResponseCache', () => {
  it('serves a stored response until its TTL, then misses', () => {
    let now = 1_000;
    const cache = createResponseCache({ now: () => now });
    expect(cache.get('k')).toBeUndefined();
    expect(store(cache, 'k', response(['Order:42'], 5_000))).toBeDefined();
    expect(cache.get('k')?.body).toBe('{"data":{"tags":["Order:42"]}}');
    now += 4_999;
    expect(cache.get('k')).toBeDefined();
    now += 1;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never stores a response with a TTL of 0', () => {
    const cache = createResponseCache();
    expect(store(cache, 'k', response([], 0))).toBeUndefined();
    expect(cache.get('k')).toBeUndefined();
  });

  it('evicts exactly the responses holding an invalidated entity, and Type:* ones of its type', () => {
    const cache = createResponseCache();
    store(cache, 'order42', response(['Customer:c1', 'Order:42']));
    store(cache, 'order43', response(['Customer:c1', 'Order:43']));
    store(cache, 'orderNoId', response(['Order:*']));
    store(cache, 'customer', response(['Customer:c1']));
    store(cache, 'invoice', response(['Invoice:42']));
    expect(cache.invalidate(['Order:42'])).toBe(2);
    expect(cache.get('order42')).toBeUndefined();
    expect(cache.get('orderNoId')).toBeUndefined();
    expect(cache.get('order43')).toBeDefined();
    expect(cache.get('customer')).toBeDefined();
    expect(cache.get('invoice')).toBeDefined();
  });

  it('evicts every response of a type on Type:*', () => {
    const cache = createResponseCache();
    store(cache, 'a', response(['Order:1']));
    store(cache, 'b', response(['Order:2', 'Customer:c']));
    store(cache, 'c', response(['Customer:c']));
    expect(cache.invalidate(['Order:*'])).toBe(2);
    expect(cache.get('c')).toBeDefined();
    expect(cache.size).toBe(1);
  });

  it('forgets the index of evicted entries (an invalidation after LRU eviction evicts nothing)', () => {
    const cache = createResponseCache({ max: 2 });
    store(cache, 'a', response(['Order:1']));
    store(cache, 'b', response(['Order:2']));
    store(cache, 'c', response(['Order:3']));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.invalidate(['Order:1'])).toBe(0);
    expect(cache.size).toBe(2);
  });

  it('re-indexes a key stored again with other tags', () => {
    const cache = createResponseCache();
    store(cache, 'k', response(['Order:1']));
    store(cache, 'k', response(['Order:2']));
    expect(cache.invalidate(['Order:1'])).toBe(0);
    expect(cache.invalidate(['Order:2'])).toBe(1);
  });

  it('keeps within maxSizeBytes and skips a response larger than the bound', () => {
    const cache = createResponseCache({ maxSizeBytes: 10_000 });
    expect(store(cache, 'huge', response(['Order:1'], 10_000, 'x'.repeat(20_000)))).toBeUndefined();
    expect(cache.invalidate(['Order:1'])).toBe(0);
    for (let i = 0; i < 10; i++) store(cache, `k${i}`, response([`Order:${i}`], 10_000, 'y'.repeat(2_000)));
    expect(cache.size).toBeLessThanOrEqual(4);
    expect(cache.get('k9')).toBeDefined();
  });

  it('refuses to store a response whose entity was invalidated while it executed', () => {
    const cache = createResponseCache();
    const pendingOrder = cache.begin('order');
    const pendingWildcard = cache.begin('wildcard');
    const pendingOther = cache.begin('other');
    cache.invalidate(['Order:42']);
    expect(pendingOrder.finish(response(['Order:42']))).toBeUndefined();
    expect(pendingWildcard.finish(response(['Order:*']))).toBeUndefined();
    expect(pendingOther.finish(response(['Order:43']))).toBeDefined();
    expect(cache.get('order')).toBeUndefined();
    expect(cache.get('other')).toBeDefined();
  });

  it('lets identical concurrent misses join the first one', async () => {
    const cache = createResponseCache();
    const first = cache.begin('k');
    const joined = cache.join('k');
    expect(joined).toBeDefined();
    first.finish(response(['Order:1']));
    expect((await joined)?.body).toBe('{"data":{"tags":["Order:1"]}}');
    expect(cache.join('k')).toBeUndefined();
  });

  it('answers joiners undefined when the first miss stores nothing, so that they execute themselves', async () => {
    const cache = createResponseCache();
    const first = cache.begin('k');
    const joined = cache.join('k');
    first.finish(undefined);
    expect(await joined).toBeUndefined();
    // A second finish (the finally of the request) changes nothing.
    expect(first.finish(response(['Order:1']))).toBeUndefined();
    expect(cache.get('k')).toBeUndefined();
  });

  it('checks its options', () => {
    expect(() => createResponseCache({ max: 0 })).toThrow(/max must be a positive integer, got 0/);
    expect(() => createResponseCache({ maxSizeBytes: 1.5 })).toThrow(/maxSizeBytes/);
    expect(() => createResponseCache({ ttlSeconds: { Order: Number.NaN } })).toThrow(/ttlSeconds\["Order"\]/);
    expect(() => createResponseCache({ unknownTtlSeconds: -1 })).toThrow(/unknownTtlSeconds/);
    expect(() => createResponseCache({ redisUrl: 'http://x' })).toThrow(/redisUrl/);
  });
});

describe('ResponseCache: stale-while-revalidate', () => {
  it('serves a response stale within its window, then forgets it', () => {
    let now = 0;
    const cache = createResponseCache({ now: () => now });
    store(cache, 'k', { ...response(['Order:42'], 5_000), staleMs: 3_000 });
    expect(cache.lookup('k')).toMatchObject({ stale: false });
    now = 5_000;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.lookup('k')).toMatchObject({ stale: true, ageMs: 5_000 });
    now = 7_999;
    expect(cache.lookup('k')).toMatchObject({ stale: true, ageMs: 7_999 });
    now = 8_000;
    expect(cache.lookup('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('starts one refresh per key: concurrent stale hits and a miss in flight share it', () => {
    let now = 0;
    const cache = createResponseCache({ now: () => now });
    store(cache, 'k', { ...response(['Order:42'], 1_000), staleMs: 10_000 });
    now = 2_000;
    const refresh = cache.revalidate('k');
    expect(refresh).toBeDefined();
    expect(cache.revalidate('k')).toBeUndefined();
    expect(cache.join('k')).toBeDefined();
    refresh!.finish({ ...response(['Order:42'], 1_000, '{"data":{"v":2}}'), staleMs: 10_000 });
    expect(cache.lookup('k')).toMatchObject({ stale: false, entry: { body: '{"data":{"v":2}}' } });
    // A refresh that stored nothing leaves the stale copy; the next stale hit tries again after the backoff.
    now = 3_500;
    const failed = cache.revalidate('k');
    failed!.finish(undefined);
    expect(cache.lookup('k')).toMatchObject({ stale: true, ageMs: 1_500 });
    now = 4_499;
    expect(cache.revalidate('k')).toBeUndefined();
    now = 4_500;
    const again = cache.revalidate('k');
    expect(again).toBeDefined();
    again!.finish({ ...response(['Order:42'], 1_000, '{"data":{"v":3}}'), staleMs: 10_000 });
    expect(cache.lookup('k')).toMatchObject({ stale: false, entry: { body: '{"data":{"v":3}}' } });
    expect(() => createResponseCache({ refreshBackoffMs: -1 })).toThrow(/refreshBackoffMs/);
  });

  it('never keeps a stale copy of an invalidated entity, and drops a refresh that raced the write', () => {
    let now = 0;
    const cache = createResponseCache({ now: () => now });
    store(cache, 'k', { ...response(['Order:42'], 1_000), staleMs: 10_000 });
    now = 2_000;
    const refresh = cache.revalidate('k')!;
    cache.invalidate(['Order:42']);
    expect(cache.lookup('k')).toBeUndefined();
    expect(refresh.finish({ ...response(['Order:42'], 1_000), staleMs: 10_000 })).toBeUndefined();
    expect(cache.lookup('k')).toBeUndefined();
  });

  it('takes its windows from the data selected, configurable and off with false', async () => {
    const { loadApiSchema, SUPERGRAPH_SDL } = await import('./test-api-schema.js');
    const { cacheLifetimesOf } = await import('./response-cache-ttl.js');
    const { parse } = await import('graphql');
    const schema = await loadApiSchema();
    const doc = (q: string) => parse(q);
    const lifetimes = cacheLifetimesOf(SUPERGRAPH_SDL);
    const defaults = createResponseCache({ lifetimes });
    expect(defaults.staleMs(schema, doc('{ product(sku: "A") { availability { onHand } } }'))).toBe(5_000);
    expect(defaults.staleMs(schema, doc('{ order(id: "1") { id status } }'))).toBe(30_000);
    expect(defaults.staleMs(schema, doc('{ invoice(id: "1") { id amountDue { amount } } }'))).toBe(60_000);
    expect(defaults.staleMs(schema, doc('{ customer(id: "1") { id name } }'))).toBe(300_000);
    expect(defaults.staleMs(schema, doc('{ product(sku: "A") { id name } }'))).toBe(600_000);
    const custom = createResponseCache({ lifetimes, staleWhileRevalidate: { windowSeconds: { Order: 2 }, unknownWindowSeconds: 1 } });
    expect(custom.staleMs(schema, doc('{ order(id: "1") { id status } }'))).toBe(2_000);
    expect(custom.staleMs(schema, doc('{ customer(id: "1") { id name } }'))).toBe(300_000);
    expect(createResponseCache({ lifetimes, staleWhileRevalidate: false }).staleMs(schema, doc('{ order(id: "1") { id } }'))).toBe(0);
    // Without declarations, every answer takes the unknown window.
    expect(createResponseCache({ staleWhileRevalidate: { unknownWindowSeconds: 1 } }).staleMs(schema, doc('{ product(sku: "A") { id } }'))).toBe(1_000);
    expect(() => createResponseCache({ staleWhileRevalidate: { windowSeconds: { Order: -1 } } })).toThrow(/staleWhileRevalidate.windowSeconds\["Order"\]/);
    expect(() => createResponseCache({ staleWhileRevalidate: { unknownWindowSeconds: Number.NaN } })).toThrow(/unknownWindowSeconds/);
  });

  it('flags a body as stale in extensions.stale, keeping what was there', () => {
    const report = { response: true, ageMs: 5, reason: 'revalidating' };
    expect(JSON.parse(markStale('{"data":{"a":1}}', report)!)).toEqual({ data: { a: 1 }, extensions: { stale: [report] } });
    expect(JSON.parse(markStale('{"data":{},"extensions":{"x":1,"stale":[{"model":"m"}]}}', report)!)).toEqual({ data: {}, extensions: { x: 1, stale: [{ model: 'm' }, report] } });
    expect(markStale('not json', report)).toBeUndefined();
    expect(markStale('[1]', report)).toBeUndefined();
  });

  it('appends the stale mark to a bare body without parsing it, with the same result', () => {
    const report = { response: true, ageMs: 5, reason: 'revalidating' };
    const body = '{"errors":[{"message":"no","path":["customer","x"]}],"data":{"customer":{"id":"1","x":null}}}';
    expect(markStale(body, report, true)).toBe(JSON.stringify({ ...JSON.parse(body), extensions: { stale: [report] } }));
    expect(JSON.parse(markStale(body, report, true)!)).toEqual(JSON.parse(markStale(body, report)!));
    // As Apollo sends it, with a trailing newline.
    expect(markStale(`${body}\n`, report, true)).toBe(`${JSON.stringify({ ...JSON.parse(body), extensions: { stale: [report] } })}\n`);
    // Not an object with members: nothing to append to.
    expect(markStale('{}', report, true)).toBe('{"extensions":{"stale":[{"response":true,"ageMs":5,"reason":"revalidating"}]}}');
    expect(markStale('[1]', report, true)).toBeUndefined();
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
      store(a, 'order42', response(['Order:42']));
      store(b, 'order42', response(['Order:42']));
      store(b, 'order43', response(['Order:43']));
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
      store(away, 'order42', response(['Order:42']));
      expect(away.invalidate(['Order:42'])).toBe(1);
      await away.published();
      expect(away.get('order42')).toBeUndefined();
    } finally {
      await away.close();
    }
  });
});
