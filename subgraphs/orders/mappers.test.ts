import { describe, expect, it } from 'vitest';
import type { OdooOrderLine, OdooSaleOrder } from '../shared/connectors/odoo/records.js';
import { deliveryStatus, invoiceStatus, mapOrder, mapOrderLine, orderStatus } from './mappers.js';

const order: OdooSaleOrder = {
  id: 42, name: 'S00042', partner_id: [17, 'Blue Bikes Ltd'], date_order: '2026-10-30 08:15:00', commitment_date: false, validity_date: false,
  client_order_ref: false, origin: false, currency_id: [1, 'EUR'], payment_term_id: false, amount_untaxed: 100, amount_tax: 19.005,
  amount_total: 119.005, state: 'sale', invoice_status: 'to invoice', delivery_status: 'partial', order_line: [7, 8], picking_ids: [],
  invoice_ids: [], warehouse_id: false,
};

const line: OdooOrderLine = {
  id: 7, order_id: [42, 'S00042'], product_id: [3, '[SKU-3] Helmet'], name: 'Helmet', product_uom_qty: 2, qty_delivered: 1, qty_invoiced: 0,
  price_unit: 50, discount: 10, price_subtotal: 90, price_tax: 17.1, price_total: 107.1, currency_id: [1, 'EUR'], display_type: false,
};

describe('orders mappers', () => {
  it('maps states to enums', () => {
    expect(['draft', 'sent', 'sale', 'done', 'cancel'].map(orderStatus)).toEqual(['DRAFT', 'SENT', 'CONFIRMED', 'CONFIRMED', 'CANCELLED']);
    expect(() => orderStatus('weird')).toThrow(/weird/);
    expect((['pending', 'started', 'partial', 'full', false] as (string | false)[]).map((v) => deliveryStatus(v))).toEqual(['PENDING', 'STARTED', 'PARTIAL', 'FULL', null]);
    expect((['no', 'to invoice', 'invoiced', 'upselling', false] as (string | false)[]).map((v) => invoiceStatus(v))).toEqual(['NOTHING_TO_INVOICE', 'TO_INVOICE', 'INVOICED', 'UPSELLING', null]);
  });

  it('maps an order', () => {
    expect(mapOrder(order)).toEqual({
      id: '42', number: 'S00042', status: 'CONFIRMED', placedAt: '2026-10-30T08:15:00Z', clientReference: null,
      amountUntaxed: { amount: '100.00', currency: 'EUR' }, amountTax: { amount: '19.01', currency: 'EUR' }, amountTotal: { amount: '119.01', currency: 'EUR' },
      deliveryStatus: 'PARTIAL', invoiceStatus: 'TO_INVOICE', lineIds: [7, 8], partnerId: 17, currency: 'EUR',
    });
    expect(mapOrder({ ...order, partner_id: false, currency_id: false, date_order: false }, 'USD')).toMatchObject({ partnerId: null, placedAt: null, currency: 'USD' });
  });

  it('maps a line with a product reference and skips sections', () => {
    expect(mapOrderLine(line, 'EUR')).toEqual({
      id: '7', product: { __typename: 'Product', id: '3' }, description: 'Helmet', quantity: 2, quantityDelivered: 1, quantityInvoiced: 0,
      unitPrice: { amount: '50.00', currency: 'EUR' }, discount: 10, subtotal: { amount: '90.00', currency: 'EUR' },
    });
    expect(mapOrderLine({ ...line, display_type: 'line_section', product_id: false }, 'EUR')).toBeNull();
  });
});
