import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readAuditLog } from '../../platform/audit/audit-log.js';
import { odooCall, salesforceConnection } from '../support/backends.js';
import { startTestSystem, testSettings, type TestSystem } from '../support/system.js';

/**
 * Writes that finish by themselves: a placeOrder left between its two Odoo steps is finished or
 * undone by the reconciler without any client; a completed key is answered from the store while
 * the backend is down, and so is a keyed write whose answer was lost, once the store has looked it
 * up in the background; a write that landed is never answered as an error because a read after it
 * failed, and it leaves one audit record saying what the client was told.
 */
const dir = mkdtempSync(join(tmpdir(), 'c360-writes-finish-'));
const auditLogPath = join(dir, 'audit.jsonl');
const BOUND_MS = 3000;
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({ settings: testSettings({ auditLogPath, writeProgressPath: join(dir, 'progress.jsonl'), writeReconcileBoundMs: BOUND_MS }) });
});
afterEach(() => {
  for (const backend of ['odoo', 'salesforce', 'zendesk'] as const) system.sandboxes[backend]!.setFaults({});
});
afterAll(async () => {
  await system?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PLACE_ORDER = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id number status } }`;

async function aSku(): Promise<string> {
  const [product] = await odooCall(system.sandboxes.odoo!.url, 'product.product', 'search_read', [[['default_code', '!=', false], ['type', '=', 'product']]], { fields: ['default_code'], limit: 1 });
  return product.default_code;
}

describe('a placeOrder left between create and confirm', () => {
  it('is answered BACKEND_UNAVAILABLE, and the reconciler confirms or cancels its draft within the bound', async () => {
    const customerId = system.skeleton!.examples.fewOrders;
    const sku = await aSku();
    const key = `finish-${Date.now()}`;
    // The connector's Odoo session exists before the faults: the order's calls are its reads, create and confirm.
    await system.query(`query($id: ID!) { customer(id: $id) { billing { onHold } } }`, { id: customerId }, { role: 'sales_rep' });
    // A reconciler pass before the faults: the test counts only what the order itself costs.
    await system.reconciler!.pass();
    system.sandboxes.odoo!.setFaults({ rateLimit: { perSecond: 3 } });
    await sleep(1100);
    const answer = await system.query(PLACE_ORDER, { input: { customerId, lines: [{ sku, quantity: 1 }], idempotencyKey: key } }, { role: 'sales_rep' });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BACKEND_UNAVAILABLE');
    const failedAt = Date.now();
    // The draft exists now; the faults stay on while the reconciler works.
    const states = async () => {
      const orders = await odooCall(system.sandboxes.odoo!.url, 'sale.order', 'search_read', [[['origin', '=like', 'c360-idem:%'], ['partner_id.ref', '=', customerId]]], { fields: ['state', 'origin'] }).catch(() => null);
      return orders === null ? null : orders.map((o: { state: string }) => o.state);
    };
    const seen: string[] = await vi.waitFor(
      async () => {
        const current = await states();
        expect(current?.length).toBeGreaterThan(0);
        expect(current!.every((state: string) => state === 'sale' || state === 'cancel')).toBe(true);
        return current!;
      },
      { timeout: BOUND_MS + 6000, interval: 1000 },
    );
    expect(seen).toHaveLength(1);
    expect(['sale', 'cancel']).toContain(seen[0]);
    expect(Date.now() - failedAt).toBeLessThan(BOUND_MS + 6000);
    system.sandboxes.odoo!.setFaults({});
    // The reconciler's record follows its last call (the read of the confirmed order).
    const records = await vi.waitFor(
      async () => {
        const written = (await readAuditLog(auditLogPath)).filter((r) => r.idempotencyKey === key);
        expect(written.some((r) => r.actor === 'reconciler')).toBe(true);
        return written;
      },
      { timeout: 4000, interval: 100 },
    );
    // The client's attempt, and the reconciler's record of how the write ended.
    expect(records.map((r) => r.clientOutcome ?? r.outcome)).toContain('BACKEND_UNAVAILABLE');
    expect(records.some((r) => r.actor === 'reconciler' && (r.backendOutcome === 'completed' || r.backendOutcome === 'compensated'))).toBe(true);
    // A retry with the key agrees with what the reconciler did: the confirmed order, or a fresh one after a cancellation.
    const retry = await system.query(PLACE_ORDER, { input: { customerId, lines: [{ sku, quantity: 1 }], idempotencyKey: key } }, { role: 'sales_rep' });
    expect(retry.errors).toBeUndefined();
    expect(retry.data!.placeOrder.status).toBe('CONFIRMED');
    const after: string[] = (await states())!;
    expect(after.filter((s) => s === 'sale')).toHaveLength(1);
  }, 30_000);
});

/** A keyed credit hold with `reason`, as finance. */
const holdWith = (customerId: string, reason: string, key: string) =>
  system.query(`mutation($id: ID!) { setCreditHold(customerId: $id, onHold: true, reason: "${reason}") { onHold holdReason } }`, { id: customerId }, { role: 'finance' }, { 'idempotency-key': key });
const liftHold = (customerId: string) => system.query(`mutation($id: ID!) { setCreditHold(customerId: $id, onHold: false) { onHold } }`, { id: customerId }, { role: 'finance' });

/** The keyed hold sent again with Odoo down: answered as the hold it set, from the store, with no Odoo call. */
async function expectHoldReplayedWhileOdooDown(customerId: string, reason: string, key: string): Promise<void> {
  system.sandboxes.odoo!.setFaults({ down: true });
  try {
    const before = await system.stats('odoo');
    const replay = await holdWith(customerId, reason, key);
    expect(replay.errors).toBeUndefined();
    expect(replay.data!.setCreditHold).toEqual({ onHold: true, holdReason: reason });
    expect((await system.stats('odoo')).calls - before.calls).toBe(0);
  } finally {
    system.sandboxes.odoo!.setFaults({});
  }
}

/** What the audit log says the client of each attempt with `key` was told, and whether it was a replay. */
const auditedOutcomes = async (key: string) => (await readAuditLog(auditLogPath)).filter((r) => r.idempotencyKey === key).map((r) => [r.clientOutcome, r.replayed ?? false]);

describe('a completed key while its backend is down', () => {
  it('setCreditHold is answered as a success from the store, without any backend call', async () => {
    const customerId = system.skeleton!.examples.manyOrders;
    const key = `hold-${Date.now()}`;
    expect((await holdWith(customerId, 'Replay check', key)).errors).toBeUndefined();
    await expectHoldReplayedWhileOdooDown(customerId, 'Replay check', key);
    expect(await auditedOutcomes(key)).toEqual([['ok', false], ['ok', true]]);
    await liftHold(customerId);
  });
});

describe('a keyed write whose answer was lost after it committed', () => {
  it('is looked up in the background, so its replay is a success while the backend is down', async () => {
    const customerId = system.skeleton!.examples.manyOrders;
    const key = `hold-lost-${Date.now()}`;
    // No hold to begin with (and the Odoo session made). Then, in a fresh rate-limit second, the
    // partner read and the write get through, the write's connection is dropped after it
    // committed, and the lookup right after it is refused (429).
    await liftHold(customerId);
    system.sandboxes.odoo!.setFaults({ rateLimit: { perSecond: 2 }, errorAfterCommitRate: 1, afterCommit: 'drop' });
    await sleep(1100);
    const first = await holdWith(customerId, 'Lost answer', key);
    expect(first.errors?.[0]?.extensions?.code).toBe('BACKEND_UNAVAILABLE');
    system.sandboxes.odoo!.setFaults({});
    const [partner] = await odooCall(system.sandboxes.odoo!.url, 'res.partner', 'search_read', [[['ref', '=', customerId]]], { fields: ['sale_warn', 'sale_warn_msg'] });
    expect(partner).toMatchObject({ sale_warn: 'block', sale_warn_msg: 'Lost answer' });
    // The store's first look, 250 ms after the failure, finds the write.
    await sleep(1000);
    await expectHoldReplayedWhileOdooDown(customerId, 'Lost answer', key);
    expect(await auditedOutcomes(key)).toEqual([['BACKEND_UNAVAILABLE', false], ['ok', true]]);
    await liftHold(customerId);
  });
});

describe('a profile update whose read after the PATCH fails', () => {
  it('is answered as a success from what was written, with one audit record', async () => {
    const id = system.skeleton!.examples.noTickets;
    const key = `profile-${Date.now()}`;
    const UPDATE = `mutation($id: ID!) { updateCustomerProfile(id: $id, input: { website: "https://after-patch.example" }) { id website } }`;
    // Warm what the update reads before its PATCH (the account, the picklists), then let one call a second through.
    await system.query(`query($id: ID!) { customer(id: $id) { id name website } }`, { id }, { role: 'sales_rep' });
    system.sandboxes.salesforce!.setFaults({ rateLimit: { perSecond: 1 } });
    await sleep(1100);
    const answer = await system.query(UPDATE, { id }, { role: 'sales_rep' }, { 'idempotency-key': key });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.updateCustomerProfile).toEqual({ id, website: 'https://after-patch.example' });
    system.sandboxes.salesforce!.setFaults({});
    const conn = await salesforceConnection(system.sandboxes.salesforce!.url);
    const account = (await conn.sobject('Account').retrieve(id)) as { Website: string };
    expect(account.Website).toBe('https://after-patch.example');
    const records = (await readAuditLog(auditLogPath)).filter((r) => r.correlationId === answer.headers.get('x-request-id'));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ operation: 'updateCustomerProfile', clientOutcome: 'ok', idempotencyKey: key });
  });
});
