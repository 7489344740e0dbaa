import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { findRecords, type AuthzRecords, type CustomerRecords } from './records.js';

/**
 * For a partner, another reseller's record and a nonexistent one are indistinguishable: the same
 * answer, byte for byte with its extensions, and in steady state the same backend calls (none:
 * not-found ids are cached as null records, foreign ones with their owners). The gateway's
 * response and fetch caches and its dedup are off, so that every request reaches the subgraphs.
 */
let system: TestSystem;
let records: AuthzRecords;

beforeAll(async () => {
  system = await startTestSystem({ responseCache: false, fetchCache: false, dedup: false });
  records = await findRecords(system);
});
afterAll(async () => {
  await system?.close();
});

const ENTRY_POINTS: { name: string; query: string; field: keyof CustomerRecords }[] = [
  { name: 'customer', query: 'query($v: ID!) { customer(id: $v) { id name partner { id } orders(first: 5) { totalCount } billing { onHold } invoices(first: 5) { totalCount } } }', field: 'customerId' },
  { name: 'order', query: 'query($v: ID!) { order(id: $v) { id number customer { id } shipments { id } invoices { id } } }', field: 'orderId' },
  { name: 'orderByNumber', query: 'query($v: String!) { orderByNumber(number: $v) { id number lines { quantity } } }', field: 'orderNumber' },
  { name: 'invoice', query: 'query($v: ID!) { invoice(id: $v) { id number order { id } customer { id } } }', field: 'invoiceId' },
  { name: 'invoiceByNumber', query: 'query($v: String!) { invoiceByNumber(number: $v) { id number } }', field: 'invoiceNumber' },
  { name: 'customers(search)', query: 'query($v: String) { customers(search: $v, first: 5) { totalCount edges { node { id } } } }', field: 'customerName' },
];

/** The answer as the client receives it (the asked-for value masked, so that two asks compare) and what it cost. */
async function ask(query: string, value: string, auth: { role: 'partner'; partnerId: string } | { role: 'admin' }) {
  const snapshot = await system.snapshot();
  const answer = await system.query(query, { v: value }, auth);
  const calls = await snapshot.delta();
  const body = JSON.stringify({ status: answer.status, data: answer.data, errors: answer.errors, extensions: answer.extensions }).split(value).join('<v>');
  return { body, calls };
}

describe('a partner asking for another reseller\'s record', () => {
  for (const entry of ENTRY_POINTS) {
    it(`${entry.name}: answers exactly as for a nonexistent one, and costs the same in steady state`, async () => {
      const partner = { role: 'partner' as const, partnerId: records.reseller };
      const foreign = records.other[entry.field];
      const unknown = records.unknown[entry.field];
      // Cold reads may differ (a foreign record needs its owner looked up): warm both first.
      for (let i = 0; i < 2; i++) {
        await ask(entry.query, foreign, partner);
        await ask(entry.query, unknown, partner);
      }
      const a = await ask(entry.query, foreign, partner);
      const b = await ask(entry.query, unknown, partner);
      expect(a.body).toBe(b.body);
      expect(a.calls).toEqual(b.calls);
      // Search text is never cached (each search is one SOQL page and one count); every lookup by id is.
      if (entry.field !== 'customerName') expect(a.calls).toEqual({ odoo: {}, salesforce: {}, zendesk: {} });
    });
  }

  it('customer(id) of a nonexistent id is answered from the record cache for every principal', async () => {
    const query = ENTRY_POINTS[0]!.query;
    await ask(query, records.unknown.customerId, { role: 'admin' });
    expect((await ask(query, records.unknown.customerId, { role: 'admin' })).calls).toEqual({ odoo: {}, salesforce: {}, zendesk: {} });
  });
});
