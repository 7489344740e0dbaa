import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { salesforceConnection } from '../support/backends.js';
import { salesforceId } from '../../sandbox/world/salesforce-id.js';

/** Bad input gets a coded error and no backend call; unknown ids are null; search text is data, never syntax. */
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({ recordCache: false, ...({ responseCache: false } as object) });
});
afterAll(async () => {
  await system?.close();
});

const total = (calls: Record<string, Record<string, number>>) => Object.values(calls).reduce((sum, ops) => sum + Object.values(ops).reduce((a, b) => a + b, 0), 0);

describe('malformed ids', () => {
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    ['not a Salesforce id', 'query($id: ID!) { customer(id: $id) { id name } }', { id: 'not-an-id' }, 'customer'],
    ['a Salesforce id with a bad checksum', 'query($id: ID!) { customer(id: $id) { id name } }', { id: '0015g0000000006AAB' }, 'customer'],
    ['a 10 KB string', 'query($id: ID!) { customer(id: $id) { id name } }', { id: 'x'.repeat(10_240) }, 'customer'],
    ['a negative order id', 'query($id: ID!) { order(id: $id) { id } }', { id: '-5' }, 'order'],
    ['a non-numeric order id', 'query($id: ID!) { order(id: $id) { id } }', { id: '12; drop' }, 'order'],
    ['a huge order id', 'query($id: ID!) { order(id: $id) { id } }', { id: '9'.repeat(40) }, 'order'],
    ['a 10 KB order number', 'query($n: String!) { orderByNumber(number: $n) { id } }', { n: 'S'.repeat(10_240) }, 'orderByNumber'],
    ['a negative invoice id', 'query($id: ID!) { invoice(id: $id) { id } }', { id: '-1' }, 'invoice'],
    ['a case id with letters', 'query($id: ID!) { case(id: $id) { id } }', { id: 'abc' }, 'case'],
    ['a 10 KB SKU', 'query($s: String!) { product(sku: $s) { id } }', { s: 'A'.repeat(10_240) }, 'product'],
    ['a page size of 0', '{ customers(first: 0) { totalCount } }', {}, 'customers'],
    ['a forged cursor', '{ customers(first: 5, after: "garbage") { totalCount } }', {}, 'customers'],
  ];
  for (const [name, query, variables, field] of cases) {
    it(`${name} -> BAD_USER_INPUT with no backend call`, async () => {
      const snapshot = await system.snapshot();
      const answer = await system.query(query, variables, { role: 'admin' });
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(answer.errors?.[0]?.path).toEqual([field]);
      expect(JSON.stringify(answer.errors)).not.toMatch(/at .*\.ts|stack/i);
      expect(total(await snapshot.delta())).toBe(0);
    });
  }
});

describe('unknown ids', () => {
  it('are null without errors', async () => {
    const unknownAccount = salesforceId('001', 999_999);
    const answer = await system.query(`{
      customer(id: "${unknownAccount}") { id }
      order(id: "999999") { id }
      orderByNumber(number: "S99999") { id }
      invoice(id: "999999") { id }
      invoiceByNumber(number: "INV/2099/99999") { id }
      case(id: "99999999") { id }
      product(sku: "NOPE-0000") { id }
    }`);
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ customer: null, order: null, orderByNumber: null, invoice: null, invoiceByNumber: null, case: null, product: null });
  });
});

describe('search text', () => {
  /** A search; null lists every customer (a blank search is a client mistake). */
  const search = async (text: string | null) => {
    const answer = await system.query(`query($s: String) { customers(search: $s, first: 100) { totalCount edges { node { id name } } } }`, { s: text });
    expect(answer.errors).toBeUndefined();
    return answer.data!.customers;
  };

  it('matches names containing the text, as Salesforce does', async () => {
    const sf = await salesforceConnection(system.sandboxes.salesforce!.url);
    const expected = await sf.query<{ Name: string }>(`SELECT Name FROM Account WHERE Name LIKE '%North%' AND Type != 'Channel Partner / Reseller'`);
    const got = await search('North');
    expect(got.totalCount).toBe(expected.totalSize);
    expect(got.totalCount).toBeGreaterThan(0);
    for (const edge of got.edges) expect(edge.node.name).toContain('North');
  });

  it.each([
    ["' OR Name != '"],
    ["\\' OR Name LIKE '%"],
    ['%'],
    ['_'],
    ['\\'],
    ['"'],
    ['*'],
    ["North' OR Id != null OR Name = '"],
  ])('finds nothing extra for %s', async (text) => {
    const got = await search(text);
    // No seeded account name contains these characters: a correct escape finds nothing.
    expect(got.totalCount).toBe(0);
    expect(got.edges).toEqual([]);
  });

  it('treats LIKE wildcards as literal characters', async () => {
    const all = await search(null);
    const underscore = await search('N_rth');
    expect(all.totalCount).toBeGreaterThan(100);
    expect(underscore.totalCount).toBe(0);
  });
});
