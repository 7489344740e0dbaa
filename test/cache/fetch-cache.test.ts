import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraphFetchCacheTotal } from '../../gateway/src/plugins/fetch-cache.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { CUSTOMER_360 } from '../queries.js';

let system: TestSystem;

/** Fetch cache lookups so far, by result, over every subgraph. */
async function lookups(): Promise<{ hit: number; miss: number }> {
  const counts = { hit: 0, miss: 0 };
  for (const value of (await subgraphFetchCacheTotal.get()).values) {
    const result = value.labels.result;
    if (result === 'hit' || result === 'miss') counts[result] += value.value;
  }
  return counts;
}

/** Only the fields the operation filter removed for the role may be missing: no execution error. */
function onlyRemovedFields(errors: Array<{ extensions?: Record<string, unknown> }> | undefined): void {
  for (const error of errors ?? []) expect(error.extensions?.code).toBe('FORBIDDEN');
}

function total(delta: Record<string, Record<string, number>>): number {
  return Object.values(delta).reduce((sum, ops) => sum + Object.values(ops).reduce((a, b) => a + b, 0), 0);
}

beforeAll(async () => {
  // The whole-response cache is off: every request executes, and only the fetch cache can spare the subgraphs.
  system = await startTestSystem({ responseCache: false });
});

afterAll(async () => {
  await system?.close();
});

describe('subgraph fetch cache through the real system', () => {
  it('answers a repeated customer-360 of the same visibility class without calling a subgraph or a backend', async () => {
    const id = system.skeleton!.examples.manyOrders;
    const first = await system.query(CUSTOMER_360, { id }, { token: await system.token('support_agent', undefined, 'agent-1') });
    onlyRemovedFields(first.errors);
    expect(first.data!.customer.id).toBe(id);

    const before = await lookups();
    const snapshot = await system.snapshot();
    const second = await system.query(CUSTOMER_360, { id }, { token: await system.token('support_agent', undefined, 'agent-2') });
    const after = await lookups();
    expect(total(await snapshot.delta())).toBe(0);
    // Every subgraph fetch was a hit: the subgraphs themselves were not asked.
    expect(after.miss - before.miss).toBe(0);
    expect(after.hit - before.hit).toBeGreaterThanOrEqual(5);
    expect(second.errors).toEqual(first.errors);
    expect(second.data).toEqual(first.data);
  });

  it('shows a write through the gateway on the next read (setCreditHold by finance, read by a support agent)', async () => {
    const id = system.skeleton!.examples.manyOrders;
    const read = async () => {
      const answer = await system.query(CUSTOMER_360, { id }, { role: 'support_agent' });
      onlyRemovedFields(answer.errors);
      return answer.data!.customer.billing.onHold as boolean;
    };
    const was = await read();
    // Served from the fetch cache now.
    const before = await lookups();
    expect(await read()).toBe(was);
    expect((await lookups()).miss - before.miss).toBe(0);
    try {
      const written = await system.query(`mutation($id: ID!) { setCreditHold(customerId: $id, onHold: ${!was}, reason: "Fetch cache test") { onHold } }`, { id }, { role: 'finance' });
      expect(written.errors).toBeUndefined();
      expect(written.data!.setCreditHold.onHold).toBe(!was);
      expect(await read()).toBe(!was);
    } finally {
      await system.query(`mutation($id: ID!) { setCreditHold(customerId: $id, onHold: ${was}) { onHold } }`, { id }, { role: 'finance' });
    }
    expect(await read()).toBe(was);
  });
});
