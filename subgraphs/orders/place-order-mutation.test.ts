/**
 * placeOrder over real HTTP (the shared setup is mutations-fixtures.ts): the order written to Odoo
 * and nowhere else, idempotency keys, timeouts, refusals and the record cache. Every mutation call of
 * this file is checked against this file's audit log at the end.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readAuditLog } from '../../platform/audit/audit-log.js';
import { type HttpClient, sharedHttpClient } from '../../platform/http/client.js';
import { createOrdersSubgraph } from './index.js';
import {
  ARCHIVED_SKU,
  blocked,
  countByOperationAndOutcome,
  few,
  many,
  mine,
  NOBODY,
  OTHER_SKU,
  READ_ONLY,
  RESELLER,
  SKU,
  startMutationsFixture, writeThroughReopenedLog,
  theirs,
  world,
  WRITER,
  writes,
} from './mutations-fixtures.js';

const fx = startMutationsFixture();
const { measured, place, post, rpc } = fx;

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
      fx.odooSandbox.setFaults({ latencyMs: 600 });
      const answer = sharedHttpClient()(url, init);
      // The sandbox reads the faults when the request arrives; later calls (the lookup) run at full speed.
      setTimeout(() => fx.odooSandbox.setFaults({}), 50);
      return answer;
    };
    const odoo = fx.odooSandbox.connector('jsonrpc', { timeoutMs: 300, http: slowCreate });
    await odoo.warehouses();
    const slow = await (await createOrdersSubgraph({ odoo, cache: fx.cache, authenticate: () => fx.principal, mutations: { runner: fx.runner } })).listen(0);
    try {
      const input = { customerId: few.accountId, lines: [{ sku: OTHER_SKU, quantity: 3 }], clientReference: 'PO-TIMEOUT', idempotencyKey: 'key-timeout-1' };
      const creates = () => fx.odooSandbox.byOperation()['sale.order.create'] ?? 0;
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
    fx.setPrincipal(READ_ONLY);
    const { result: r, odooCalls } = await measured(() => place({ customerId: few.accountId, lines: [{ sku: SKU, quantity: 1 }] }));
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(odooCalls).toBe(0);
  });

  it("answers a reseller placing an order for another reseller's customer exactly as for an unknown customer, writing nothing", async () => {
    fx.setPrincipal(RESELLER);
    const line = [{ sku: SKU, quantity: 1 }];
    const { result: other, odooCalls } = await measured(() => place({ customerId: theirs.accountId, lines: line }));
    const unknown = await place({ customerId: NOBODY, lines: line });
    expect(other.errors).toHaveLength(1);
    expect(other.errors).toEqual(unknown.errors);
    expect(other.data).toEqual(unknown.data);
    expect(odooCalls).toBe(0);
    fx.setPrincipal(WRITER);
    const direct = await place({ customerId: world.examples.noErpPartner, lines: line });
    expect(direct.errors?.map((e) => [e.message, e.extensions])).toEqual(other.errors?.map((e) => [e.message, e.extensions]));

    fx.setPrincipal(RESELLER);
    const own = await place({ customerId: mine.accountId, lines: line });
    expect(own.errors).toBeUndefined();
    expect(own.data!.placeOrder.customer).toEqual({ id: mine.accountId });
  });

  it("shows the new order in the customer's cached order list, and names what changed in extensions.invalidate", async () => {
    const list = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { orders(first: 50) { totalCount edges { node { id } } } } } }`;
    const rep = { r: [{ __typename: 'Customer', id: few.accountId }] };
    const before = await post(fx.subgraph.url, list, rep);
    const { odooCalls: cachedCalls } = await measured(() => post(fx.subgraph.url, list, rep));
    expect(cachedCalls).toBe(0); // served by the record cache
    const placed = await place({ customerId: few.accountId, lines: [{ sku: SKU, quantity: 1 }] });
    const id = placed.data!.placeOrder.id as string;
    expect(placed.extensions?.invalidate).toEqual(expect.arrayContaining([`Order:${id}`, `Customer:${few.accountId}`, 'Product:1']));
    const after = await post(fx.subgraph.url, list, rep);
    const conn = after.data!._entities[0].orders;
    expect(conn.totalCount).toBe(before.data!._entities[0].orders.totalCount + 1);
    expect(conn.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(id);
  });
});

describe('audit log', () => {
  it('holds one record per mutation call of this file, failed ones included, without raw input, and survives a new log instance', async () => {
    const records = await readAuditLog(fx.auditPath);
    expect(countByOperationAndOutcome(records)).toEqual(countByOperationAndOutcome(fx.expectedAudit));
    expect(records.every((r) => /^[0-9a-f]{64}$/.test(r.inputDigest) && r.ownerSystem === 'odoo')).toBe(true);
    expect(records.filter((r) => r.outcome === 'ok').every((r) => r.backendRecordId !== null)).toBe(true);
    const concurrent = records.filter((r) => r.idempotencyKey === 'key-concurrent-1' && r.outcome === 'ok');
    expect(concurrent.filter((r) => r.replayed === false)).toHaveLength(1);
    const text = await readFile(fx.auditPath, 'utf8');
    expect(text).not.toContain('PO-SECRET-4711');
    expect(text).not.toContain(SKU);

    // A new instance (a restarted process) appends; nothing is lost.
    const all = await writeThroughReopenedLog(fx.auditPath);
    expect(all).toHaveLength(records.length + 1);
    expect(all.slice(0, records.length)).toEqual(records);
  });
});
