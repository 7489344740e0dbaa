/**
 * setCreditHold over real HTTP: the invoices subgraph over the Odoo sandbox, with the Salesforce
 * and Zendesk sandboxes running to prove they are never involved. Every call is audited.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../sandbox/common/server.js';
import { ODOO_DB } from '../../sandbox/odoo/index.js';
import { createSalesforceSandbox } from '../../sandbox/salesforce/index.js';
import { buildSkeleton, WORLD_NOW } from '../../sandbox/world/skeleton.js';
import { createZendeskSandbox } from '../../sandbox/zendesk/index.js';
import type { Principal } from '../../platform/authz/principal.js';
import { createRecordCache, type LruRecordCache } from '../shared/cache/index.js';
import { graphql, startOdooSandbox, writeOperations, type OdooTestSandbox } from '../shared/connectors/odoo/test-harness.js';
import { createAuditLog, readAuditLog, type AuditLog } from '../../platform/audit/audit-log.js';
import { createIdempotencyStore } from '../shared/mutations/idempotency.js';
import { createMutationRunner } from '../shared/mutations/run-mutation.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createInvoicesSubgraph } from './index.js';

const world = buildSkeleton();
const few = world.byAccountId.get(world.examples.fewOrders)!;
const many = world.byAccountId.get(world.examples.manyOrders)!;
const blocked = world.byAccountId.get(world.examples.onSalesBlock)!;

const FINANCE: Principal = { sub: 'finance-1', roles: ['finance'], scopes: new Set(['customer:read', 'customer:financials', 'orders:read', 'invoices:read', 'credit:read', 'credit:write']) };
const SALES: Principal = { sub: 'sales-1', roles: ['sales_rep'], scopes: new Set(['customer:read', 'orders:read', 'orders:write', 'credit:read']) };

let odooSandbox: OdooTestSandbox;
let salesforce: RunningSandbox;
let zendesk: RunningSandbox;
let cache: LruRecordCache;
let auditDir: string;
let auditPath: string;
let log: AuditLog;
let subgraph: RunningSubgraph;
let principal: Principal = FINANCE;
const expectedAudit: string[] = [];

beforeAll(async () => {
  odooSandbox = await startOdooSandbox();
  salesforce = await createSalesforceSandbox().listen(0, '127.0.0.1');
  zendesk = await createZendeskSandbox().listen(0, '127.0.0.1');
  auditDir = await mkdtemp(join(tmpdir(), 'invoices-audit-'));
  auditPath = join(auditDir, 'audit.jsonl');
  log = createAuditLog({ path: auditPath });
  const runner = createMutationRunner({ store: createIdempotencyStore({ keyPrefix: 'idem:invoices-test' }), log });
  cache = createRecordCache({ tenant: ODOO_DB });
  const odoo = odooSandbox.connector('jsonrpc');
  await odoo.warehouses();
  subgraph = await (await createInvoicesSubgraph({ odoo, cache, authenticate: () => principal, now: () => WORLD_NOW.getTime(), mutations: { runner } })).listen(0);
});
afterAll(async () => {
  await subgraph?.close();
  await log?.close();
  cache?.close();
  await Promise.all([odooSandbox?.close(), salesforce?.close(), zendesk?.close()]);
  if (auditDir) await rm(auditDir, { recursive: true, force: true });
});
beforeEach(() => {
  principal = FINANCE;
});

const SET = `mutation($c: ID!, $on: Boolean!, $r: String) { setCreditHold(customerId: $c, onHold: $on, reason: $r) {
  onHold holdReason creditLimit { amount } outstanding { amount currency } } }`;
const BILLING = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { billing { onHold holdReason } } } }';

/** Sets or lifts a hold, measuring every sandbox's calls and recording the audit outcome it must leave. */
async function setHold(customerId: string, onHold: boolean, reason?: string | null, headers: Record<string, string> = {}, url = subgraph.url) {
  const others = salesforce.stats().calls + zendesk.stats().calls;
  const { result: r, calls, byOperation: ops } = await odooSandbox.measure(() => graphql<Record<string, any>>(url, SET, { c: customerId, on: onHold, r: reason }, headers)); // eslint-disable-line @typescript-eslint/no-explicit-any
  if (url === subgraph.url) expectedAudit.push((r.errors?.[0]?.extensions?.code as string | undefined) ?? 'ok');
  return { ...r, ops, calls, others: salesforce.stats().calls + zendesk.stats().calls - others };
}

const partnerOf = async (id: number) =>
  (await odooSandbox.rpc<{ sale_warn: string; sale_warn_msg: string | false }[]>('res.partner', 'read', [[id]], { fields: ['sale_warn', 'sale_warn_msg'] }))[0]!;

describe('setCreditHold', () => {
  it("sets Odoo's sales block on the ERP partner, writing only there, and the cached billing view shows it", async () => {
    const rep = { r: [{ __typename: 'Customer', id: few.accountId }] };
    const before = await graphql<Record<string, any>>(subgraph.url, BILLING, rep); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(before.data!._entities[0].billing).toEqual({ onHold: false, holdReason: null });

    const r = await setHold(few.accountId, true, '  Overdue for 90 days  ');
    expect(r.errors).toBeUndefined();
    expect(r.data!.setCreditHold).toMatchObject({ onHold: true, holdReason: 'Overdue for 90 days', outstanding: { currency: 'EUR' } });
    expect(writeOperations(r.ops)).toEqual({ 'res.partner.write': 1 });
    expect(r.calls).toBe(4); // partner by ref, write, partner read fresh, open items (outstanding)
    expect(r.others).toBe(0);
    expect(r.extensions?.invalidate).toEqual([`Customer:${few.accountId}`]);
    expect(await partnerOf(few.odooPartnerId)).toMatchObject({ sale_warn: 'block', sale_warn_msg: 'Overdue for 90 days' });

    const after = await graphql<Record<string, any>>(subgraph.url, BILLING, rep); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(after.data!._entities[0].billing).toEqual({ onHold: true, holdReason: 'Overdue for 90 days' });

    // The same state again writes nothing.
    const again = await setHold(few.accountId, true, 'Overdue for 90 days');
    expect(again.data!.setCreditHold.onHold).toBe(true);
    expect(writeOperations(again.ops)).toEqual({});
  });

  it('lifts a hold: sale_warn back to no-message, message cleared', async () => {
    const r = await setHold(blocked.accountId, false, null);
    expect(r.errors).toBeUndefined();
    expect(r.data!.setCreditHold).toMatchObject({ onHold: false, holdReason: null });
    expect(writeOperations(r.ops)).toEqual({ 'res.partner.write': 1 });
    expect(await partnerOf(blocked.odooPartnerId)).toMatchObject({ sale_warn: 'no-message', sale_warn_msg: false });
  });

  it('replays a call with the same Idempotency-Key header without a second write, and refuses the key with another input', async () => {
    const key = { 'idempotency-key': 'hold-many-1' };
    const first = await setHold(many.accountId, true, 'Disputed invoice', key);
    expect(writeOperations(first.ops)).toEqual({ 'res.partner.write': 1 });
    const replay = await setHold(many.accountId, true, 'Disputed invoice', key);
    expect(replay.data).toEqual(first.data);
    expect(writeOperations(replay.ops)).toEqual({});
    const conflict = await setHold(many.accountId, false, null, key);
    expect(conflict.errors?.[0]?.extensions).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    expect(conflict.calls).toBe(0);
  });

  it('answers a customer without an ERP partner with NOT_FOUND naming the field, and no write', async () => {
    const r = await setHold(world.examples.noErpPartner, true, 'x');
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', field: 'customerId' });
    expect(writeOperations(r.ops)).toEqual({});
  });

  it.each([
    ['customerId', 'nope', 'x'],
    ['reason', few.accountId, 'r'.repeat(501)],
    ['reason', few.accountId, 'bell\u0007'],
  ])('refuses bad input at %s with BAD_USER_INPUT and no backend call', async (field, customerId, reason) => {
    const r = await setHold(customerId, true, reason);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(r.calls).toBe(0);
    expect(r.others).toBe(0);
  });

  it('refuses a caller without credit:write', async () => {
    principal = SALES;
    const r = await setHold(few.accountId, false);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(r.calls).toBe(0);
  });

  it('audits every call, failed ones included, without the reason text', async () => {
    const records = (await readAuditLog(auditPath)).filter((r) => r.operation === 'setCreditHold');
    expect(records.map((r) => r.outcome).sort()).toEqual([...expectedAudit].sort());
    expect(records.every((r) => /^[0-9a-f]{64}$/.test(r.inputDigest))).toBe(true);
    const text = await readFile(auditPath, 'utf8');
    expect(text).not.toContain('Overdue for 90 days');
    expect(text).not.toContain('Disputed invoice');
  });

  it('defaults to an in-process runner and the audit log at AUDIT_LOG_PATH', async () => {
    const path = join(auditDir, 'default.jsonl');
    const saved = process.env.AUDIT_LOG_PATH;
    process.env.AUDIT_LOG_PATH = path;
    const odoo = odooSandbox.connector('jsonrpc');
    const own = await (await createInvoicesSubgraph({ odoo, authenticate: () => principal })).listen(0);
    try {
      const r = await setHold(few.accountId, true, 'Default runner', {}, own.url);
      expect(r.errors).toBeUndefined();
    } finally {
      await own.close();
      if (saved === undefined) delete process.env.AUDIT_LOG_PATH;
      else process.env.AUDIT_LOG_PATH = saved;
    }
    const records = await readAuditLog(path);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ operation: 'setCreditHold', outcome: 'ok', targetIds: [few.accountId], backendRecordId: String(few.odooPartnerId) });
  });
});
