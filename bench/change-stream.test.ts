import { describe, expect, it } from 'vitest';
import { buildSkeleton } from '../sandbox/world/skeleton.js';
import { parseOptions } from './options.js';
import { normalizeChange, shownValues } from './change-stream.js';
import { ChangeHistory } from './staleness.js';
import { summarizeResponse } from './summarize.js';

const world = buildSkeleton({ customers: 20, seed: 42 });
const customer = world.customers.find((c) => c.hasErpPartner)!;

describe('what a freshness run checks of an answer', () => {
  const body = {
    data: {
      customer: {
        id: customer.accountId,
        phone: '+49 30 5550 1000',
        billing: { onHold: true, holdReason: 'Overdue' },
        orders: { edges: [{ node: { id: '41', status: 'CONFIRMED' } }, { node: { id: '42', status: 'CANCELLED' } }] },
        cases: { edges: [{ node: { id: '7', status: 'PENDING' } }] },
      },
    },
  };

  it('keeps the changed fields only when asked', () => {
    expect(summarizeResponse(body).shown).toBeUndefined();
    expect(summarizeResponse(body, null, { shown: true }).shown).toEqual({
      phone: '+49 30 5550 1000',
      onHold: true,
      orders: [['41', 'CONFIRMED'], ['42', 'CANCELLED']],
      cases: [['7', 'PENDING']],
    });
    // A view without the phone or the billing (the CRM component, a partner's orders) shows neither.
    const partnerView = { data: { customer: { id: customer.accountId, orders: body.data.customer.orders } } };
    expect(summarizeResponse(partnerView, null, { shown: true }).shown).toEqual({ orders: [['41', 'CONFIRMED'], ['42', 'CANCELLED']], cases: [] });
  });

  it("names them as the change history does: the Account's phone, the ERP partner's warning, order states, ticket statuses", () => {
    const shown = summarizeResponse(body, null, { shown: true }).shown!;
    expect(shownValues(customer.accountId, shown, world)).toEqual([
      { entity: 'Account', id: customer.accountId, field: 'Phone', value: '+49 30 5550 1000' },
      { entity: 'res.partner', id: String(customer.odooPartnerId), field: 'sale_warn', value: 'hold' },
      { entity: 'sale.order', id: '41', field: 'state', value: 'CONFIRMED' },
      { entity: 'sale.order', id: '42', field: 'state', value: 'CANCELLED' },
      { entity: 'ticket', id: '7', field: 'status', value: 'pending' },
    ]);
  });

  it('finds an order status shown after Odoo had cancelled the order stale', () => {
    const T = Date.parse('2026-12-01T10:00:00Z');
    const history = new ChangeHistory([{ at: new Date(T).toISOString(), model: 'sale.order', id: 41, values: { state: 'cancel' }, previous: { state: 'sale' } }], normalizeChange);
    const [, , confirmed] = shownValues(customer.accountId, summarizeResponse(body, null, { shown: true }).shown!, world);
    expect(history.staleness(confirmed!, T + 800)).toBe(800);
    expect(history.staleness({ ...confirmed!, value: 'CANCELLED' }, T + 800)).toBe(0);
  });
});

describe('npm run bench -- --changes', () => {
  it('runs ours without the change feeds beside the others only with a change stream', () => {
    expect(parseOptions([]).gateways).toEqual(['ours', 'apollo', 'hive', 'hive-rust']);
    expect(parseOptions(['--changes', '2']).gateways).toEqual(['ours', 'ours-ttl', 'apollo', 'hive', 'hive-rust']);
    expect(parseOptions(['--changes', '2', '--gateways', 'ours,hive']).gateways).toEqual(['ours', 'hive']);
    expect(() => parseOptions(['--changes', '-1'])).toThrow(/--changes needs a number >= 0/);
  });
});
