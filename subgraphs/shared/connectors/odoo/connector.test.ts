import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSkeleton } from '../../../../sandbox/world/skeleton.js';
import { ARCHIVED_PRODUCT_IDS } from '../../../../sandbox/odoo/index.js';
import { isBackendError } from '../../../../platform/errors/backend-error.js';
import type { OdooConnector } from './connector.js';
import { startOdooSandbox, type OdooTestSandbox } from './test-harness.js';

const world = buildSkeleton();
const many = world.byAccountId.get(world.examples.manyOrders)!;
const few = world.byAccountId.get(world.examples.fewOrders)!;
const blocked = world.byAccountId.get(world.examples.onSalesBlock)!;

let sandbox: OdooTestSandbox;
beforeAll(async () => {
  sandbox = await startOdooSandbox();
});
afterAll(() => sandbox?.close());

describe.each(['jsonrpc', 'json2'] as const)('Odoo connector over %s', (protocol) => {
  let odoo: OdooConnector;
  beforeEach(async () => {
    sandbox.setFaults({});
    odoo = sandbox.connector(protocol, { readRetries: 0 });
    await odoo.warehouses(); // authenticates (JSON-RPC) outside the measured calls
  });

  /** Runs `fn`, asserting it cost exactly one backend call. */
  async function oneCall<T>(fn: () => Promise<T>): Promise<T> {
    const before = sandbox.calls();
    const result = await fn();
    expect(sandbox.calls() - before).toBe(1);
    return result;
  }

  it('reads partners by crosswalk ref and by id, one call each', async () => {
    const partners = await oneCall(() => odoo.partnersByRefs([many.accountId, few.accountId, few.accountId, world.examples.noErpPartner]));
    expect([...partners.keys()].sort()).toEqual([many.accountId, few.accountId].sort());
    expect(partners.get(many.accountId)?.id).toBe(many.odooPartnerId);
    const byId = await oneCall(() => odoo.partnersByIds([many.odooPartnerId, blocked.odooPartnerId, 999_999]));
    expect(byId.get(blocked.odooPartnerId)?.sale_warn).toBe('block');
    expect(byId.get(many.odooPartnerId)?.ref).toBe(many.accountId);
    expect(byId.has(999_999)).toBe(false);
  });

  it('reads orders by ids and names, and order ids per partner newest first', async () => {
    const ids = many.orders.map((o) => o.odooId);
    const orders = await oneCall(() => odoo.ordersByIds([...ids, ids[0]!, 999_999]));
    expect(orders.size).toBe(30);
    expect(orders.get(ids[0]!)?.name).toBe(many.orders[0]!.number);
    const byName = await oneCall(() => odoo.ordersByNames([few.orders[0]!.number, 'S99999']));
    expect([...byName.keys()]).toEqual([few.orders[0]!.number]);
    const lists = await oneCall(() => odoo.orderIdsByPartnerIds([many.odooPartnerId, few.odooPartnerId, 999_999]));
    expect(new Set(lists.get(many.odooPartnerId))).toEqual(new Set(ids));
    expect(lists.get(few.odooPartnerId)).toHaveLength(2);
    expect(lists.get(999_999)).toEqual([]);
    const dates = lists.get(many.odooPartnerId)!.map((id) => orders.get(id)!.date_order as string);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it('reads order lines, products by id and SKU, quants and warehouses', async () => {
    const order = (await odoo.ordersByIds([many.orders[0]!.odooId])).get(many.orders[0]!.odooId)!;
    const lines = await oneCall(() => odoo.orderLinesByIds(order.order_line));
    expect(lines.size).toBe(order.order_line.length);
    const products = await oneCall(() => odoo.productsByIds([1, 2, 150, 151]));
    expect([...products.keys()].sort((a, b) => a - b)).toEqual([1, 2, 150]);
    const sku = products.get(1)!.default_code as string;
    const bySku = await oneCall(() => odoo.productsBySkus([sku, 'NO-SUCH-SKU']));
    expect(bySku.get(sku)?.id).toBe(1);
    const quants = await oneCall(() => odoo.quantsByProductIds([1, 2]));
    expect(quants.get(1)!.length).toBeGreaterThan(0);
    for (const q of quants.get(1)!) expect(Array.isArray(q.warehouse_id)).toBe(true);
    const warehouses = await oneCall(() => odoo.warehouses());
    expect(warehouses.map((w) => w.code)).toEqual(['WH', 'EU2']);
  });

  it('reads archived products by id (old orders name them) and by SKU only when asked; the catalog hides them', async () => {
    const byId = await oneCall(() => odoo.productsByIds([...ARCHIVED_PRODUCT_IDS, 1]));
    expect([...byId.keys()].sort((a, b) => a - b)).toEqual([1, ...ARCHIVED_PRODUCT_IDS]);
    for (const id of ARCHIVED_PRODUCT_IDS) expect(byId.get(id)).toMatchObject({ id, active: false, name: expect.any(String) });
    expect(byId.get(1)?.active).toBe(true);
    const archivedSku = byId.get(ARCHIVED_PRODUCT_IDS[0]!)!.default_code as string;
    const activeSku = byId.get(1)!.default_code as string;
    const catalog = await oneCall(() => odoo.productsBySkus([archivedSku, activeSku]));
    expect([...catalog.keys()]).toEqual([activeSku]);
    const lookup = await oneCall(() => odoo.productsBySkus([archivedSku, activeSku], { includeArchived: true }));
    expect(lookup.get(archivedSku)?.id).toBe(ARCHIVED_PRODUCT_IDS[0]);
    expect(lookup.get(activeSku)?.id).toBe(1);
    // A SKU reused by a newer active product: the active one wins.
    const newer = ARCHIVED_PRODUCT_IDS[0]! + 1;
    const ownSku = (await odoo.productsByIds([newer])).get(newer)!.default_code;
    await sandbox.rpc('product.product', 'write', [[newer], { default_code: archivedSku }]);
    try {
      expect((await odoo.productsBySkus([archivedSku], { includeArchived: true })).get(archivedSku)?.id).toBe(newer);
    } finally {
      await sandbox.rpc('product.product', 'write', [[newer], { default_code: ownSku }]);
    }
  });

  it('reads pickings per order and invoices by id, name, partner, order and open items', async () => {
    const orderIds = many.orders.map((o) => o.odooId);
    const pickings = await oneCall(() => odoo.pickingsByOrderIds(orderIds));
    expect(pickings.size).toBe(30);
    const all = [...pickings.values()].flat();
    expect(all.length).toBeGreaterThan(0);
    for (const p of all) expect(p.picking_type_code).toBe('outgoing');

    const moveIds = await oneCall(() => odoo.moveIdsByPartnerIds([many.odooPartnerId]));
    const ids = moveIds.get(many.odooPartnerId)!;
    expect(ids.length).toBeGreaterThan(0);
    const moves = await oneCall(() => odoo.movesByIds(ids));
    expect(moves.size).toBe(ids.length);
    const named = [...moves.values()].find((m) => typeof m.name === 'string' && m.name !== '/')!;
    const byName = await oneCall(() => odoo.movesByNames([named.name as string]));
    expect(byName.get(named.name as string)?.id).toBe(named.id);
    const byOrder = await oneCall(() => odoo.movesByOrderNames(many.orders.map((o) => o.number)));
    expect([...byOrder.values()].flat().length).toBeGreaterThan(0);
    const open = await oneCall(() => odoo.openItemsByPartnerIds([many.odooPartnerId, few.odooPartnerId]));
    for (const m of [...open.values()].flat()) {
      expect(m.state).toBe('posted');
      expect(m.amount_residual).not.toBe(0);
    }
  });

  it('reads a partner\'s orders and invoices as lists with their canonical records, one call each', async () => {
    const partners = [many.odooPartnerId, few.odooPartnerId, 999_999];
    const orderIds = await odoo.orderIdsByPartnerIds(partners);
    const orders = await oneCall(() => odoo.ordersByPartnerIds(partners));
    for (const p of partners) expect(orders.get(p)!.map((o) => o.id)).toEqual(orderIds.get(p));
    const order = orders.get(many.odooPartnerId)![0]!;
    expect(order).toEqual((await odoo.ordersByIds([order.id])).get(order.id));

    const moveIds = await odoo.moveIdsByPartnerIds(partners);
    const moves = await oneCall(() => odoo.movesByPartnerIds(partners));
    for (const p of partners) expect(moves.get(p)!.map((m) => m.id)).toEqual(moveIds.get(p));
    const move = moves.get(many.odooPartnerId)![0]!;
    expect(move).toEqual((await odoo.movesByIds([move.id])).get(move.id));
    // The open items are the list's posted moves with a residual.
    const open = (await odoo.openItemsByPartnerIds([many.odooPartnerId])).get(many.odooPartnerId)!;
    const derived = moves.get(many.odooPartnerId)!.filter((m) => m.state === 'posted' && m.amount_residual !== 0);
    expect(new Set(derived.map((m) => m.id))).toEqual(new Set(open.map((m) => m.id)));
  });

  it('makes no call for empty batches', async () => {
    const before = sandbox.calls();
    await Promise.all([odoo.ordersByIds([]), odoo.partnersByRefs([]), odoo.movesByOrderNames([]), odoo.quantsByProductIds([]), odoo.ordersByPartnerIds([]), odoo.movesByPartnerIds([])]);
    expect(sandbox.calls()).toBe(before);
  });

  it('maps a wrong API key to UNAUTHENTICATED without leaking the key', async () => {
    const bad = sandbox.connector(protocol, { apiKey: 'wrong-key-123', readRetries: 0 });
    const err = await bad.ordersByIds([1]).catch((e: unknown) => e);
    expect(isBackendError(err) && err.code).toBe('UNAUTHENTICATED');
    expect((err as Error).message).not.toContain('wrong-key-123');
  });

  it('maps a missing record on write to NOT_FOUND and an unknown model to a coded error', async () => {
    await expect(odoo.call('sale.order', 'write', [[999_999], { client_order_ref: 'x' }])).rejects.toMatchObject({ backend: 'odoo', code: 'NOT_FOUND' });
    const err = await odoo.call('no.such.model', 'search_read', [], { domain: [] }).catch((e: unknown) => e);
    expect(isBackendError(err) && ['REJECTED', 'NOT_FOUND'].includes(err.code)).toBe(true);
  });

  it('creates, confirms and cancels an order, and sets a sales block (writes, one call each)', async () => {
    try {
      const id = await oneCall(() => odoo.createOrder({ partnerId: few.odooPartnerId, lines: [{ productId: 1, quantity: 2 }], clientOrderRef: 'PO-TEST-1' }));
      let order = (await odoo.ordersByIds([id])).get(id)!;
      expect(order).toMatchObject({ state: 'draft', client_order_ref: 'PO-TEST-1' });
      expect(order.order_line).toHaveLength(1);
      await oneCall(() => odoo.confirmOrder(id));
      order = (await odoo.ordersByIds([id])).get(id)!;
      expect(order.state).toBe('sale');
      expect((await odoo.pickingsByOrderIds([id])).get(id)!.length).toBe(1);
      await oneCall(() => odoo.cancelOrder(id));
      expect((await odoo.ordersByIds([id])).get(id)!.state).toBe('cancel');
      await oneCall(() => odoo.setSalesWarn(few.odooPartnerId, 'block', 'Overdue balance'));
      expect((await odoo.partnersByIds([few.odooPartnerId])).get(few.odooPartnerId)).toMatchObject({ sale_warn: 'block', sale_warn_msg: 'Overdue balance' });
    } finally {
      sandbox.reset();
    }
  });

  it('times out slow calls as UNAVAILABLE and maps the rate limit to RATE_LIMITED', async () => {
    const impatient = sandbox.connector(protocol, { timeoutMs: 100, readRetries: 0 });
    await impatient.warehouses();
    sandbox.setFaults({ latencyMs: 400 });
    try {
      await expect(impatient.ordersByIds([1])).rejects.toMatchObject({ backend: 'odoo', code: 'UNAVAILABLE' });
      // The abandoned request is still served (and counted) once its latency has passed.
      await new Promise((r) => setTimeout(r, 450));
      sandbox.setFaults({ rateLimit: { perSecond: 1 } });
      const results = await Promise.allSettled([odoo.ordersByIds([1]), odoo.ordersByIds([2]), odoo.ordersByIds([3])]);
      const limited = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      expect(limited?.reason).toMatchObject({ backend: 'odoo', code: 'RATE_LIMITED' });
      expect(limited?.reason.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    } finally {
      sandbox.setFaults({});
    }
  });

  it('retries reads through transient server errors', async () => {
    const patient = sandbox.connector(protocol, { readRetries: 6 });
    await patient.warehouses();
    sandbox.setFaults({ errorRate: 0.3 });
    try {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => patient.ordersByIds([i + 1])));
      expect(results.every((m) => m.size === 1)).toBe(true);
    } finally {
      sandbox.setFaults({});
    }
  });

  it('maps a backend that is down to UNAVAILABLE', async () => {
    sandbox.setFaults({ down: true });
    try {
      await expect(odoo.ordersByIds([1])).rejects.toMatchObject({ backend: 'odoo', code: 'UNAVAILABLE' });
    } finally {
      sandbox.setFaults({});
    }
  });
});
