import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/src/server.js';
import { startRecordBackedSubgraph, type RecordBackedSubgraph } from './record-backed-subgraph.js';
import { startStubOrdersSubgraph, type StubOrdersSubgraph } from './stub-subgraph.js';
import { startTestGateway } from './gateway-harness.js';

/**
 * The response cache keeps an answer no longer than the records in it stay fresh: subgraphs
 * report `extensions.freshForMs` (the smallest remaining TTL of the cached records they read),
 * and the gateway stores the answer for min(type-based TTL, that).
 */
const ORDER = 'query Order($id: ID!) { order(id: $id) { id number status } }';
const CLASS_A = { 'x-scopes': 'orders:read' };
const CLASS_B = { 'x-scopes': 'orders:read invoices:read' };

let stub: StubOrdersSubgraph;
let clock = 1_000_000;
const now = () => clock;
const closing: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  stub = await startStubOrdersSubgraph();
});
afterAll(async () => {
  await stub.close();
});
afterEach(async () => {
  for (const c of closing.splice(0).reverse()) await c.close();
  stub.reset();
  clock = 1_000_000;
});

async function recordBacked(cache: 'lru' | 'pass-through' = 'lru') {
  // No stale window in the record cache: an expired record is reloaded, so the test sees fresh data.
  const subgraph: RecordBackedSubgraph = await startRecordBackedSubgraph({ now, cache, lifetimes: { Order: { staleWhileRevalidate: 0 } } });
  closing.push(subgraph);
  const gateway = await startTestGateway(stub.url, { responseCache: { now, staleWhileRevalidate: false } }, { orders: subgraph.url });
  closing.push(gateway.running as RunningGateway);
  return { subgraph, ...gateway };
}

describe('response cache TTL bounded by the freshness of the records inside', () => {
  it('the subgraph server reports extensions.freshForMs from its record cache, and nothing over a pass-through cache', async () => {
    const ask = async (url: string) =>
      (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: ORDER, variables: { id: '42' } }) })).json()) as {
        extensions?: { freshForMs?: number };
      };
    const cached = await startRecordBackedSubgraph({ now });
    const passing = await startRecordBackedSubgraph({ now, cache: 'pass-through' });
    closing.push(cached, passing);
    expect((await ask(cached.url)).extensions?.freshForMs).toBe(30_000);
    clock += 12_000;
    expect((await ask(cached.url)).extensions?.freshForMs).toBe(18_000);
    expect((await ask(passing.url)).extensions).toBeUndefined();
  });

  it('expires a response with the record near the end of its TTL, not a whole response TTL later', async () => {
    const { subgraph, post } = await recordBacked();
    const t0 = clock;
    // Class A loads the record at t0 and caches its answer for the Order TTL (30 s).
    expect((await post(ORDER, { id: '42' }, CLASS_A)).cache).toBe('miss');
    expect(subgraph.loads).toBe(1);

    // 25 s later class B is answered from the same cached record, fresh for only 5 s more.
    clock = t0 + 25_000;
    const b = await post(ORDER, { id: '42' }, CLASS_B);
    expect(b.cache).toBe('miss');
    expect(b.body.data?.order?.status).toBe('CONFIRMED');
    expect(subgraph.loads).toBe(1);

    // Another writer changes the order behind our back (no invalidation reaches us).
    subgraph.statuses.set('42', 'SENT');
    clock = t0 + 29_999;
    expect((await post(ORDER, { id: '42' }, CLASS_B)).cache).toBe('hit');

    // Once the record expires, so does B's response: before, it was served until t0 + 55 s.
    clock = t0 + 30_001;
    const after = await post(ORDER, { id: '42' }, CLASS_B);
    expect(after.cache).toBe('miss');
    expect(after.body.data?.order?.status).toBe('SENT');
    expect(subgraph.loads).toBe(2);
    expect(after.body.extensions?.stale).toBeUndefined();
  });

  it('does not store an answer whose records are already at the end of their TTL', async () => {
    const { subgraph, post } = await recordBacked();
    await post(ORDER, { id: '7' }, CLASS_A);
    clock += 29_999;
    expect((await post(ORDER, { id: '7' }, CLASS_B)).cache).toBe('miss');
    clock += 2;
    expect((await post(ORDER, { id: '7' }, CLASS_B)).cache).toBe('miss');
    expect(subgraph.loads).toBe(2);
  });

  it('keeps the type-based TTL when the subgraph read nothing through a record cache', async () => {
    const { subgraph, post } = await recordBacked('pass-through');
    await post(ORDER, { id: '42' }, CLASS_A);
    clock += 25_000;
    expect((await post(ORDER, { id: '42' }, CLASS_A)).cache).toBe('hit');
    clock += 4_999;
    expect((await post(ORDER, { id: '42' }, CLASS_A)).cache).toBe('hit');
    clock += 2;
    expect((await post(ORDER, { id: '42' }, CLASS_A)).cache).toBe('miss');
    expect(subgraph.loads).toBe(2);
  });

  it('takes the smaller of the type-based TTL and the reported freshness', async () => {
    const { post } = await startTestGateway(stub.url, { responseCache: { now, staleWhileRevalidate: false } }).then((g) => {
      closing.push(g.running);
      return g;
    });
    // Fresher than the Order TTL says: the type-based TTL (30 s) still bounds it.
    stub.freshForMs = 600_000;
    await post(ORDER, { id: '1' });
    clock += 29_999;
    expect((await post(ORDER, { id: '1' })).cache).toBe('hit');
    clock += 2;
    expect((await post(ORDER, { id: '1' })).cache).toBe('miss');
    // Less fresh: its freshness bounds it.
    stub.freshForMs = 2_000;
    await post(ORDER, { id: '2' });
    clock += 1_999;
    expect((await post(ORDER, { id: '2' })).cache).toBe('hit');
    clock += 2;
    expect((await post(ORDER, { id: '2' })).cache).toBe('miss');
  });
});
