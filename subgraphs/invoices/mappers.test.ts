import { describe, expect, it } from 'vitest';
import type { OdooMove, OdooPartner } from '../shared/connectors/odoo/records.js';
import { balances, invoiceKind, invoiceStatus, mapBilling, mapInvoice, originOrderNumber, paymentStatus } from './mappers.js';

const move = (patch: Partial<OdooMove> = {}): OdooMove => ({
  id: 9, name: 'INV/2026/00009', move_type: 'out_invoice', state: 'posted', payment_state: 'partial', partner_id: [17, 'Blue Bikes'],
  invoice_date: '2026-09-01', invoice_date_due: '2026-10-01', invoice_origin: 'S00042', ref: false, payment_reference: 'INV/2026/00009',
  currency_id: [1, 'EUR'], amount_untaxed: 100, amount_tax: 19, amount_total: 119, amount_residual: 19.5, ...patch,
});

const partner: OdooPartner = {
  id: 17, name: 'Blue Bikes', display_name: 'Blue Bikes', ref: '001000000000001AAA', vat: 'DE123456789', email: false, phone: false,
  is_company: true, commercial_partner_id: [17, 'Blue Bikes'], street: 'Main St 1', street2: false, city: 'Berlin', zip: '10115',
  state_id: false, country_id: [57, 'Germany'], credit_limit: 5000, credit: 100, property_payment_term_id: [2, '30 Days'],
  currency_id: [1, 'EUR'], sale_warn: 'block', sale_warn_msg: 'Overdue invoices',
};

describe('invoices mappers', () => {
  it('maps enums', () => {
    expect(['out_invoice', 'out_refund'].map(invoiceKind)).toEqual(['INVOICE', 'CREDIT_NOTE']);
    expect(() => invoiceKind('in_invoice')).toThrow(TypeError);
    expect(['draft', 'posted', 'cancel'].map(invoiceStatus)).toEqual(['DRAFT', 'POSTED', 'CANCELLED']);
    expect((['not_paid', 'in_payment', 'paid', 'partial', 'reversed', 'blocked', 'invoicing_legacy', false] as (string | false)[]).map((v) => paymentStatus(v)))
      .toEqual(['NOT_PAID', 'IN_PAYMENT', 'PAID', 'PARTIAL', 'REVERSED', 'BLOCKED', 'PAID', 'NOT_PAID']);
  });

  it('maps an invoice', () => {
    expect(mapInvoice(move())).toEqual({
      id: '9', number: 'INV/2026/00009', kind: 'INVOICE', status: 'POSTED', paymentStatus: 'PARTIAL', issuedOn: '2026-09-01', dueOn: '2026-10-01',
      amountUntaxed: { amount: '100.00', currency: 'EUR' }, amountTotal: { amount: '119.00', currency: 'EUR' }, amountDue: { amount: '19.50', currency: 'EUR' },
      orderNumber: 'S00042', partnerId: 17,
    });
    expect(mapInvoice(move({ name: false, state: 'draft', invoice_date: false, invoice_origin: false }))).toMatchObject({ number: '/', issuedOn: null, orderNumber: null });
    expect(originOrderNumber('S00001, S00002')).toBe('S00001');
  });

  it('maps billing terms and the sales block', () => {
    expect(mapBilling(partner)).toEqual({
      vatNumber: 'DE123456789', address: { street: 'Main St 1', street2: null, city: 'Berlin', zip: '10115', state: null, country: 'Germany' },
      paymentTerms: '30 Days', creditLimit: { amount: '5000.00', currency: 'EUR' }, onHold: true, holdReason: 'Overdue invoices', partnerId: 17, currency: 'EUR',
    });
    const plain = mapBilling({ ...partner, sale_warn: 'warning', credit_limit: 0, street: false, city: false, zip: false, country_id: false });
    expect(plain).toMatchObject({ onHold: false, holdReason: null, creditLimit: null, address: null });
  });

  it('sums outstanding and overdue with credit notes negative', () => {
    const items = [
      move({ amount_residual: 100.1, invoice_date_due: '2026-10-01' }),
      move({ id: 10, amount_residual: 50.2, invoice_date_due: '2026-12-01' }),
      move({ id: 11, move_type: 'out_refund', amount_residual: 20.05, invoice_date_due: '2026-09-15' }),
      move({ id: 12, amount_residual: 7, invoice_date_due: '2026-11-01' }),
    ];
    expect(balances(items, '2026-11-01', 'EUR')).toEqual({ outstanding: { amount: '137.25', currency: 'EUR' }, overdue: { amount: '80.05', currency: 'EUR' } });
    expect(balances([], '2026-11-01', 'EUR')).toEqual({ outstanding: { amount: '0.00', currency: 'EUR' }, overdue: { amount: '0.00', currency: 'EUR' } });
  });
});
