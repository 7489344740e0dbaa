/**
 * The Odoo concurrency budget shared between client classes, end to end over real HTTP: a
 * partner flooding with its order history does not make a support agent's customer view wait
 * behind the partner's queued loads, and Odoo never has more calls in flight than the budget.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_360 } from '../queries.js';
import { startTestSystem, testSettings, type TestSystem } from '../support/system.js';

const manifest = JSON.parse(readFileSync(new URL('../../schema/persisted-operations.json', import.meta.url), 'utf8')) as { operations: { id: string; name: string }[] };
const ORDER_HISTORY = manifest.operations.find((o) => o.name === 'PartnerOrderHistory')!.id;
const ODOO_BUDGET = 2;

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({
    settings: testSettings({ trustedDocuments: 'partners', backendConcurrency: { odoo: ODOO_BUDGET, salesforce: 32, servicedesk: 32 }, adaptiveConcurrency: false }),
    // Every Odoo call takes 150 ms: at a budget of 2, a queue of partner loads takes seconds to drain.
    sandboxFaults: { odoo: { latencyMs: 150 } },
  });
});
afterAll(() => system?.close());

const post = async (token: string, body: unknown) => {
  const started = performance.now();
  const res = await fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const answer = (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
  return { status: res.status, answer, ms: performance.now() - started, endedAt: performance.now() };
};

describe('fair share of the Odoo budget', () => {
  it('serves a support agent between the queued loads of a flooding partner, within the budget', async () => {
    const skeleton = system.skeleton!;
    const partnerId = skeleton.resellers[0]!.accountId;
    const own = skeleton.customers.filter((c) => c.resellerIndex === 0).map((c) => c.accountId);
    const direct = skeleton.customers.filter((c) => c.resellerIndex === null).map((c) => c.accountId);
    const agent = await system.token('support_agent');
    const partner = await system.token('partner', partnerId);

    // The agent's view alone, on a cold customer (after one to warm the gateway up): what the flood must not multiply.
    await post(agent, { query: CUSTOMER_360, variables: { id: direct[2] } });
    const alone = await post(agent, { query: CUSTOMER_360, variables: { id: direct[0] } });
    expect(alone.answer.data.customer.id).toBe(direct[0]);
    await system.resetSandboxes();

    // 24 requests at once, each for another of the partner's customers: every one is Odoo loads.
    const floodStarted = performance.now();
    const flood = own.slice(0, 24).map((id) => post(partner, { documentId: ORDER_HISTORY, variables: { id, first: 20 } }));
    await new Promise((r) => setTimeout(r, 400));
    const during = await post(agent, { query: CUSTOMER_360, variables: { id: direct[1] } });
    const floodResults = await Promise.all(flood);
    const floodMs = Math.max(...floodResults.map((r) => r.endedAt)) - floodStarted;

    expect(during.answer.data.customer.id).toBe(direct[1]);
    expect(during.answer.data.customer.orders.edges.length).toBeGreaterThan(0);
    // The partner is served too (it waits its turn, it is not starved), every request whole.
    for (const r of floodResults) {
      expect(r.answer.errors).toBeUndefined();
      expect(r.answer.data.customer.orders).toBeTruthy();
    }
    // Behind the partner's queue (first come, first served) the agent would wait about as long as the flood lasts.
    expect(floodMs).toBeGreaterThan(2_000);
    expect(during.ms).toBeLessThan(floodMs * 0.6);
    expect(during.ms).toBeLessThan(alone.ms * 2.5 + 300);
    expect((await system.stats('odoo')).peakInFlight).toBeLessThanOrEqual(ODOO_BUDGET);
  }, 30_000);
});
