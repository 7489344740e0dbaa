import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayServer, type GatewayServerOptions, type RunningGateway } from '../../gateway/src/server.js';
import { supergraphForApolloGateway } from '../../gateway/src/auth/supergraph-for-gateway.js';
import { metricsRegistry } from '../../platform/metrics/registry.js';
import { SUPERGRAPH_SDL } from '../../gateway/src/plugins/test-api-schema.js';
import { createTestAuth, startStubOrdersSubgraph, type StubOrdersSubgraph } from './stub-subgraph.js';

const ORDER = 'query Order($id: ID!) { order(id: $id) { id number status } }';
const BY_NUMBER = 'query ByNumber($number: String!) { orderByNumber(number: $number) { number status } }';
const CANCEL = 'mutation Cancel($id: ID!) { cancelOrder(id: $id) { id status } }';

let stub: StubOrdersSubgraph;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  stub = await startStubOrdersSubgraph();
});
afterAll(async () => {
  await stub.close();
});
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close();
  stub.reset();
});

async function startGateway(options: Partial<GatewayServerOptions> = {}) {
  const names = ['accounts', 'orders', 'stock', 'invoices', 'cases'];
  const built = await createGatewayServer({
    supergraphSdl: supergraphForApolloGateway(SUPERGRAPH_SDL),
    subgraphUrls: Object.fromEntries(names.map((n) => [n, stub.url])),
    auth: createTestAuth(),
    ...options,
  });
  const running = await built.listen(0);
  gateways.push(running);
  const post = async (query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
    return { status: res.status, cache: res.headers.get('x-cache'), body: (await res.json()) as { data?: Record<string, { id?: string; status?: string } | null>; errors?: unknown[] } };
  };
  return { running, post, cache: built.responseCache };
}

async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

describe('whole-response cache in the gateway', () => {
  it('answers a repeat from the cache without calling the subgraph, and counts hits and misses', async () => {
    const { post } = await startGateway();
    const [hits, misses] = [await counter('c360_gateway_response_cache_total', { result: 'hit' }), await counter('c360_gateway_response_cache_total', { result: 'miss' })];
    const first = await post(ORDER, { id: '42' });
    expect(first.cache).toBe('miss');
    expect(first.body.data?.order).toEqual({ id: '42', number: 'S42', status: 'CONFIRMED' });
    const second = await post(ORDER, { id: '42' });
    expect(second.cache).toBe('hit');
    expect(second.body).toEqual(first.body);
    expect(stub.calls.query).toBe(1);
    expect(await counter('c360_gateway_response_cache_total', { result: 'hit' })).toBe(hits + 1);
    expect(await counter('c360_gateway_response_cache_total', { result: 'miss' })).toBe(misses + 1);
  });

  it('never serves one visibility class what another cached', async () => {
    const { post } = await startGateway();
    expect((await post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read' })).cache).toBe('miss');
    expect((await post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read invoices:read' })).cache).toBe('miss');
    expect((await post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read', 'x-partner': '001000000000001AAA' })).cache).toBe('miss');
    expect((await post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read', 'x-partner': '001000000000002AAA' })).cache).toBe('miss');
    expect(stub.calls.query).toBe(4);
    // Same scopes in another order: the same class.
    expect((await post(ORDER, { id: '42' }, { 'x-scopes': 'invoices:read orders:read' })).cache).toBe('hit');
  });

  it('never stores a response with errors or with stale data', async () => {
    const { post } = await startGateway();
    expect((await post(ORDER, { id: 'bad' })).body.errors).toHaveLength(1);
    expect((await post(ORDER, { id: 'bad' })).cache).toBe('miss');
    const stale = await post(ORDER, { id: 'stale' });
    expect(stale.body).toMatchObject({ extensions: { stale: [{ subgraph: 'orders' }] } });
    expect((await post(ORDER, { id: 'stale' })).cache).toBe('miss');
    expect(stub.calls.query).toBe(4);
  });

  it('evicts exactly the responses holding an entity a mutation reported changed', async () => {
    const { post } = await startGateway();
    await post(ORDER, { id: '42' });
    await post(ORDER, { id: '43' });
    await post(BY_NUMBER, { number: 'S44' }); // no id selected: tagged Order:*
    expect((await post(ORDER, { id: '42' })).cache).toBe('hit');
    const invalidated = await counter('c360_gateway_response_cache_invalidated_total');

    const cancel = await post(CANCEL, { id: '42' });
    expect(cancel.cache).toBeNull();
    expect(cancel.body.data?.cancelOrder).toEqual({ id: '42', status: 'CANCELLED' });
    expect(await counter('c360_gateway_response_cache_invalidated_total')).toBe(invalidated + 2);

    const after = await post(ORDER, { id: '42' });
    expect(after.cache).toBe('miss');
    expect(after.body.data?.order?.status).toBe('CANCELLED');
    expect((await post(ORDER, { id: '43' })).cache).toBe('hit');
    expect((await post(BY_NUMBER, { number: 'S44' })).cache).toBe('miss');
  });

  it('never caches nor merges mutations', async () => {
    const { post } = await startGateway();
    stub.delayMs = 50;
    await Promise.all(Array.from({ length: 5 }, () => post(CANCEL, { id: '7' })));
    expect(stub.calls.mutation).toBe(5);
  });

  it('runs identical concurrent misses once and serves the others the same answer', async () => {
    const { post } = await startGateway();
    stub.delayMs = 100;
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(ORDER, { id: '42' })));
    expect(stub.calls.query).toBe(1);
    expect(answers.filter((a) => a.cache === 'miss')).toHaveLength(1);
    expect(answers.filter((a) => a.cache === 'hit')).toHaveLength(9);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
  });

  it('serves no hit to a request Apollo would refuse as a possible CSRF', async () => {
    const { running, post } = await startGateway();
    await post('query Order { order(id: "42") { id number status } }', {});
    const url = `${running.url}?query=${encodeURIComponent('query Order { order(id: "42") { id number status } }')}`;
    const simple = await fetch(url);
    expect(simple.headers.get('x-cache')).toBeNull();
    expect(simple.status).toBe(400);
    const preflighted = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(200);
    expect(preflighted.headers.get('x-cache')).toBe('hit');
  });

  it('can be turned off', async () => {
    const { post, cache } = await startGateway({ responseCache: false });
    expect(cache).toBeUndefined();
    expect((await post(ORDER, { id: '42' })).cache).toBeNull();
    expect((await post(ORDER, { id: '42' })).cache).toBeNull();
    expect(stub.calls.query).toBe(2);
  });
});

describe('subgraph fetch deduplication in the gateway', () => {
  it('sends identical concurrent fetches of one visibility class once', async () => {
    const { post } = await startGateway({ responseCache: false });
    stub.delayMs = 100;
    const merged = await counter('c360_gateway_subgraph_fetch_dedup_total', { subgraph: 'orders' });
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(ORDER, { id: '42' })));
    expect(answers.every((a) => a.body.data?.order?.id === '42')).toBe(true);
    expect(stub.calls.query).toBe(1);
    expect(await counter('c360_gateway_subgraph_fetch_dedup_total', { subgraph: 'orders' })).toBe(merged + 9);
  });

  it('keeps visibility classes apart and never merges different variables', async () => {
    const { post } = await startGateway({ responseCache: false });
    stub.delayMs = 100;
    await Promise.all([
      post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read' }),
      post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read' }),
      post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read', 'x-partner': '001000000000001AAA' }),
      post(ORDER, { id: '43' }, { 'x-scopes': 'orders:read' }),
    ]);
    expect(stub.calls.query).toBe(3);
  });

  it('can be turned off', async () => {
    const { post } = await startGateway({ responseCache: false, dedup: false });
    stub.delayMs = 50;
    await Promise.all(Array.from({ length: 5 }, () => post(ORDER, { id: '42' })));
    expect(stub.calls.query).toBe(5);
  });
});
