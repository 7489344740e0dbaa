import { describe, expect, it } from 'vitest';
import type { RecordCache } from '../shared/cache/record-cache.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import type { Ownership } from '../shared/ownership/ownership.js';
import { createRowFilter } from '../shared/data-access/row-filter.js';
import { createStaleCollector } from '../shared/server/context.js';
import { executePlaceOrder, parsePlaceOrderInput } from './place-order.js';
import { newWriteRun } from '../shared/mutations/write-run.js';

const CUSTOMER = '0015g0000000001AAA';
const MY_RESELLER = '0015g0000000002AAA';

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as { extensions?: Record<string, unknown> }).extensions?.field;
  }
  return undefined;
}

describe('parsePlaceOrderInput', () => {
  it('accepts a valid input, trimming the client reference', () => {
    expect(parsePlaceOrderInput({ customerId: CUSTOMER, lines: [{ sku: 'BK-1001', quantity: 1.5 }], clientReference: '  PO-1 ' })).toEqual({
      customerId: CUSTOMER,
      lines: [{ sku: 'BK-1001', quantity: 1.5 }],
      clientReference: 'PO-1',
    });
    expect(parsePlaceOrderInput({ customerId: CUSTOMER, lines: [{ sku: 'a', quantity: 100_000 }], clientReference: '   ' }).clientReference).toBeNull();
  });

  it('names the first field at fault', () => {
    const ok = { customerId: CUSTOMER, lines: [{ sku: 'BK-1001', quantity: 1 }] };
    expect(fieldOf(() => parsePlaceOrderInput({ ...ok, customerId: '0015g0000000001AAB' }))).toBe('input.customerId'); // bad checksum
    expect(fieldOf(() => parsePlaceOrderInput({ ...ok, lines: [] }))).toBe('input.lines');
    expect(fieldOf(() => parsePlaceOrderInput({ ...ok, lines: [ok.lines[0], { sku: '-x', quantity: 1 }] }))).toBe('input.lines[1].sku');
    expect(fieldOf(() => parsePlaceOrderInput({ ...ok, lines: [{ sku: 'BK 1', quantity: 1 }] }))).toBe('input.lines[0].sku');
    expect(fieldOf(() => parsePlaceOrderInput({ ...ok, lines: [{ sku: 'BK', quantity: Number.NaN }] }))).toBe('input.lines[0].quantity');
    expect(fieldOf(() => parsePlaceOrderInput({ ...ok, lines: [{ sku: 'BK', quantity: Infinity }] }))).toBe('input.lines[0].quantity');
    // Finer than the unit of measure's precision: Odoo would round these to an order worth nothing.
    for (const quantity of [1e-300, 0.0001, 0.005, 2.675]) {
      expect(fieldOf(() => parsePlaceOrderInput({ ...ok, lines: [{ sku: 'BK', quantity }] }))).toBe('input.lines[0].quantity');
    }
    expect(parsePlaceOrderInput({ ...ok, lines: [{ sku: 'BK', quantity: 0.25 }] }).lines[0]!.quantity).toBe(0.25);
    expect(fieldOf(() => parsePlaceOrderInput({ ...ok, clientReference: 'a\u0000b' }))).toBe('input.clientReference');
  });
});

describe('executePlaceOrder and ownership (stub)', () => {
  it("refuses another reseller's customer before any Odoo call", async () => {
    const calls: string[] = [];
    const odoo = new Proxy({}, { get: (_t, name) => () => { calls.push(String(name)); throw new Error('no Odoo call expected'); } }) as OdooConnector;
    const ownership: Ownership = { partnerIdsByAccountIds: async (ids) => new Map(ids.map((id) => [id, 'OTHER-RESELLER'])) };
    const rows = createRowFilter({ sub: 'p', roles: ['partner'], scopes: new Set(['orders:write']), partnerId: MY_RESELLER }, ownership, createStaleCollector());
    const cache = {} as RecordCache;
    const run = newWriteRun();
    await expect(executePlaceOrder({ customerId: CUSTOMER, lines: [{ sku: 'BK-1001', quantity: 1 }], clientReference: null }, { odoo, cache, rows }, 'c360-run:test', run)).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND', field: 'input.customerId' },
    });
    expect(calls).toEqual([]);
    expect(run.sent).toBe(false);
  });
});
