import { Kind, visit, type DocumentNode } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayAuth, GatewayServerOptions } from '../../gateway/src/server.js';
import { counter, startTestGateway } from './gateway-harness.js';
import { createTestAuth, startStubOrdersSubgraph, type StubOrdersSubgraph } from './stub-subgraph.js';

/**
 * Stale-while-revalidate at the response cache: past its TTL but within its stale window, a
 * response is served at once, flagged in `extensions.stale` and `x-cache: stale`, while ONE
 * background execution refreshes it.
 */
const ORDER = 'query Order($id: ID!) { order(id: $id) { id number status } }';
const CANCEL = 'mutation Cancel($id: ID!) { cancelOrder(id: $id) { id status } }';
/** Order TTL and stale window, both 30 s by default. */
const TTL = 30_000;

let stub: StubOrdersSubgraph;
let clock = 1_000_000;
const now = () => clock;
const gateways: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  stub = await startStubOrdersSubgraph();
});
afterAll(async () => {
  await stub.close();
});
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close();
  stub.reset();
  clock = 1_000_000;
});

async function gateway(options: Partial<GatewayServerOptions> = {}) {
  const g = await startTestGateway(stub.url, { responseCache: { now }, ...options });
  gateways.push(g.running);
  return g;
}

const refreshes = (result: string) => counter('c360_gateway_response_cache_refresh_total', { result });

describe('stale-while-revalidate in the response cache', () => {
  it('serves a response past its TTL at once, flagged, and refreshes it once for concurrent stale hits', async () => {
    const { post } = await gateway();
    const first = await post(ORDER, { id: '42' });
    expect(first.cache).toBe('miss');
    stub.setStatus('42', 'SENT');
    clock += TTL + 1_000;

    const [staleBefore, stored] = [await counter('c360_gateway_response_cache_total', { result: 'stale' }), await refreshes('stored')];
    // The refresh must outlast the ten requests, which share this event loop with the gateway: a
    // wide margin, not a race against the client's own speed on a loaded machine.
    stub.delayMs = 1000;
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(ORDER, { id: '42' })));
    for (const answer of answers) {
      expect(answer.cache).toBe('stale');
      expect(answer.body.data).toEqual(first.body.data);
      expect(answer.body.extensions?.stale).toEqual([{ response: true, ageMs: TTL + 1_000, reason: 'revalidating' }]);
    }
    expect(await counter('c360_gateway_response_cache_total', { result: 'stale' })).toBe(staleBefore + 10);

    await expect.poll(() => refreshes('stored'), { timeout: 3_000 }).toBe(stored + 1);
    expect(stub.calls.query).toBe(2);
    const refreshed = await post(ORDER, { id: '42' });
    expect(refreshed.cache).toBe('hit');
    expect(refreshed.body.data?.order?.status).toBe('SENT');
    expect(refreshed.body.extensions).toBeUndefined();
    expect(stub.calls.query).toBe(2);
    // The refreshed answer has a TTL of its own.
    clock += TTL - 1;
    expect((await post(ORDER, { id: '42' })).cache).toBe('hit');
  });

  it('misses past the stale window, and never serves stale with staleWhileRevalidate: false', async () => {
    const { post } = await gateway();
    await post(ORDER, { id: '42' });
    clock += TTL + TTL;
    expect((await post(ORDER, { id: '42' })).cache).toBe('miss');

    const off = await gateway({ responseCache: { now, staleWhileRevalidate: false } });
    await off.post(ORDER, { id: '43' });
    clock += TTL;
    const after = await off.post(ORDER, { id: '43' });
    expect(after.cache).toBe('miss');
    expect(after.body.extensions).toBeUndefined();
  });

  it('takes the stale window from the options', async () => {
    const { post } = await gateway({ responseCache: { now, staleWhileRevalidate: { windowSeconds: { Order: 2 } } } });
    await post(ORDER, { id: '42' });
    clock += TTL + 1_999;
    expect((await post(ORDER, { id: '42' })).cache).toBe('stale');
    await expect.poll(() => stub.calls.query).toBe(2);
    // The refresh stored a fresh answer; let it age past its own window.
    await expect.poll(async () => (await post(ORDER, { id: '42' })).cache).toBe('hit');
    clock += TTL + 2_000;
    expect((await post(ORDER, { id: '42' })).cache).toBe('miss');
  });

  it('never serves a response stale after our own write: invalidation removes it entirely', async () => {
    const { post } = await gateway();
    await post(ORDER, { id: '42' });
    clock += TTL + 1_000;
    const cancel = await post(CANCEL, { id: '42' });
    expect(cancel.body.data?.cancelOrder).toEqual({ id: '42', status: 'CANCELLED' });
    const after = await post(ORDER, { id: '42' });
    expect(after.cache).toBe('miss');
    expect(after.body.data?.order?.status).toBe('CANCELLED');
    expect(after.body.extensions).toBeUndefined();
  });

  it('stores nothing from a failed refresh and keeps serving the flagged copy until one succeeds, a second apart', async () => {
    const { post } = await gateway();
    await post(ORDER, { id: '42' });
    clock += TTL + 1_000;
    stub.failing = true;
    const [discarded, stored] = [await refreshes('discarded'), await refreshes('stored')];
    const stale = await post(ORDER, { id: '42' });
    expect(stale.cache).toBe('stale');
    expect(stale.body.data?.order?.status).toBe('CONFIRMED');
    await expect.poll(() => refreshes('discarded')).toBe(discarded + 1);
    // Within a second of the failed refresh a stale hit starts none: each refresh is a whole execution.
    expect((await post(ORDER, { id: '42' })).cache).toBe('stale');
    clock += 1_000;
    expect((await post(ORDER, { id: '42' })).cache).toBe('stale');
    await expect.poll(() => refreshes('discarded')).toBe(discarded + 2);
    stub.failing = false;
    stub.setStatus('42', 'SENT');
    clock += 1_000;
    expect((await post(ORDER, { id: '42' })).cache).toBe('stale');
    await expect.poll(() => refreshes('stored')).toBe(stored + 1);
    const fresh = await post(ORDER, { id: '42' });
    expect(fresh.cache).toBe('hit');
    expect(fresh.body.data?.order?.status).toBe('SENT');
  });

  it('never serves one visibility class a stale response another cached', async () => {
    const { post } = await gateway();
    await post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read' });
    clock += TTL + 1_000;
    expect((await post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read invoices:read' })).cache).toBe('miss');
    expect((await post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read', 'x-partner': '001000000000001AAA' })).cache).toBe('miss');
    const settled = async () => (await refreshes('stored')) + (await refreshes('discarded')) + (await refreshes('failed'));
    const before = await settled();
    expect((await post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read' })).cache).toBe('stale');
    // That stale hit started a refresh of its own: it ends here, not in the next test's subgraph.
    await expect.poll(settled, { timeout: 5_000 }).toBe(before + 1);
  });

  it('refreshes with the same principal and the filtered query, and stores the filtered answer', async () => {
    // Hides Order.number from principals without `orders:numbers`, as the operation filter hides fields.
    const base = createTestAuth();
    const auth: GatewayAuth = {
      ...base,
      principalHeaders: (principal) => ({ 'x-test-principal': [...principal.scopes].sort().join(' ') }),
      filterOperation: ({ document, principal }) => {
        if (principal.scopes.has('orders:numbers')) return { document, removed: [] };
        const filtered = visit(document, { [Kind.FIELD]: (node) => (node.name.value === 'number' ? null : undefined) }) as DocumentNode;
        return { document: filtered, removed: [{ path: ['order', 'number'], message: 'Not authorized: orders:numbers', code: 'FORBIDDEN' as const }] };
      },
      applyRemovedFields: (data) => {
        const order = data.order as Record<string, unknown> | null | undefined;
        if (order) order.number = null;
        return data;
      },
    };
    const { post } = await gateway({ auth });
    const first = await post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read' });
    expect(first.body.data?.order).toEqual({ id: '42', number: null, status: 'CONFIRMED' });
    expect(first.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    stub.setStatus('42', 'SENT');
    clock += TTL + 1_000;
    const stale = await post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read' });
    expect(stale.cache).toBe('stale');
    expect(stale.body.errors).toEqual(first.body.errors);
    await expect.poll(() => stub.calls.query).toBe(2);
    // The refresh ran for the same principal, with the number removed from what the subgraph saw.
    expect(stub.principals).toEqual(['orders:read', 'orders:read']);
    expect(stub.queries[1]).not.toMatch(/\bnumber\b/);
    await expect.poll(async () => (await post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read' })).cache).toBe('hit');
    const refreshed = await post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read' });
    expect(refreshed.body.data?.order).toEqual({ id: '42', number: null, status: 'SENT' });
    expect(refreshed.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    // A principal allowed the number is another class: never served the filtered answer.
    const allowed = await post(ORDER, { id: '42' }, { 'x-scopes': 'orders:read orders:numbers' });
    expect(allowed.cache).toBe('miss');
    expect(allowed.body.data?.order?.number).toBe('S42');
  });
});
