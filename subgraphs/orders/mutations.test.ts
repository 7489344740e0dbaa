/**
 * placeOrder and cancelOrder over real HTTP: the orders subgraph over the Odoo sandbox, with the
 * Salesforce sandbox as the reseller-ownership source and the Zendesk sandbox running to prove it
 * is never involved. Every mutation call of this file is checked against the audit log at the end.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ODOO_DB } from '../../sandbox/odoo/index.js';
import { createSalesforceSandbox, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET } from '../../sandbox/salesforce/index.js';
import type { RunningSandbox } from '../../sandbox/common/server.js';
import { buildSkeleton } from '../../sandbox/world/skeleton.js';
import { createZendeskSandbox } from '../../sandbox/zendesk/index.js';
import type { Principal } from '../../platform/authz/principal.js';
import { createRecordCache, type LruRecordCache } from '../shared/cache/index.js';
import { createSalesforceConnector } from '../shared/connectors/salesforce/index.js';
import { toSalesforceId18 } from '../../platform/ids/salesforce-id.js';
import { graphql, startOdooSandbox, writeOperations, type GraphQLResult, type OdooTestSandbox } from '../shared/connectors/odoo/test-harness.js';
import { createAuditLog, readAuditLog, type AuditLog } from '../../platform/audit/audit-log.js';
import { createIdempotencyStore } from '../shared/mutations/idempotency.js';
import { createMutationRunner, type MutationRunner } from '../shared/mutations/run-mutation.js';
import { sharedHttpClient, type HttpClient } from '../../platform/http/client.js';
import type { Ownership } from '../shared/ownership/ownership.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createOrdersSubgraph } from './index.js';

const world = buildSkeleton();
const few = world.byAccountId.get(world.examples.fewOrders)!;
const many = world.byAccountId.get(world.examples.manyOrders)!;
const blocked = world.byAccountId.get(world.examples.onSalesBlock)!;
const mine = world.byAccountId.get(world.examples.resellerCustomer)!;
const theirs = world.byAccountId.get(world.examples.otherResellerCustomer)!;
/** A well-formed Account Id that no system knows. */
const NOBODY = toSalesforceId18('001XX0000099999');
const SKU = 'BK-1001';
const OTHER_SKU = 'CP-1070';
const ARCHIVED_SKU = 'BK-1029';

const WRITER: Principal = {
  sub: 'sales-rep-1',
  roles: ['sales_rep'],
  scopes: new Set(['customer:read', 'customer:pii', 'customer:financials', 'customer:write', 'orders:read', 'orders:write', 'stock:read', 'invoices:read', 'credit:read']),
};
const RESELLER: Principal = {
  sub: 'reseller-user',
  roles: ['partner'],
  scopes: new Set(['customer:read', 'orders:read', 'orders:write', 'stock:read', 'invoices:read']),
  partnerId: world.examples.reseller,
};
const READ_ONLY: Principal = { sub: 'agent-1', roles: ['support_agent'], scopes: new Set(['customer:read', 'orders:read']) };

let odooSandbox: OdooTestSandbox;
let salesforce: RunningSandbox;
let zendesk: RunningSandbox;
let cache: LruRecordCache;
let auditDir: string;
let auditPath: string;
let log: AuditLog;
let runner: MutationRunner;
let subgraph: RunningSubgraph;
let principal: Principal = WRITER;
/** Every mutation call this file makes, with the outcome the audit log must show for it. */
const expectedAudit: { operation: string; outcome: string }[] = [];

beforeAll(async () => {
  odooSandbox = await startOdooSandbox();
  salesforce = await createSalesforceSandbox().listen(0, '127.0.0.1');
  zendesk = await createZendeskSandbox().listen(0, '127.0.0.1');
  const sf = createSalesforceConnector({ loginUrl: salesforce.url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET, apiVersion: '62.0', timeoutMs: 3000 });
  const ownership: Ownership = { partnerIdsByAccountIds: (ids) => sf.partnerIdsByAccountIds(ids) };
  auditDir = await mkdtemp(join(tmpdir(), 'orders-audit-'));
  auditPath = join(auditDir, 'audit.jsonl');
  log = createAuditLog({ path: auditPath });
  runner = createMutationRunner({ store: createIdempotencyStore({ keyPrefix: 'idem:orders-test' }), log });
  cache = createRecordCache({ tenant: ODOO_DB });
  const odoo = odooSandbox.connector('jsonrpc');
  await odoo.warehouses(); // authenticates outside the measured calls
  subgraph = await (await createOrdersSubgraph({ odoo, cache, authenticate: () => principal, ownership, mutations: { runner } })).listen(0);
});
afterAll(async () => {
  await subgraph?.close();
  await log?.close();
  cache?.close();
  await Promise.all([odooSandbox?.close(), salesforce?.close(), zendesk?.close()]);
  if (auditDir) await rm(auditDir, { recursive: true, force: true });
});
beforeEach(() => {
  principal = WRITER;
  odooSandbox.setFaults({});
});

type Answer = GraphQLResult<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
const post = (url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => graphql<Record<string, any>>(url, query, variables, headers); // eslint-disable-line @typescript-eslint/no-explicit-any
const rpc = <T>(model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) => odooSandbox.rpc<T>(model, method, args, kwargs);
const writes = writeOperations;

/** Calls of every sandbox made while `fn` ran, Odoo's by operation. */
async function measured<T>(fn: () => Promise<T>): Promise<{ result: T; odoo: Record<string, number>; odooCalls: number; others: number }> {
  const before = odooSandbox.byOperation();
  const calls = odooSandbox.calls();
  const othersBefore = salesforce.stats().calls + zendesk.stats().calls;
  const result = await fn();
  const after = odooSandbox.byOperation();
  const odoo = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v !== 0));
  return { result, odoo, odooCalls: odooSandbox.calls() - calls, others: salesforce.stats().calls + zendesk.stats().calls - othersBefore };
}

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  id number status clientReference amountTotal { amount currency } customer { id } lines { product { id } quantity } } }`;
const CANCEL = 'mutation($id: ID!) { cancelOrder(id: $id) { id number status } }';

/** Places an order, recording the audit outcome it must leave. */
async function place(input: Record<string, unknown>, headers: Record<string, string> = {}, url = subgraph.url): Promise<Answer> {
  const answer = await post(url, PLACE, { input }, headers);
  expectedAudit.push({ operation: 'placeOrder', outcome: (answer.errors?.[0]?.extensions?.code as string | undefined) ?? 'ok' });
  return answer;
}

async function cancel(id: string, headers: Record<string, string> = {}): Promise<Answer> {
  const answer = await post(subgraph.url, CANCEL, { id }, headers);
  expectedAudit.push({ operation: 'cancelOrder', outcome: (answer.errors?.[0]?.extensions?.code as string | undefined) ?? 'ok' });
  return answer;
}

describe('placeOrder', () => {
  it('creates and confirms the order in Odoo, writing nowhere else, and answers it read fresh', async () => {
    const { result: r, odoo, odooCalls, others } = await measured(() =>
      place({ customerId: few.accountId, lines: [{ sku: SKU, quantity: 2 }, { sku: OTHER_SKU, quantity: 5 }], clientReference: 'PO-SECRET-4711' }),
    );
    expect(r.errors).toBeUndefined();
    const order = r.data!.placeOrder;
    expect(order).toMatchObject({ status: 'CONFIRMED', clientReference: 'PO-SECRET-4711', customer: { id: few.accountId } });
    expect(order.number).toMatch(/^S\d{5}$/);
    expect(order.lines.map((l: { quantity: number }) => l.quantity)).toEqual([2, 5]);
    // Reads: partner by ref, products by SKU, the order and its lines; writes: create and confirm.
    expect(writes(odoo)).toEqual({ 'sale.order.create': 1, 'sale.order.action_confirm': 1 });
    expect(odooCalls).toBe(6);
    expect(others).toBe(0);

    const [stored] = await rpc<Record<string, unknown>[]>('sale.order', 'read', [[Number(order.id)]], { fields: ['partner_id', 'state', 'client_order_ref', 'origin', 'order_line'] });
    expect(stored).toMatchObject({ partner_id: [few.odooPartnerId, expect.any(String)], state: 'sale', client_order_ref: 'PO-SECRET-4711', origin: expect.stringMatching(/^c360-run:/) });
    const lines = await rpc<{ product_id: [number, string]; product_uom_qty: number }[]>('sale.order.line', 'search_read', [[['order_id', '=', Number(order.id)]]], { fields: ['product_id', 'product_uom_qty'] });
    expect(lines.map((l) => [l.product_id[1].slice(1, 8), l.product_uom_qty])).toEqual([[SKU, 2], [OTHER_SKU, 5]]);
    const pickings = await rpc<number>('stock.picking', 'search_count', [[['sale_id', '=', Number(order.id)]]]);
    expect(pickings).toBe(1);
  });

  it('creates exactly one order for 20 concurrent calls with one key, and refuses the key with another input', async () => {
    const input = { customerId: many.accountId, lines: [{ sku: SKU, quantity: 1 }], clientReference: 'PO-CONCURRENT', idempotencyKey: 'key-concurrent-1' };
    const { result: answers, odoo, others } = await measured(() => Promise.all(Array.from({ length: 20 }, () => place(input))));
    expect(answers.map((a) => a.errors)).toEqual(Array(20).fill(undefined));
    const ids = new Set(answers.map((a) => a.data!.placeOrder.id));
    expect(ids.size).toBe(1);
    expect(writes(odoo)).toEqual({ 'sale.order.create': 1, 'sale.order.action_confirm': 1 });
    expect(others).toBe(0);
    const [id] = [...ids];
    expect(await rpc<number>('sale.order', 'search_count', [[['client_order_ref', '=', 'PO-CONCURRENT']]])).toBe(1);
    // The idempotency reference is in Odoo's origin field, the client reference untouched.
    const [stored] = await rpc<{ origin: string }[]>('sale.order', 'read', [[Number(id)]], { fields: ['origin'] });
    expect(stored!.origin).toMatch(/^c360-idem:[0-9a-f]{40}$/);

    // The same key through the Idempotency-Key header answers the same order, without a write.
    const { result: viaHeader, odoo: headerOps } = await measured(() => place({ ...input, idempotencyKey: undefined }, { 'idempotency-key': 'key-concurrent-1' }));
    expect(viaHeader.data!.placeOrder.id).toBe(id);
    expect(writes(headerOps)).toEqual({});

    const { result: conflict, odoo: conflictOps } = await measured(() => place({ ...input, lines: [{ sku: SKU, quantity: 2 }] }));
    expect(conflict.errors?.[0]?.extensions).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', reason: 'INPUT_MISMATCH' });
    expect(conflictOps).toEqual({});
  });

  it('answers BACKEND_UNAVAILABLE when the create times out, and the retry with the key returns the committed order', async () => {
    // A connector that times out after 300 ms; the sandbox delays the create (only) by 600 ms, then commits it.
    let armed = true;
    const slowCreate: HttpClient = async (url, init) => {
      const slow = armed && typeof init.body === 'string' && init.body.includes('"sale.order","create"');
      if (!slow) return sharedHttpClient()(url, init);
      armed = false;
      odooSandbox.setFaults({ latencyMs: 600 });
      const answer = sharedHttpClient()(url, init);
      // The sandbox reads the faults when the request arrives; later calls (the lookup) run at full speed.
      setTimeout(() => odooSandbox.setFaults({}), 50);
      return answer;
    };
    const odoo = odooSandbox.connector('jsonrpc', { timeoutMs: 300, http: slowCreate });
    await odoo.warehouses();
    const slow = await (await createOrdersSubgraph({ odoo, cache, authenticate: () => principal, mutations: { runner } })).listen(0);
    try {
      const input = { customerId: few.accountId, lines: [{ sku: OTHER_SKU, quantity: 3 }], clientReference: 'PO-TIMEOUT', idempotencyKey: 'key-timeout-1' };
      const creates = () => odooSandbox.byOperation()['sale.order.create'] ?? 0;
      const createsBefore = creates();
      const first = await place(input, {}, slow.url);
      expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', system: 'odoo' });
      expect(first.data?.placeOrder ?? null).toBeNull();
      // The order commits after the client gave up.
      for (let i = 0; i < 100 && creates() === createsBefore; i++) await new Promise((r) => setTimeout(r, 20));
      expect(creates()).toBe(createsBefore + 1);

      const { result: retry, odoo: ops } = await measured(() => place(input, {}, slow.url));
      expect(retry.errors).toBeUndefined();
      expect(retry.data!.placeOrder).toMatchObject({ status: 'CONFIRMED', clientReference: 'PO-TIMEOUT' });
      // Found by its reference and confirmed: no second create.
      expect(writes(ops)).toEqual({ 'sale.order.action_confirm': 1 });
      expect(await rpc<number>('sale.order', 'search_count', [[['client_order_ref', '=', 'PO-TIMEOUT']]])).toBe(1);
      const again = await place(input, {}, slow.url);
      expect(again.data!.placeOrder.id).toBe(retry.data!.placeOrder.id);
      expect(creates()).toBe(createsBefore + 1);
    } finally {
      await slow.close();
    }
  });

  it('refuses a customer on sales block with the hold message and no create', async () => {
    const { result: r, odoo, others } = await measured(() => place({ customerId: blocked.accountId, lines: [{ sku: SKU, quantity: 1 }] }));
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_REJECTED', system: 'odoo', reason: 'SALES_BLOCK' });
    expect(r.errors?.[0]?.message).toMatch(/Credit hold: overdue invoices/);
    expect(writes(odoo)).toEqual({});
    expect(others).toBe(0);
  });

  it('refuses unknown and archived SKUs, naming the line, with no create', async () => {
    for (const [sku, index] of [['ZZ-9999', 1], [ARCHIVED_SKU, 0]] as const) {
      const lines = index === 1 ? [{ sku: SKU, quantity: 1 }, { sku, quantity: 1 }] : [{ sku, quantity: 1 }];
      const { result: r, odoo } = await measured(() => place({ customerId: few.accountId, lines }));
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_REJECTED', system: 'odoo', field: `input.lines[${index}].sku`, sku });
      expect(writes(odoo)).toEqual({});
    }
  });

  it('answers a customer without an ERP partner with NOT_FOUND naming the field', async () => {
    const { result: r, odoo } = await measured(() => place({ customerId: world.examples.noErpPartner, lines: [{ sku: SKU, quantity: 1 }] }));
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', field: 'input.customerId' });
    expect(writes(odoo)).toEqual({});
  });

  it.each([
    ['input.customerId', { customerId: 'not-an-id', lines: [{ sku: SKU, quantity: 1 }] }],
    ['input.lines', { customerId: few.accountId, lines: [] }],
    ['input.lines', { customerId: few.accountId, lines: Array.from({ length: 101 }, () => ({ sku: SKU, quantity: 1 })) }],
    ['input.lines[1].sku', { customerId: few.accountId, lines: [{ sku: SKU, quantity: 1 }, { sku: "BK' OR 1=1", quantity: 1 }] }],
    ['input.lines[0].sku', { customerId: few.accountId, lines: [{ sku: 'X'.repeat(65), quantity: 1 }] }],
    ['input.lines[0].quantity', { customerId: few.accountId, lines: [{ sku: SKU, quantity: 0 }] }],
    ['input.lines[0].quantity', { customerId: few.accountId, lines: [{ sku: SKU, quantity: -3 }] }],
    ['input.lines[0].quantity', { customerId: few.accountId, lines: [{ sku: SKU, quantity: 100_001 }] }],
    ['input.clientReference', { customerId: few.accountId, lines: [{ sku: SKU, quantity: 1 }], clientReference: 'R'.repeat(65) }],
    ['input.idempotencyKey', { customerId: few.accountId, lines: [{ sku: SKU, quantity: 1 }], idempotencyKey: 'k'.repeat(201) }],
    ['input.idempotencyKey', { customerId: few.accountId, lines: [{ sku: SKU, quantity: 1 }], idempotencyKey: '' }],
  ])('refuses bad input at %s with BAD_USER_INPUT and no backend call', async (field, input) => {
    const { result: r, odooCalls, others } = await measured(() => place(input));
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(odooCalls).toBe(0);
    expect(others).toBe(0);
  });

  it('refuses a key in the argument that differs from the Idempotency-Key header', async () => {
    const r = await place({ customerId: few.accountId, lines: [{ sku: SKU, quantity: 1 }], idempotencyKey: 'a' }, { 'idempotency-key': 'b' });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.idempotencyKey' });
  });

  it('refuses a caller without orders:write, audited', async () => {
    principal = READ_ONLY;
    const { result: r, odooCalls } = await measured(() => place({ customerId: few.accountId, lines: [{ sku: SKU, quantity: 1 }] }));
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(odooCalls).toBe(0);
  });

  it("answers a reseller placing an order for another reseller's customer exactly as for an unknown customer, writing nothing", async () => {
    principal = RESELLER;
    const line = [{ sku: SKU, quantity: 1 }];
    const { result: other, odooCalls } = await measured(() => place({ customerId: theirs.accountId, lines: line }));
    const unknown = await place({ customerId: NOBODY, lines: line });
    expect(other.errors).toHaveLength(1);
    expect(other.errors).toEqual(unknown.errors);
    expect(other.data).toEqual(unknown.data);
    expect(odooCalls).toBe(0);
    principal = WRITER;
    const direct = await place({ customerId: world.examples.noErpPartner, lines: line });
    expect(direct.errors?.map((e) => [e.message, e.extensions])).toEqual(other.errors?.map((e) => [e.message, e.extensions]));

    principal = RESELLER;
    const own = await place({ customerId: mine.accountId, lines: line });
    expect(own.errors).toBeUndefined();
    expect(own.data!.placeOrder.customer).toEqual({ id: mine.accountId });
  });

  it("shows the new order in the customer's cached order list, and names what changed in extensions.invalidate", async () => {
    const list = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { orders(first: 50) { totalCount edges { node { id } } } } } }`;
    const rep = { r: [{ __typename: 'Customer', id: few.accountId }] };
    const before = await post(subgraph.url, list, rep);
    const { odooCalls: cachedCalls } = await measured(() => post(subgraph.url, list, rep));
    expect(cachedCalls).toBe(0); // served by the record cache
    const placed = await place({ customerId: few.accountId, lines: [{ sku: SKU, quantity: 1 }] });
    const id = placed.data!.placeOrder.id as string;
    expect(placed.extensions?.invalidate).toEqual(expect.arrayContaining([`Order:${id}`, `Customer:${few.accountId}`, 'Product:1']));
    const after = await post(subgraph.url, list, rep);
    const conn = after.data!._entities[0].orders;
    expect(conn.totalCount).toBe(before.data!._entities[0].orders.totalCount + 1);
    expect(conn.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(id);
  });
});

describe('cancelOrder', () => {
  it('cancels in Odoo with action_cancel only, and refuses a second cancellation', async () => {
    const placed = await place({ customerId: few.accountId, lines: [{ sku: OTHER_SKU, quantity: 1 }] });
    const id = placed.data!.placeOrder.id as string;
    const { result: r, odoo, others, odooCalls } = await measured(() => cancel(id));
    expect(r.errors).toBeUndefined();
    // Reads: the order; after action_cancel the order, its lines (released stock) and its partner (the Customer tag, unless cached).
    expect(odooCalls).toBeGreaterThanOrEqual(4);
    expect(odooCalls).toBeLessThanOrEqual(5);
    expect(r.data!.cancelOrder).toMatchObject({ id, status: 'CANCELLED' });
    expect(writes(odoo)).toEqual({ 'sale.order.action_cancel': 1 });
    expect(others).toBe(0);
    expect(r.extensions?.invalidate).toEqual(expect.arrayContaining([`Order:${id}`, `Customer:${few.accountId}`]));
    const [stored] = await rpc<{ state: string }[]>('sale.order', 'read', [[Number(id)]], { fields: ['state'] });
    expect(stored!.state).toBe('cancel');
    const pickings = await rpc<{ state: string }[]>('stock.picking', 'search_read', [[['sale_id', '=', Number(id)]]], { fields: ['state'] });
    expect(pickings.map((p) => p.state)).toEqual(['cancel']);

    const { result: again, odoo: againOps } = await measured(() => cancel(id));
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_REJECTED', system: 'odoo', reason: 'ALREADY_CANCELLED' });
    expect(writes(againOps)).toEqual({});
  });

  it("shows the cancellation in the customer's cached order list, whose read primed the order records", async () => {
    const placed = await place({ customerId: few.accountId, lines: [{ sku: OTHER_SKU, quantity: 1 }] });
    const id = placed.data!.placeOrder.id as string;
    const list = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { orders(first: 50) { edges { node { id number status } } } } } }`;
    const rep = { r: [{ __typename: 'Customer', id: few.accountId }] };
    const statusOf = (r: Answer) => r.data!._entities[0].orders.edges.find((e: { node: { id: string } }) => e.node.id === id)?.node.status;
    expect(statusOf(await post(subgraph.url, list, rep))).toBe('CONFIRMED');
    const { odooCalls } = await measured(() => post(subgraph.url, list, rep));
    expect(odooCalls).toBe(0); // the list and its primed records come from the record cache
    expect((await cancel(id)).errors).toBeUndefined();
    expect(statusOf(await post(subgraph.url, list, rep))).toBe('CANCELLED');
    // By number too (a case's order): the name lookup was primed by the list and is evicted by the cancellation.
    const byNumber = await post(subgraph.url, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status } } }`, {
      r: [{ __typename: 'Order', number: placed.data!.placeOrder.number }],
    });
    expect(byNumber.data!._entities[0]).toEqual({ id, status: 'CANCELLED' });
  });

  it("passes Odoo's refusal of a locked order on as BACKEND_REJECTED", async () => {
    const [target] = await rpc<number[]>('sale.order', 'search', [[['partner_id', '=', many.odooPartnerId], ['state', '=', 'sale']]], { limit: 1 });
    await rpc('sale.order', 'write', [[target], { locked: true }]);
    const { result: r, odoo } = await measured(() => cancel(String(target)));
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_REJECTED', system: 'odoo' });
    expect(r.errors?.[0]?.message).toMatch(/locked/);
    expect(writes(odoo)).toEqual({ 'sale.order.action_cancel': 1 });
    const [stored] = await rpc<{ state: string }[]>('sale.order', 'read', [[target]], { fields: ['state'] });
    expect(stored!.state).toBe('sale');
  });

  it("answers a reseller cancelling another reseller's order exactly as an unknown order, and refuses bad ids", async () => {
    principal = RESELLER;
    const { result: other, odoo } = await measured(() => cancel(String(theirs.orders[0]!.odooId)));
    const unknown = await cancel('999999');
    expect(other.errors?.map((e) => [e.message, e.extensions])).toEqual(unknown.errors?.map((e) => [e.message, e.extensions]));
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(writes(odoo)).toEqual({});
    const { result: bad, odooCalls } = await measured(() => cancel('12abc'));
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(odooCalls).toBe(0);
  });
});

describe('audit log', () => {
  it('holds one record per mutation call of this file, failed ones included, without raw input, and survives a new log instance', async () => {
    const records = await readAuditLog(auditPath);
    const count = (list: { operation: string; outcome: string }[]) => {
      const m = new Map<string, number>();
      for (const r of list) m.set(`${r.operation} ${r.outcome}`, (m.get(`${r.operation} ${r.outcome}`) ?? 0) + 1);
      return Object.fromEntries([...m].sort());
    };
    expect(count(records)).toEqual(count(expectedAudit));
    expect(records.every((r) => /^[0-9a-f]{64}$/.test(r.inputDigest) && r.ownerSystem === 'odoo')).toBe(true);
    expect(records.filter((r) => r.outcome === 'ok').every((r) => r.backendRecordId !== null)).toBe(true);
    const concurrent = records.filter((r) => r.idempotencyKey === 'key-concurrent-1' && r.outcome === 'ok');
    expect(concurrent.filter((r) => r.replayed === false)).toHaveLength(1);
    const text = await readFile(auditPath, 'utf8');
    expect(text).not.toContain('PO-SECRET-4711');
    expect(text).not.toContain(SKU);

    // A new instance (a restarted process) appends; nothing is lost.
    const reopened = createAuditLog({ path: auditPath });
    const next = createMutationRunner({ store: createIdempotencyStore({ keyPrefix: 'idem:orders-test-2' }), log: reopened });
    await next.run({ operation: 'cancelOrder', ownerSystem: 'odoo', principal: WRITER, targetIds: ['1'], input: { id: 1 }, attempt: async () => 'x' });
    await reopened.close();
    const all = await readAuditLog(auditPath);
    expect(all).toHaveLength(records.length + 1);
    expect(all.slice(0, records.length)).toEqual(records);
  });
});
