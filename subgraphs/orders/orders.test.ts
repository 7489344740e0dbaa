import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSkeleton } from '../../sandbox/world/skeleton.js';
import type { Principal } from '../../platform/authz/principal.js';
import { graphql, READER, startOdooSandbox, type OdooTestSandbox } from '../shared/connectors/odoo/test-harness.js';
import type { Ownership } from '../shared/ownership/ownership.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createOrdersSubgraph } from './index.js';

const world = buildSkeleton();
const many = world.byAccountId.get(world.examples.manyOrders)!;
const few = world.byAccountId.get(world.examples.fewOrders)!;
const mine = world.byAccountId.get(world.examples.resellerCustomer)!;
const theirs = world.byAccountId.get(world.examples.otherResellerCustomer)!;

const ownership: Ownership = {
  async partnerIdsByAccountIds(ids) {
    return new Map(ids.map((id) => {
      const c = world.byAccountId.get(id);
      return [id, c && c.resellerIndex !== null ? world.resellers[c.resellerIndex]!.accountId : null];
    }));
  },
};
const reseller: Principal = { sub: 'reseller-user', roles: ['partner'], scopes: new Set(['customer:read', 'orders:read']), partnerId: world.examples.reseller };

let sandbox: OdooTestSandbox;
let subgraph: RunningSubgraph;
let principal: Principal = READER;

beforeAll(async () => {
  sandbox = await startOdooSandbox();
  const odoo = sandbox.connector('jsonrpc');
  await odoo.warehouses(); // authenticates outside the measured calls
  const server = await createOrdersSubgraph({ odoo, authenticate: () => principal, ownership });
  subgraph = await server.listen(0);
});
afterAll(async () => {
  await subgraph?.close();
  await sandbox?.close();
});
beforeEach(() => {
  principal = READER;
});

/** Runs a query and returns its result with the number of Odoo calls it cost. */
async function measured(query: string, variables: Record<string, unknown> = {}) {
  const { result, calls, byOperation: ops } = await sandbox.measure(() => graphql<Record<string, any>>(subgraph.url, query, variables)); // eslint-disable-line @typescript-eslint/no-explicit-any
  return { ...result, calls, ops };
}

const ORDER_FIELDS = 'id number status placedAt clientReference amountUntaxed { amount currency } amountTotal { amount currency } deliveryStatus invoiceStatus lines { id product { id } quantity unitPrice { amount currency } subtotal { amount } } customer { id }';

describe('orders subgraph over the Odoo sandbox', () => {
  it('answers order(id) and orderByNumber with lines and customer', async () => {
    const target = many.orders[0]!;
    const byId = await measured(`query($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`, { id: String(target.odooId) });
    expect(byId.errors).toBeUndefined();
    const order = byId.data!.order;
    expect(order).toMatchObject({ id: String(target.odooId), number: target.number, customer: { id: many.accountId } });
    expect(['DRAFT', 'SENT', 'CONFIRMED', 'CANCELLED']).toContain(order.status);
    expect(order.amountTotal.amount).toMatch(/^-?\d+\.\d{2}$/);
    expect(order.placedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(order.lines.length).toBeGreaterThan(0);
    expect(order.lines[0].product.id).toMatch(/^\d+$/);
    expect(byId.calls).toBe(3); // order, lines, partner (for customer)
    const byNumber = await measured(`query($n: String!) { orderByNumber(number: $n) { id number } }`, { n: target.number });
    expect(byNumber.data!.orderByNumber).toEqual({ id: String(target.odooId), number: target.number });
    expect(byNumber.calls).toBe(1);
  });

  it('answers null for unknown ids and numbers', async () => {
    const r = await measured('{ order(id: "999999") { id } orderByNumber(number: "S99999") { id } }');
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ order: null, orderByNumber: null });
  });

  it.each(['abc', '0', '-4', '1.5', '99999999999999999999'])('refuses the malformed id %s with BAD_USER_INPUT and no Odoo call', async (id) => {
    const r = await measured('query($id: ID!) { order(id: $id) { id } }', { id });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.data?.order ?? null).toBeNull();
    expect(r.calls).toBe(0);
  });

  it('refuses a malformed order number with BAD_USER_INPUT and no Odoo call', async () => {
    const r = await measured('query($n: String!) { orderByNumber(number: $n) { id } }', { n: "S1' OR 1=1" });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.calls).toBe(0);
  });

  it('serves its SDL and resolves Order entities by id and by number', async () => {
    const sdl = await graphql<{ _service: { sdl: string } }>(subgraph.url, '{ _service { sdl } }');
    expect(sdl.data!._service.sdl).toMatch(/type Order\s+@key\(fields: "id"\)\s+@key\(fields: "number"\)/);
    const a = many.orders[1]!;
    const b = few.orders[0]!;
    const r = await measured(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id number status } } }',
      { r: [{ __typename: 'Order', id: String(a.odooId) }, { __typename: 'Order', number: b.number }, { __typename: 'Order', id: '999999' }] },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities.map((e: { id?: string } | null) => e?.id ?? null)).toEqual([String(a.odooId), String(b.odooId), null]);
    expect(r.calls).toBe(2); // one by ids, one by names
  });

  it('pages through a customer\'s orders, newest first, at a constant cost', async () => {
    const query = `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Customer { orders(first: 10, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id number placedAt lines { product { id } } } } } } } }`;
    const rep = [{ __typename: 'Customer', id: many.accountId }];
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const r = await measured(query, { r: rep, after });
      expect(r.errors).toBeUndefined();
      const conn = r.data!._entities[0].orders;
      expect(conn.totalCount).toBe(30);
      expect(conn.edges).toHaveLength(10);
      expect(conn.pageInfo.hasNextPage).toBe(page < 2);
      seen.push(...conn.edges.map((e: { node: { id: string } }) => e.node.id));
      after = conn.pageInfo.endCursor;
      expect(r.calls).toBe(3); // partner by ref, the order list with its records, lines
    }
    expect(new Set(seen)).toEqual(new Set(many.orders.map((o) => String(o.odooId))));
  });

  it('answers an empty connection for a customer without an ERP partner, and refuses bad paging', async () => {
    const r = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { orders { totalCount edges { cursor } } } } }', {
      r: [{ __typename: 'Customer', id: world.examples.noErpPartner }],
    });
    expect(r.data!._entities[0].orders).toEqual({ totalCount: 0, edges: [] });
    expect(r.calls).toBe(1);
    const bad = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { orders(first: 1000) { totalCount } } } }', {
      r: [{ __typename: 'Customer', id: many.accountId }],
    });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.calls).toBe(0);
    const badCursor = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { orders(after: "zzz") { totalCount } } } }', {
      r: [{ __typename: 'Customer', id: many.accountId }],
    });
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('hides orders of another reseller\'s customers from a partner, like unknown ids', async () => {
    principal = reseller;
    const own = mine.orders[0]!;
    const other = theirs.orders[0]!;
    const r = await measured('query($a: ID!, $b: ID!, $n: String!) { a: order(id: $a) { id } b: order(id: $b) { id } c: orderByNumber(number: $n) { id } }', {
      a: String(own.odooId), b: String(other.odooId), n: other.number,
    });
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ a: { id: String(own.odooId) }, b: null, c: null });
  });

  it('filters Order entities and Customer.orders for a partner like its root fields: another reseller\'s rows answer like unknown ones', async () => {
    principal = reseller;
    const own = mine.orders[0]!;
    const other = theirs.orders[0]!;
    const orders = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id number } } }', {
      r: [
        { __typename: 'Order', id: String(own.odooId) },
        { __typename: 'Order', id: String(other.odooId) },
        { __typename: 'Order', number: other.number },
        { __typename: 'Order', id: '999999' },
      ],
    });
    expect(orders.errors).toBeUndefined();
    expect(orders.data!._entities).toEqual([{ id: String(own.odooId), number: own.number }, null, null, null]);
    const customers = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id orders { totalCount edges { node { id } } } } } }', {
      r: [mine.accountId, theirs.accountId, world.examples.noErpPartner].map((id) => ({ __typename: 'Customer', id })),
    });
    expect(customers.errors).toBeUndefined();
    const [a, b, c] = customers.data!._entities;
    expect(a.orders.totalCount).toBe(mine.orders.length);
    expect(b).toEqual(c === null ? null : { ...c, id: theirs.accountId });
    expect(b.orders).toEqual({ totalCount: 0, edges: [] });
  });

  it('costs a non-partner principal nothing more for entities (the guard makes no lookup)', async () => {
    const ids = many.orders.slice(0, 5).map((o) => ({ __typename: 'Order', id: String(o.odooId) }));
    const r = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id number } } }', { r: ids });
    expect(r.errors).toBeUndefined();
    expect(r.ops).toEqual({ 'sale.order.search_read': 1 });
  });

  it('answers BACKEND_UNAVAILABLE naming odoo when Odoo is down', async () => {
    sandbox.setFaults({ down: true });
    try {
      const r = await graphql(subgraph.url, '{ order(id: "1") { id } }');
      expect(r.status).toBe(200);
      expect(r.data).toEqual({ order: null });
      expect(r.errors?.[0]?.extensions).toEqual({ code: 'BACKEND_UNAVAILABLE', system: 'odoo' });
    } finally {
      sandbox.setFaults({});
    }
  });
});
