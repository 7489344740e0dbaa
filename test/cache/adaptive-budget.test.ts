/**
 * The adaptive concurrency budget against the Odoo sandbox over real HTTP, through the connector
 * and the record cache production uses: it grows on a backend that keeps its latency, and holds
 * back on one that queues our loads behind its few workers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRecordCache, type LruRecordCache } from '../../subgraphs/shared/cache/index.js';
import { ODOO_KINDS } from '../../subgraphs/shared/connectors/odoo/record-kinds.js';
import { startOdooSandbox, type OdooTestSandbox } from '../../subgraphs/shared/connectors/odoo/test-harness.js';
import type { OdooConnector } from '../../subgraphs/shared/connectors/odoo/connector.js';

let sandbox: OdooTestSandbox;
let odoo: OdooConnector;
let orderIds: number[];

beforeAll(async () => {
  sandbox = await startOdooSandbox();
  odoo = sandbox.connector('jsonrpc');
  orderIds = (await sandbox.rpc<number[]>('sale.order', 'search', [[]])).slice(0, 4000);
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.setFaults({});
  sandbox.reset();
});

/** Most Odoo calls the sandbox had at once since the last reset. */
async function peakInFlight(): Promise<number> {
  return ((await (await fetch(`${sandbox.url}/__sandbox/stats`)).json()) as { peakInFlight: number }).peakInFlight;
}

/**
 * 32 loaders, each reading one order after another (a different one each time, so every read is a
 * backend load), until `done()` says so or `ms` pass.
 */
async function load(cache: LruRecordCache, ms: number, done: () => boolean = () => false): Promise<number> {
  const deadline = performance.now() + ms;
  let next = 0;
  let reads = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (performance.now() < deadline && !done()) {
        const id = orderIds[next++ % orderIds.length]!;
        const [order] = await cache.getMany(ODOO_KINDS.order, [id], (ids) => odoo.ordersByIds(ids as number[]));
        expect(order).toMatchObject({ id });
        reads += 1;
      }
    }),
  );
  return reads;
}

describe('adaptive concurrency budget over the Odoo sandbox', () => {
  it('grows past its start while Odoo answers as fast as ever', async () => {
    sandbox.setFaults({ latencyMs: 30 });
    const cache = createRecordCache({ tenant: 'adaptive', budgets: { odoo: 32 } });
    expect(cache.stats().loads.odoo.budget).toBe(4);
    const reads = await load(cache, 8_000, () => cache.stats().loads.odoo.budget >= 12);
    expect(cache.stats().loads.odoo.budget).toBeGreaterThanOrEqual(12);
    expect(reads).toBeGreaterThan(100);
    cache.close();
  });

  it('sends far fewer loads at once than its ceiling to an Odoo whose 2 workers queue them', async () => {
    sandbox.setFaults({ latencyMs: 10, workers: 2 });
    const adaptive = createRecordCache({ tenant: 'adaptive', budgets: { odoo: 32 } });
    await load(adaptive, 1_500);
    const adaptivePeak = await peakInFlight();
    expect(adaptivePeak).toBeLessThanOrEqual(16);
    expect(adaptive.stats().loads.odoo.budget).toBeLessThanOrEqual(16);
    adaptive.close();

    // The same load with the budget held at its ceiling fills Odoo's queue.
    sandbox.reset();
    const fixed = createRecordCache({ tenant: 'fixed', budgets: { odoo: 32 }, adaptiveBudgets: false });
    await load(fixed, 1_500);
    expect(await peakInFlight()).toBeGreaterThanOrEqual(24);
    expect(fixed.stats().loads.odoo.budget).toBe(32);
    fixed.close();
  });
});
