import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_360 } from '../queries.js';
import { startTestSystem, testSettings, type Backend, type TestSystem } from '../support/system.js';
import { loadSettings } from '../../scripts/config.js';

/**
 * A backend that takes 20 s to answer: each backend read gives up at its overall deadline
 * (BACKEND_DEADLINE_MS, below SUBGRAPH_TIMEOUT_MS), so the client gets BACKEND_UNAVAILABLE from
 * the subgraph before the gateway's own timeout, and the attempts in flight are aborted: a second
 * after the answer no call of ours is still in the sandboxes (their `inFlight` counts a call whose
 * client hung up as ended). Caches are off so that every part of the query needs its backend.
 */
const SUBGRAPH_TIMEOUT_MS = 4000;
const BACKENDS: readonly Backend[] = ['odoo', 'salesforce', 'zendesk'];
let system: TestSystem;
let deadlineMs: number;

beforeAll(async () => {
  const { subgraphTimeoutMs, backendDeadlineMs } = loadSettings({ SUBGRAPH_TIMEOUT_MS: String(SUBGRAPH_TIMEOUT_MS) });
  deadlineMs = backendDeadlineMs;
  system = await startTestSystem({ settings: testSettings({ subgraphTimeoutMs, backendDeadlineMs }), recordCache: false, responseCache: false, fetchCache: false });
  // Sessions first (Odoo's uid, Salesforce's token): a login is not what this test is about.
  await system.query(CUSTOMER_360, { id: system.skeleton!.examples.fewOrders }, { role: 'admin' });
});
afterAll(async () => {
  for (const backend of BACKENDS) system?.sandboxes[backend]?.setFaults({});
  await system?.close();
});

describe('a backend 20 s slow', () => {
  it('BACKEND_DEADLINE_MS defaults below SUBGRAPH_TIMEOUT_MS, and a value at or above it stops start-up', () => {
    expect(deadlineMs).toBe(3200);
    expect(loadSettings({}).backendDeadlineMs).toBe(7000);
    expect(() => loadSettings({ SUBGRAPH_TIMEOUT_MS: '4000', BACKEND_DEADLINE_MS: '4000' })).toThrow(/BACKEND_DEADLINE_MS: must be below SUBGRAPH_TIMEOUT_MS \(4000\)/);
  });

  it.each(BACKENDS)('%s: the client gets BACKEND_UNAVAILABLE within the subgraph timeout, and a second later none of our calls is in flight', async (backend) => {
    system.sandboxes[backend]!.setFaults({ latencyMs: 20_000 });
    try {
      const started = Date.now();
      const answer = await system.query(CUSTOMER_360, { id: system.skeleton!.examples.manyOrders }, { role: 'admin' });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(SUBGRAPH_TIMEOUT_MS);
      const system_ = backend === 'zendesk' ? 'servicedesk' : backend;
      const failures = (answer.errors ?? []).filter((e) => e.extensions?.system === system_);
      expect(failures.length).toBeGreaterThan(0);
      for (const e of failures) expect(e.extensions?.code).toBe('BACKEND_UNAVAILABLE');
      // The subgraphs answered the failure themselves ("odoo is unavailable"): the gateway never hit its own timeout.
      expect(failures.every((e) => !/subgraph/.test(e.message))).toBe(true);
      await new Promise((r) => setTimeout(r, 1000));
      expect((await system.stats(backend)).inFlight).toBe(0);
    } finally {
      system.sandboxes[backend]!.setFaults({});
    }
  });
});
