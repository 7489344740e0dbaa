/**
 * The response cache's stale-while-revalidate: the stale window, one refresh per key, no stale copy
 * of an invalidated entity, the windows taken from the data selected, and the stale mark on a body.
 */
import { describe, expect, it } from 'vitest';
import { createResponseCache } from './response-cache.js';
import { response, slowMiss, slowRefresh, store } from './response-cache-fixtures.js';
import { markStale } from './stale-mark.js';

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
