import { describe, expect, it } from 'vitest';
import { ODOO_KINDS } from '../connectors/odoo/record-kinds.js';
import { ODOO_WEBHOOK_FIELDS, odooPlan } from './change-plan.js';

describe('odooPlan', () => {
  it("evicts an order's records and lists by what its webhook sends, and tags the order", () => {
    const p = odooPlan('sale.order', 42, { name: 'S00042', partner_id: [7, 'Rosa'], state: 'sale' });
    expect(p.records).toEqual([
      { kind: ODOO_KINDS.order, keys: [42] },
      { kind: ODOO_KINDS.orderByName, keys: ['S00042'] },
      { kind: ODOO_KINDS.pickingsByOrder, keys: [42] },
      { kind: ODOO_KINDS.orderIdsByPartner, keys: [7] },
    ]);
    expect(p.tags).toEqual(['Order:42']);
  });

  it("evicts a product's stock for a quant or a move, and an invoice's partner totals with the invoice", () => {
    for (const model of ['stock.quant', 'stock.move']) {
      expect(odooPlan(model, 1, { product_id: [9, 'Widget'] })).toEqual({ records: [{ kind: ODOO_KINDS.productStock, keys: [9] }, { kind: ODOO_KINDS.quantsByProduct, keys: [9] }], tags: ['Product:9'] });
    }
    const invoice = odooPlan('account.move', 5, { name: 'INV/5', partner_id: 7, invoice_origin: 'S00042' });
    expect(invoice.records.map((r) => [r.kind, r.keys])).toContainEqual([ODOO_KINDS.partner, [7]]);
    expect(invoice.tags).toEqual(['Invoice:5']);
  });

  it('evicts less, not wrongly, when a field is missing, and nothing for a model it does not cache (prototype names included)', () => {
    expect(odooPlan('sale.order.line', 3, {})).toEqual({ records: [{ kind: ODOO_KINDS.orderLine, keys: [3] }], tags: [] });
    for (const model of ['res.users', 'constructor', '__proto__', 'toString']) expect(odooPlan(model, 1, { ref: 'x' })).toEqual({ records: [], tags: [] });
  });

  it('lists the fields of one webhook per model it plans for', () => {
    expect(Object.keys(ODOO_WEBHOOK_FIELDS).sort()).toEqual(['account.move', 'res.partner', 'sale.order', 'sale.order.line', 'stock.move', 'stock.picking', 'stock.quant']);
    expect(ODOO_WEBHOOK_FIELDS['res.partner']).toEqual(['ref']);
  });
});
