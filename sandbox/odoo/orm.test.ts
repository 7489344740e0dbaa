import { beforeEach, describe, expect, it } from 'vitest';
import { OdooError } from './errors.js';
import { OdooOrm } from './orm.js';
import { ARCHIVED_PRODUCT_IDS, buildOdooWorld, ORPHAN_PARTNER_REF } from './world.js';

const world = buildOdooWorld({ customers: 80, seed: 7 });
let orm: OdooOrm;
beforeEach(() => {
  orm = new OdooOrm(buildOdooWorld({ customers: 80, seed: 7 }));
});

const search = (model: string, domain: unknown[], ctx = {}) => orm.searchIds(model, domain, ctx);
const all = (model: string, pred: (r: Record<string, unknown>) => boolean) =>
  [...orm.table(model).rows.values()].filter((r) => pred(r) && r.active !== false).map((r) => r.id).sort((a, b) => a - b);
const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

/** A small fixture model content: partners 1..4 are well-known fixtures. */
function addPartners() {
  const a = orm.createOne('res.partner', { name: 'Alpha_Shop 100%', ref: 'REF-A', is_company: true, email: 'a@x.example' });
  const b = orm.createOne('res.partner', { name: 'alpha beta', ref: false, parent_id: a });
  const c = orm.createOne('res.partner', { name: 'Gamma', ref: 'REF-C', parent_id: b, active: false });
  return { a, b, c };
}

describe('domain language', () => {
  it('supports every comparison operator', () => {
    const { a, b } = addPartners();
    expect(search('res.partner', [['id', '=', a]])).toEqual([a]);
    expect(sorted(search('res.partner', [['ref', '!=', 'REF-A'], ['id', 'in', [a, b]]]))).toEqual([b]); // != matches unset
    const orders = (op: string, v: number) => sorted(search('sale.order', [['id', op, v]]));
    expect(orders('>', 10)).toEqual(all('sale.order', (r) => (r.id as number) > 10));
    expect(orders('>=', 10)).toEqual(all('sale.order', (r) => (r.id as number) >= 10));
    expect(orders('<', 10)).toEqual(all('sale.order', (r) => (r.id as number) < 10));
    expect(orders('<=', 10)).toEqual(all('sale.order', (r) => (r.id as number) <= 10));
    expect(search('res.partner', [['ref', '=?', false], ['id', '=', a]])).toEqual([a]); // =? with False is ignored
    expect(search('res.partner', [['ref', '=?', 'REF-A']])).toEqual([a]);
    expect(search('res.partner', [['name', 'like', 'lpha_S']])).toEqual([a]); // _ stays a wildcard
    expect(sorted(search('res.partner', [['name', 'ilike', 'ALPHA']]))).toEqual(sorted([a, b]));
    expect(search('res.partner', [['name', 'like', 'ALPHA']])).toEqual([]);
    expect(search('res.partner', [['name', '=like', 'Alpha%']])).toEqual([a]);
    expect(search('res.partner', [['name', '=ilike', 'alpha%'], ['id', 'in', [a, b]]]).sort()).toEqual(sorted([a, b]));
    expect(search('res.partner', [['name', 'not like', 'Alpha'], ['id', 'in', [a, b]]])).toEqual([b]);
    expect(search('res.partner', [['name', 'not ilike', 'alpha'], ['id', 'in', [a, b]]])).toEqual([]);
    expect(search('res.partner', [['name', 'ilike', '100%'], ['id', 'in', [a, b]]])).toEqual([a]);
    expect(sorted(search('res.partner', [['id', 'in', [a, b, 999_999]]]))).toEqual(sorted([a, b]));
    expect(search('res.partner', [['id', 'not in', [a]], ['id', 'in', [a, b]]])).toEqual([b]);
    expect(search('res.partner', [['id', 'in', []]])).toEqual([]);
  });

  it('treats =False as unset, for scalars and relations', () => {
    const { a, b } = addPartners();
    expect(search('res.partner', [['ref', '=', false], ['id', 'in', [a, b]]])).toEqual([b]);
    expect(search('res.partner', [['parent_id', '=', false], ['id', 'in', [a, b]]])).toEqual([a]);
    expect(search('res.partner', [['parent_id', '!=', false], ['id', 'in', [a, b]]])).toEqual([b]);
    expect(search('res.partner', [['child_ids', '!=', false], ['id', 'in', [a, b]]])).toEqual([a]);
  });

  it('supports prefix &, |, ! and implicit &', () => {
    const { a, b } = addPartners();
    expect(sorted(search('res.partner', ['|', ['id', '=', a], ['id', '=', b]]))).toEqual(sorted([a, b]));
    expect(search('res.partner', ['&', ['id', 'in', [a, b]], '!', ['id', '=', a]])).toEqual([b]);
    expect(search('res.partner', ['|', ['id', '=', a], ['id', '=', b], ['ref', '=', 'REF-A']])).toEqual([a]);
    expect(search('res.partner', ['!', '|', ['id', '=', a], ['ref', '!=', 'x'], ['id', 'in', [a, b]]])).toEqual([]);
  });

  it('follows dotted paths and any / not any', () => {
    const customer = world.skeleton.customers[0]!;
    const viaRef = search('sale.order', [['partner_id.ref', '=', customer.accountId]]);
    expect(sorted(viaRef)).toEqual(sorted(customer.orders.map((o) => o.odooId)));
    expect(sorted(search('sale.order', [['partner_id', 'any', [['ref', '=', customer.accountId]]]]))).toEqual(sorted(viaRef));
    const withBikes = search('sale.order', [['order_line.product_id.default_code', '=like', 'BK-%']]);
    const noBikes = search('sale.order', [['order_line', 'not any', [['product_id.default_code', '=like', 'BK-%']]]]);
    expect(withBikes.length + noBikes.length).toBe(orm.count('sale.order'));
    expect(withBikes.filter((id) => noBikes.includes(id))).toEqual([]);
    // a many2one given a name searches the comodel by name
    expect(sorted(search('sale.order', [['partner_id', '=', customer.name]]))).toEqual(sorted(viaRef));
  });

  it('supports child_of and parent_of', () => {
    const { a, b, c } = addPartners();
    expect(sorted(search('res.partner', [['id', 'child_of', a]], { active_test: false }))).toEqual(sorted([a, b, c]));
    expect(sorted(search('res.partner', [['id', 'child_of', a]]))).toEqual(sorted([a, b]));
    expect(sorted(search('res.partner', [['id', 'parent_of', c]], { active_test: false }))).toEqual(sorted([a, b, c]));
    expect(sorted(search('stock.location', [['id', 'child_of', 7]]))).toEqual([7, 8]);
  });

  it('hides archived records unless the domain names active or active_test is false', () => {
    expect(search('product.product', [])).toHaveLength(150 - ARCHIVED_PRODUCT_IDS.length);
    expect(search('product.product', [], { active_test: false })).toHaveLength(150);
    expect(sorted(search('product.product', [['active', '=', false]]))).toEqual(ARCHIVED_PRODUCT_IDS);
    expect(orm.read('product.product', [ARCHIVED_PRODUCT_IDS[0]!], ['active'])).toEqual([{ id: ARCHIVED_PRODUCT_IDS[0], active: false }]);
  });

  it('rejects malformed domains with ValueError', () => {
    const err = (domain: unknown) => {
      try {
        search('res.partner', domain as unknown[]);
      } catch (e) {
        return e as OdooError;
      }
      throw new Error('no error');
    };
    expect(err([['name', 'bogus', 'x']])).toMatchObject({ exceptionName: 'builtins.ValueError', message: "Invalid leaf ('name', 'bogus', 'x')" });
    expect(err(['|', ['name', '=', 'x']]).exceptionName).toBe('builtins.ValueError');
    expect(err([['nope', '=', 1]]).message).toContain('Invalid field res.partner.nope');
    expect(err([['name', '=']]).message).toMatch(/^Invalid leaf/);
    expect(err('not a domain').exceptionName).toBe('builtins.ValueError');
  });

  it('orders by several fields with directions', () => {
    const ids = orm.searchIds('sale.order', [], {}, { order: 'date_order desc, id', limit: 20 });
    const dates = orm.read('sale.order', ids, ['date_order']).map((r) => r.date_order as string);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(() => orm.searchIds('sale.order', [], {}, { order: 'nope desc' })).toThrow(/Invalid "order"/);
  });
});

describe('ORM methods', () => {
  it('read renders many2one pairs, x2many lists and false for empty, and drops missing ids', () => {
    const id = world.skeleton.customers[1]!.orders[0]!.odooId;
    const [row, ...rest] = orm.read('sale.order', [id, 99_999_999], ['partner_id', 'order_line', 'commitment_date', 'amount_total']);
    expect(rest).toEqual([]);
    expect(row!.id).toBe(id);
    expect(row!.partner_id).toEqual([world.skeleton.customers[1]!.odooPartnerId, world.skeleton.customers[1]!.name]);
    expect(Array.isArray(row!.order_line)).toBe(true);
    expect(row!.commitment_date).toBe(false);
    const lines = orm.read('sale.order.line', row!.order_line as number[], ['price_subtotal', 'price_tax', 'price_total']);
    const total = lines.reduce((s, l) => s + (l.price_subtotal as number) + (l.price_tax as number), 0);
    expect(row!.amount_total).toBeCloseTo(total, 2);
    for (const l of lines) expect(l.price_tax).toBeCloseTo(Math.round((l.price_subtotal as number) * 20) / 100, 2);
  });

  it('applies x2many commands', () => {
    const { a } = addPartners();
    orm.callKw('res.partner', 'write', [[a], { category_id: [[6, 0, [1, 2]]] }], {});
    expect(orm.row('res.partner', a)!.category_id).toEqual([1, 2]);
    orm.callKw('res.partner', 'write', [[a], { category_id: [[3, 1, 0], [4, 3, 0]] }], {});
    expect(orm.row('res.partner', a)!.category_id).toEqual([2, 3]);
    orm.callKw('res.partner', 'write', [[a], { category_id: [[5, 0, 0]] }], {});
    expect(orm.row('res.partner', a)!.category_id).toEqual([]);

    const order = orm.callKw('sale.order', 'create', [{ partner_id: world.skeleton.customers[0]!.odooPartnerId, order_line: [[0, 0, { product_id: 1 }], [0, 0, { product_id: 2, product_uom_qty: 3 }]] }], {}) as number;
    const lineIds = orm.read('sale.order', [order], ['order_line'])[0]!.order_line as number[];
    expect(lineIds).toHaveLength(2);
    orm.callKw('sale.order', 'write', [[order], { order_line: [[1, lineIds[0], { product_uom_qty: 5 }], [2, lineIds[1], 0]] }], {});
    expect(orm.read('sale.order.line', [lineIds[0]!], ['product_uom_qty'])[0]!.product_uom_qty).toBe(5);
    expect(orm.row('sale.order.line', lineIds[1]!)).toBeUndefined();
  });

  it('raises ValidationError for a missing required field and MissingError for a missing record', () => {
    expect(() => orm.callKw('sale.order', 'create', [{ client_order_ref: 'x' }], {})).toThrow(/mandatory field is not set[\s\S]*partner_id/);
    expect(() => orm.callKw('sale.order', 'write', [[99_999_999], { note: 'x' }], {})).toThrow(/^Record does not exist or has been deleted/);
    expect(() => orm.callKw('sale.order', 'unlink', [[99_999_999]], {})).toThrow(OdooError);
    expect(() => orm.callKw('sale.order', 'action_confirm', [[99_999_999]], {})).toThrow(/Record does not exist/);
    expect(() => orm.callKw('res.partner', '_private', [[]], {})).toThrow(/Private methods/);
    expect(() => orm.callKw('res.partner', 'search', [[]], { bogus: 1 })).toThrow(/unexpected keyword argument 'bogus'/);
  });

  it('name_search, search_count and fields_get', () => {
    expect(orm.callKw('product.product', 'name_search', ['BK-1001'], {})).toEqual([[1, '[BK-1001] Trail Runner']]);
    expect(orm.callKw('sale.order', 'search_count', [[['state', '=', 'cancel']]], {})).toBe(all('sale.order', (r) => r.state === 'cancel').length);
    const fields = orm.callKw('sale.order', 'fields_get', [], { attributes: ['type', 'relation', 'required'] }) as Record<string, Record<string, unknown>>;
    expect(fields.partner_id).toEqual({ type: 'many2one', relation: 'res.partner', required: true });
    expect(fields.state!.type).toBe('selection');
  });

  it('read_group counts and sums by one field with Odoo shape', () => {
    const groups = orm.callKw('sale.order', 'read_group', [[['state', '!=', 'draft']], ['amount_total:sum'], ['state']], {}) as Array<Record<string, unknown>>;
    const states = groups.map((g) => g.state);
    expect(states).not.toContain('draft');
    for (const g of groups) {
      const ids = search('sale.order', [['state', '=', g.state], ['state', '!=', 'draft']]);
      expect(g.state_count).toBe(ids.length);
      const sum = orm.read('sale.order', ids, ['amount_total']).reduce((s, r) => s + (r.amount_total as number), 0);
      expect(g.amount_total).toBeCloseTo(sum, 1);
      expect(g.__domain).toEqual(['&', ['state', '=', g.state], ['state', '!=', 'draft']]);
    }
    const byPartner = orm.callKw('sale.order', 'read_group', [[], ['partner_id'], ['partner_id']], { limit: 2, orderby: 'partner_id_count desc' }) as Array<Record<string, unknown>>;
    expect(byPartner).toHaveLength(2);
    expect(byPartner[0]!.partner_id).toHaveLength(2);
    expect(byPartner[0]!.partner_id_count as number).toBeGreaterThanOrEqual(byPartner[1]!.partner_id_count as number);
  });
});

describe('stock and sales flow', () => {
  interface Quantities {
    qty_available: number;
    free_qty: number;
    virtual_available: number;
    outgoing_qty: number;
    incoming_qty: number;
  }
  const qty = (productId: number, context = {}): Quantities =>
    (orm.callKw('product.product', 'read', [[productId], ['qty_available', 'free_qty', 'virtual_available', 'outgoing_qty', 'incoming_qty']], { context }) as Quantities[])[0]!;

  it('computes quantities per warehouse from quants and open moves', () => {
    const quants = orm.callKw('stock.quant', 'search_read', [[['product_id', '=', 1]], ['location_id', 'quantity', 'reserved_quantity', 'warehouse_id']], {}) as Array<Record<string, unknown>>;
    const onHand = (loc: number) => quants.filter((q) => (q.location_id as [number, string])[0] === loc).reduce((s, q) => s + (q.quantity as number), 0);
    const reserved = (loc: number) => quants.filter((q) => (q.location_id as [number, string])[0] === loc).reduce((s, q) => s + (q.reserved_quantity as number), 0);
    expect(qty(1).qty_available).toBe(onHand(8) + onHand(12));
    expect(qty(1, { warehouse: 1 }).qty_available).toBe(onHand(8));
    expect(qty(1, { warehouse: 'Second Warehouse' }).qty_available).toBe(onHand(12));
    expect(qty(1, { location: 12 }).free_qty).toBe(onHand(12) - reserved(12));
    const q = qty(1, { warehouse: 1 });
    expect(q.virtual_available).toBe(q.qty_available + q.incoming_qty - q.outgoing_qty);
  });

  it('action_confirm creates the delivery and reserves stock; action_cancel releases it', () => {
    const partner = world.skeleton.customers[1]!.odooPartnerId;
    const product = 3; // a storable bike
    const before = qty(product, { warehouse: 1 });
    const order = orm.callKw('sale.order', 'create', [{ partner_id: partner, warehouse_id: 1, order_line: [[0, 0, { product_id: product, product_uom_qty: 2 }]] }], {}) as number;
    expect(orm.callKw('sale.order', 'action_confirm', [[order]], {})).toBe(true);
    const [so] = orm.read('sale.order', [order], ['state', 'picking_ids', 'delivery_status', 'invoice_status']);
    expect(so).toMatchObject({ state: 'sale', delivery_status: 'pending', invoice_status: 'to invoice' });
    const pickings = orm.read('stock.picking', so!.picking_ids as number[], ['name', 'origin', 'state', 'picking_type_code', 'sale_id', 'move_ids']);
    expect(pickings).toHaveLength(1);
    expect(pickings[0]).toMatchObject({ origin: orm.row('sale.order', order)!.name, picking_type_code: 'outgoing', sale_id: [order, expect.any(String)] });
    expect(pickings[0]!.name).toMatch(/^WH\/OUT\/\d{5}$/);
    const after = qty(product, { warehouse: 1 });
    const reserved = Math.min(2, before.free_qty);
    expect(after.free_qty).toBe(before.free_qty - reserved);
    expect(after.outgoing_qty).toBe(before.outgoing_qty + 2);
    expect(() => orm.callKw('sale.order', 'action_confirm', [[order]], {})).toThrow(/not in a state requiring confirmation/);
    expect(() => orm.callKw('sale.order', 'unlink', [[order]], {})).toThrow(/must first cancel it/);

    orm.callKw('sale.order', 'action_cancel', [[order]], {});
    expect(orm.row('sale.order', order)!.state).toBe('cancel');
    expect(qty(product, { warehouse: 1 }).free_qty).toBe(before.free_qty);
    expect(orm.callKw('sale.order', 'unlink', [[order]], {})).toBe(true);
  });
});

describe('seeded world', () => {
  it('is deterministic for a seed', () => {
    const a = buildOdooWorld({ customers: 30, seed: 3 });
    const b = buildOdooWorld({ customers: 30, seed: 3 });
    expect(JSON.stringify([...a.records])).toBe(JSON.stringify([...b.records]));
    expect(JSON.stringify([...buildOdooWorld({ customers: 30, seed: 4 }).records])).not.toBe(JSON.stringify([...a.records]));
  });

  it('carries the crosswalk and the data-quality cases', () => {
    const { examples, orphanErpPartnerId, customers } = world.skeleton;
    expect(search('res.partner', [['ref', '=', examples.noErpPartner]])).toEqual([]);
    expect(orm.read('res.partner', [orphanErpPartnerId], ['ref'])).toEqual([{ id: orphanErpPartnerId, ref: ORPHAN_PARTNER_REF }]);
    expect(world.skeleton.byAccountId.has(ORPHAN_PARTNER_REF)).toBe(false);
    const blocked = orm.read('res.partner', search('res.partner', [['ref', '=', examples.onSalesBlock]]), ['sale_warn', 'sale_warn_msg'])[0]!;
    expect(blocked.sale_warn).toBe('block');
    expect(blocked.sale_warn_msg).toBeTruthy();
    expect(search('sale.order', [['partner_id.ref', '=', examples.manyOrders]])).toHaveLength(30);
    expect(customers[0]!.odooPartnerId).toBe(10);
  });

  it('has invoices in every payment state with consistent residuals and a partner credit', () => {
    const moves = [...orm.table('account.move').rows.values()];
    const states = new Set(moves.filter((m) => m.move_type === 'out_invoice').map((m) => m.payment_state));
    for (const s of ['not_paid', 'in_payment', 'paid', 'partial', 'reversed']) expect(states).toContain(s);
    expect(moves.some((m) => m.move_type === 'out_refund')).toBe(true);
    expect(moves.some((m) => m.state === 'draft' && m.name === '/')).toBe(true);
    for (const m of moves) {
      if (m.payment_state === 'paid' || m.payment_state === 'reversed' || m.payment_state === 'in_payment') expect(m.amount_residual).toBe(0);
      if (m.payment_state === 'not_paid') expect(m.amount_residual).toBe(m.amount_total);
    }
    const partner = world.skeleton.customers[0]!.odooPartnerId;
    const expected = moves
      .filter((m) => m.partner_id === partner && m.state === 'posted')
      .reduce((s, m) => s + (m.move_type === 'out_refund' ? -1 : 1) * (m.amount_residual as number), 0);
    expect(orm.read('res.partner', [partner], ['credit'])[0]!.credit).toBeCloseTo(expected, 2);
  });
});
