/**
 * A customers list with cases under Zendesk's rate limit, over real HTTP through the production
 * connector: one organization's list call answered 429 fails that customer's `cases` alone
 * (DataLoader's contract), the customers whose calls were served get their cases, and a retry
 * once the limit has passed calls Zendesk only for those that failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../support/system.js';

const LIST_WITH_CASES = /* GraphQL */ `
  query CustomersWithCases {
    customers(first: 100) {
      edges { node { id cases(first: 5) { totalCount edges { node { id subject } } } } }
    }
  }
`;

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system?.close());

const setZendeskFaults = async (faults: unknown) => {
  const res = await fetch(`${system.sandboxes.zendesk!.url}/__sandbox/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  expect(res.status).toBe(200);
};

describe('customers with cases under a Zendesk rate limit', () => {
  it('fails only the customers whose own call was refused, and retries only those', async () => {
    await setZendeskFaults({ rateLimit: { perSecond: 20 } });
    const snapshot = await system.snapshot();
    const limited = await system.query(LIST_WITH_CASES, {}, { role: 'support_agent' }, { 'x-c360-cost': '1' });
    const served = (await snapshot.delta()).zendesk;
    await setZendeskFaults({});
    // The cost model counts one list call per customer (`Customer.cases` is @perParent): the estimate bounds what Zendesk was asked.
    const cost = limited.extensions!.cost;
    expect(cost.estimated.servicedesk).toBeGreaterThanOrEqual(100);
    // Our side counts every call made, the refused ones included: 1 organization lookup + 100 lists.
    expect(cost.actual.servicedesk).toBe(101);
    expect(cost.actual.servicedesk).toBeLessThanOrEqual(cost.estimated.servicedesk);

    const nodes = limited.data!.customers.edges.map((e: any) => e.node) as { id: string; cases: { totalCount: number } | null }[];
    expect(nodes).toHaveLength(100);
    const withCases = nodes.filter((n) => n.cases !== null);
    const refused = nodes.filter((n) => n.cases === null);
    // Every customer whose list call Zendesk served has its cases; every other one has its own error.
    expect(withCases.length).toBe(served['organizations.tickets']);
    expect(withCases.length).toBeGreaterThan(5);
    expect(refused.length).toBeGreaterThan(50);
    expect(withCases.some((n) => n.cases!.totalCount > 0)).toBe(true);
    const errorsByCustomer = new Map<string, string>();
    for (const error of limited.errors ?? []) {
      const [root, edges, index, node, field] = error.path ?? [];
      expect([root, edges, node, field]).toEqual(['customers', 'edges', 'node', 'cases']);
      errorsByCustomer.set(nodes[index as number]!.id, error.extensions?.code);
    }
    expect([...errorsByCustomer.keys()].sort()).toEqual(refused.map((n) => n.id).sort());
    expect(new Set(errorsByCustomer.values())).toEqual(new Set(['RATE_LIMITED']));

    // Past the limit, the same list is whole, and Zendesk is asked again only for the refused customers' lists.
    const again = await system.snapshot();
    const whole = await system.query(LIST_WITH_CASES, {}, { role: 'support_agent' });
    expect(whole.errors).toBeUndefined();
    expect(whole.data!.customers.edges.every((e: any) => e.node.cases !== null)).toBe(true);
    expect((await again.delta()).zendesk['organizations.tickets']).toBe(refused.length);
  }, 20_000);
});
