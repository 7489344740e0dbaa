import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type TestRedisServer } from '../../../platform/testing/redis-server.js';
import { createResponseCache, type ResponseCache, type ResponseToStore } from './response-cache.js';
import { markStale } from './stale-mark.js';

const response = (tags: string[], ttlMs = 10_000, body = JSON.stringify({ data: { tags } })): ResponseToStore => ({ body, headers: { 'content-type': 'application/json' }, tags, ttlMs });

/** A miss that answers `stored` (and offers it to the cache); resolves with what was stored. */
async function store(cache: ResponseCache, key: string, stored: ResponseToStore | undefined) {
  const result = await cache.load(key, async () => ({ outcome: 'own', toStore: stored }));
  return result.kind === 'own' ? result.stored : result.entry;
}

/** A miss whose load waits until `release` is called with what it answers. */
function slowMiss(cache: ResponseCache, key: string) {
  let release!: (stored: ResponseToStore | undefined) => void;
  const answered = new Promise<ResponseToStore | undefined>((resolve) => {
    release = resolve;
  });
  const result = cache.load(key, async () => ({ outcome: 'first', toStore: await answered }));
  return { release, result };
}

/** A background refresh of `key` that waits until `release` is called; undefined when none began. */
function slowRefresh(cache: ResponseCache, key: string) {
  let release!: (stored: ResponseToStore | undefined) => void;
  const answered = new Promise<ResponseToStore | undefined>((resolve) => {
    release = resolve;
  });
  const outcome = cache.revalidate(key, () => answered);
  return outcome && { release, outcome };
}

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

  it('checks its options', () => {
    expect(() => createResponseCache({ max: 0 })).toThrow(/max must be a positive integer, got 0/);
    expect(() => createResponseCache({ maxSizeBytes: 1.5 })).toThrow(/maxSizeBytes/);
    expect(() => createResponseCache({ ttlSeconds: { Order: Number.NaN } })).toThrow(/ttlSeconds\["Order"\]/);
    expect(() => createResponseCache({ unknownTtlSeconds: -1 })).toThrow(/unknownTtlSeconds/);
    expect(() => createResponseCache({ redisUrl: 'http://x' })).toThrow(/redisUrl/);
  });
});

describe('ResponseCache: stale-while-revalidate', () => {
  it('serves a response stale within its window, then forgets it', async () => {
    let now = 0;
    const cache = createResponseCache({ now: () => now });
    await store(cache, 'k', { ...response(['Order:42'], 5_000), staleMs: 3_000 });
    expect(cache.lookup('k')).toMatchObject({ stale: false });
    now = 5_000;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.lookup('k')).toMatchObject({ stale: true, ageMs: 5_000 });
    now = 7_999;
    expect(cache.lookup('k')).toMatchObject({ stale: true, ageMs: 7_999 });
    now = 8_000;
    expect(cache.lookup('k')).toBeUndefined();
  });

  it('starts one refresh per key: concurrent stale hits and a miss in flight share it', async () => {
    let now = 0;
    const cache = createResponseCache({ now: () => now });
    await store(cache, 'k', { ...response(['Order:42'], 1_000), staleMs: 10_000 });
    now = 2_000;
    const refresh = slowRefresh(cache, 'k');
    expect(refresh).toBeDefined();
    expect(cache.revalidate('k', async () => undefined)).toBeUndefined();
    // The stale copy is served while the refresh runs.
    expect(cache.lookup('k')).toMatchObject({ stale: true });
    refresh!.release({ ...response(['Order:42'], 1_000, '{"data":{"v":2}}'), staleMs: 10_000 });
    expect(await refresh!.outcome).toMatchObject({ body: '{"data":{"v":2}}' });
    await Promise.resolve();
    expect(cache.lookup('k')).toMatchObject({ stale: false, entry: { body: '{"data":{"v":2}}' } });
    const miss = slowMiss(cache, 'm');
    expect(cache.revalidate('m', async () => undefined)).toBeUndefined();
    miss.release(undefined);
    await miss.result;
    // A refresh that stored nothing leaves the stale copy; the next stale hit tries again after the backoff.
    now = 3_500;
    const failed = slowRefresh(cache, 'k')!;
    failed.release(undefined);
    expect(await failed.outcome).toBeUndefined();
    await Promise.resolve();
    expect(cache.lookup('k')).toMatchObject({ stale: true, ageMs: 1_500 });
    now = 4_499;
    expect(cache.revalidate('k', async () => undefined)).toBeUndefined();
    now = 4_500;
    const again = slowRefresh(cache, 'k');
    expect(again).toBeDefined();
    again!.release({ ...response(['Order:42'], 1_000, '{"data":{"v":3}}'), staleMs: 10_000 });
    await again!.outcome;
    await Promise.resolve();
    expect(cache.lookup('k')).toMatchObject({ stale: false, entry: { body: '{"data":{"v":3}}' } });
    expect(() => createResponseCache({ refreshBackoffMs: -1 })).toThrow(/refreshBackoffMs/);
  });

  it('never keeps a stale copy of an invalidated entity, and drops a refresh that raced the write', async () => {
    let now = 0;
    const cache = createResponseCache({ now: () => now });
    await store(cache, 'k', { ...response(['Order:42'], 1_000), staleMs: 10_000 });
    now = 2_000;
    const refresh = slowRefresh(cache, 'k')!;
    cache.invalidate(['Order:42']);
    expect(cache.lookup('k')).toBeUndefined();
    refresh.release({ ...response(['Order:42'], 1_000), staleMs: 10_000 });
    expect(await refresh.outcome).toBeUndefined();
    await Promise.resolve();
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
