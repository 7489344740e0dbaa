import { describe, expect, it } from 'vitest';
import { createFetchCache, fetchCacheKey, storableAnswer } from './fetch-cache.js';

const BODY = JSON.stringify({ query: '{ _entities(representations: $r) { ... on Order { id } } }', variables: { r: [{ __typename: 'Order', id: '42' }] } });

/** A subgraph answer as the data source parsed it. */
function parsed(extensions: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return { data: { _entities: [{ id: '42', status: 'open' }] }, ...extra, extensions };
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('fetch cache key', () => {
  it('differs by subgraph, visibility and body', () => {
    const key = fetchCacheKey('orders', 'support', BODY);
    expect(fetchCacheKey('orders', 'support', BODY)).toBe(key);
    expect(fetchCacheKey('invoices', 'support', BODY)).not.toBe(key);
    expect(fetchCacheKey('orders', 'finance', BODY)).not.toBe(key);
    expect(fetchCacheKey('orders', 'support', BODY.replace('"42"', '"43"'))).not.toBe(key);
  });
});

describe('store rules', () => {
  it('stores only answers without errors, stale records or invalidations, with freshForMs > 0', () => {
    expect(storableAnswer(parsed({ freshForMs: 5000 }))).toBeDefined();
    expect(storableAnswer(parsed({}))).toBeUndefined();
    expect(storableAnswer(parsed({ freshForMs: 0 }))).toBeUndefined();
    expect(storableAnswer(parsed({ freshForMs: -1 }))).toBeUndefined();
    expect(storableAnswer(parsed({ freshForMs: 5000 }, { errors: [{ message: 'boom' }] }))).toBeUndefined();
    expect(storableAnswer(parsed({ freshForMs: 5000, stale: [{ key: 'x' }] }))).toBeUndefined();
    expect(storableAnswer(parsed({ freshForMs: 5000, invalidate: ['Order:42'] }))).toBeUndefined();
    expect(storableAnswer('not an object')).toBeUndefined();
  });

  it('takes the stored form from the subgraph text when freshForMs closes it, the same as serializing it', () => {
    const answer = { data: { _entities: [{ id: '42', status: 'open' }] }, extensions: { other: 1, freshForMs: 5000 } };
    const text = `${JSON.stringify(answer)}\n`;
    expect(storableAnswer(JSON.parse(text), text)).toEqual(storableAnswer(JSON.parse(text)));
    expect(storableAnswer(JSON.parse(text), text)!.head).toBe(text.slice(0, text.lastIndexOf('5000')));
    // freshForMs not last: serialized into the stored form.
    const reordered = JSON.stringify({ extensions: { freshForMs: 5000 }, data: answer.data });
    expect(storableAnswer(JSON.parse(reordered), reordered)).toEqual({ head: '{"data":{"_entities":[{"id":"42","status":"open"}]},"extensions":{"freshForMs":', freshForMs: 5000 });
  });

  it('refuses a fetch that began before an invalidation', () => {
    const cache = createFetchCache();
    const key = fetchCacheKey('orders', 'v', BODY);
    const pending = cache.begin('orders', key, BODY);
    const generation = cache.generation;
    cache.invalidate(['Product:999']);
    expect(cache.generation).toBeGreaterThan(generation);
    expect(pending.finish(parsed({ freshForMs: 5000 }))).toBe(false);
    expect(cache.get(key)).toBeUndefined();
  });

  it('stays within maxSizeBytes', () => {
    const cache = createFetchCache({ maxSizeBytes: 2000 });
    for (let i = 0; i < 20; i++) cache.begin('orders', `k${i}`, BODY).finish(parsed({ freshForMs: 5000 }));
    expect(cache.size).toBeGreaterThan(0);
    expect(cache.size).toBeLessThan(20);
  });
});

describe('expiry from freshForMs', () => {
  it('serves a hit with its freshness reduced by its age, and nothing once it ran out', () => {
    const time = clock();
    const cache = createFetchCache({ now: time.now });
    const key = fetchCacheKey('stock', 'v', BODY);
    expect(cache.begin('stock', key, BODY).finish(parsed({ freshForMs: 5000, cost: 3 }))).toBe(true);
    const first = JSON.parse(cache.get(key)!);
    expect(first.data._entities[0].status).toBe('open');
    expect(first.extensions).toEqual({ cost: 3, freshForMs: 5000 });
    time.advance(3200);
    expect(JSON.parse(cache.get(key)!).extensions.freshForMs).toBe(1800);
    time.advance(1800);
    expect(cache.get(key)).toBeUndefined();
  });
});

describe('invalidation by id text', () => {
  it('evicts entries whose body or answer holds the id as a JSON string, and keeps the others', () => {
    const cache = createFetchCache();
    const byBody = fetchCacheKey('orders', 'v', BODY);
    const otherBody = JSON.stringify({ query: '{ customer(id: $id) { orders { id } } }', variables: { id: '001A' } });
    const byAnswer = fetchCacheKey('orders', 'v', otherBody);
    const unrelatedBody = JSON.stringify({ query: '{ product(id: $id) { id } }', variables: { id: '7' } });
    const unrelated = fetchCacheKey('stock', 'v', unrelatedBody);
    cache.begin('orders', byBody, BODY).finish(({ data: { x: 1 }, extensions: { freshForMs: 9000 } }));
    cache.begin('orders', byAnswer, otherBody).finish(parsed({ freshForMs: 9000 }));
    cache.begin('stock', unrelated, unrelatedBody).finish(({ data: { product: { id: '7', qty: 420 } }, extensions: { freshForMs: 9000 } }));
    expect(cache.invalidate(['Order:42'])).toBe(2);
    expect(cache.get(byBody)).toBeUndefined();
    expect(cache.get(byAnswer)).toBeUndefined();
    expect(cache.get(unrelated)).toBeDefined();
    expect(cache.invalidate(['Order:*'])).toBe(1);
    expect(cache.size).toBe(0);
  });
});

describe('copies', () => {
  it('gives every hit its own copy', () => {
    const cache = createFetchCache();
    const key = fetchCacheKey('orders', 'v', BODY);
    cache.begin('orders', key, BODY).finish(parsed({ freshForMs: 5000 }));
    const a = JSON.parse(cache.get(key)!);
    a.data._entities[0].status = 'mutated';
    expect(JSON.parse(cache.get(key)!).data._entities[0].status).toBe('open');
  });
});
