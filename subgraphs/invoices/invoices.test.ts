import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSkeleton, WORLD_NOW } from '../../sandbox/world/skeleton.js';
import type { Principal } from '../../platform/authz/principal.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { graphql, READER, startOdooSandbox, type OdooTestSandbox } from '../shared/connectors/odoo/test-harness.js';
import type { Ownership } from '../shared/ownership/ownership.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createInvoicesSubgraph } from './index.js';

const world = buildSkeleton();
const many = world.byAccountId.get(world.examples.manyOrders)!;
const blocked = world.byAccountId.get(world.examples.onSalesBlock)!;
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

let sandbox: OdooTestSandbox;
let subgraph: RunningSubgraph;
let odoo: OdooConnector;
let principal: Principal = READER;

beforeAll(async () => {
  sandbox = await startOdooSandbox();
  odoo = sandbox.connector('jsonrpc');
  subgraph = await (await createInvoicesSubgraph({ odoo, authenticate: () => principal, ownership, now: () => WORLD_NOW.getTime() })).listen(0);
});
afterAll(async () => {
  await subgraph?.close();
  await sandbox?.close();
});

async function measured(query: string, variables: Record<string, unknown> = {}) {
  const before = sandbox.calls();
  const result = await graphql<Record<string, any>>(subgraph.url, query, variables); // eslint-disable-line @typescript-eslint/no-explicit-any
  return { ...result, calls: sandbox.calls() - before };
}

const INVOICE = 'id number kind status paymentStatus issuedOn dueOn amountUntaxed { amount currency } amountTotal { amount currency } amountDue { amount currency } order { id } customer { id }';

describe('invoices subgraph over the Odoo sandbox', () => {
  it('answers invoice(id) and invoiceByNumber, with order and customer references', async () => {
    const ids = (await odoo.moveIdsByPartnerIds([many.odooPartnerId])).get(many.odooPartnerId)!;
    const move = [...(await odoo.movesByIds(ids)).values()].find((m) => m.state === 'posted' && m.invoice_origin)!;
    const r = await measured(`query($id: ID!) { invoice(id: $id) { ${INVOICE} } }`, { id: String(move.id) });
    expect(r.errors).toBeUndefined();
    const inv = r.data!.invoice;
    const order = many.orders.find((o) => o.number === move.invoice_origin)!;
    expect(inv).toMatchObject({ id: String(move.id), number: move.name, status: 'POSTED', order: { id: String(order.odooId) }, customer: { id: many.accountId } });
    expect(inv.amountDue.amount).toMatch(/^\d+\.\d{2}$/);
    expect(r.calls).toBe(3); // move, order by name, partner
    const byNumber = await measured('query($n: String!) { invoiceByNumber(number: $n) { id } }', { n: move.name });
    expect(byNumber.data!.invoiceByNumber).toEqual({ id: String(move.id) });
    expect(byNumber.calls).toBe(1);
  });

  it('answers null for unknown ids and BAD_USER_INPUT without a call for malformed ones', async () => {
    const unknown = await measured('{ invoice(id: "999999") { id } invoiceByNumber(number: "INV/1999/99999") { id } }');
    expect(unknown.data).toEqual({ invoice: null, invoiceByNumber: null });
    for (const id of ['x', '0', '-1']) {
      const r = await measured('query($id: ID!) { invoice(id: $id) { id } }', { id });
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.calls).toBe(0);
    }
    const badNumber = await measured('query($n: String!) { invoiceByNumber(number: $n) { id } }', { n: 'INV 1; DROP' });
    expect(badNumber.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(badNumber.calls).toBe(0);
  });

  it('answers the billing profile with hold, balances and terms', async () => {
    const r = await measured(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id billing {
      vatNumber address { city country } paymentTerms creditLimit { amount currency } onHold holdReason outstanding { amount currency } overdue { amount currency } } } } }`,
    { r: [{ __typename: 'Customer', id: blocked.accountId }, { __typename: 'Customer', id: many.accountId }, { __typename: 'Customer', id: world.examples.noErpPartner }] });
    expect(r.errors).toBeUndefined();
    const [b, m, none] = r.data!._entities.map((e: { billing: unknown }) => e.billing);
    expect(b).toMatchObject({ onHold: true });
    expect(typeof b.holdReason).toBe('string');
    expect(m.onHold).toBe(false);
    expect(none).toBeNull();
    expect(r.calls).toBe(2); // partners by ref, open items

    const open = (await odoo.openItemsByPartnerIds([many.odooPartnerId])).get(many.odooPartnerId)!;
    const today = WORLD_NOW.toISOString().slice(0, 10);
    const cents = (xs: typeof open) => xs.reduce((s, x) => s + (x.move_type === 'out_refund' ? -1 : 1) * Math.round(x.amount_residual * 100), 0);
    expect(m.outstanding).toEqual({ amount: (cents(open) / 100).toFixed(2), currency: 'EUR' });
    expect(m.overdue.amount).toBe((cents(open.filter((x) => x.invoice_date_due && x.invoice_date_due < today)) / 100).toFixed(2));
  });

  it('pages through a customer\'s invoices', async () => {
    const query = `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Customer { invoices(first: 5, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id kind } } } } } }`;
    const rep = [{ __typename: 'Customer', id: many.accountId }];
    const first = await measured(query, { r: rep });
    expect(first.errors).toBeUndefined();
    const conn = first.data!._entities[0].invoices;
    expect(conn.totalCount).toBeGreaterThan(5);
    expect(conn.edges).toHaveLength(5);
    expect(first.calls).toBe(2); // partner by ref, the invoice list with its records
    const second = await measured(query, { r: rep, after: conn.pageInfo.endCursor });
    const ids = second.data!._entities[0].invoices.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(ids.some((id: string) => conn.edges.some((e: { node: { id: string } }) => e.node.id === id))).toBe(false);
  });

  it('answers Order.invoices for many orders with one call, using the required number', async () => {
    const reps = many.orders.map((o) => ({ __typename: 'Order', id: String(o.odooId), number: o.number }));
    const r = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id invoices { id number kind } } } }', { r: reps });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities.flatMap((o: { invoices: unknown[] }) => o.invoices).length).toBeGreaterThan(0);
    expect(r.calls).toBe(1);
    const withoutNumber = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { invoices { id } } } }', {
      r: [{ __typename: 'Order', id: String(many.orders[0]!.odooId) }],
    });
    expect(withoutNumber.errors).toBeUndefined();
    expect(withoutNumber.calls).toBe(2);
  });

  it("answers Order.invoices from the customer's invoice list when the customer comes along, the same invoices as by origin", async () => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id invoices { id number kind amountDue { amount } } } } }';
    const byOrigin = await measured(query, { r: many.orders.map((o) => ({ __typename: 'Order', id: String(o.odooId), number: o.number })) });
    const reps = many.orders.map((o) => ({ __typename: 'Order', id: String(o.odooId), number: o.number, customer: { id: many.accountId } }));
    const r = await measured(query, { r: reps });
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual(byOrigin.data);
    expect(r.calls).toBe(2); // partner by ref, the partner's invoice list: the same reads as Customer.invoices
    const combined = await measured(
      `query($r: [_Any!]!, $c: [_Any!]!) { c: _entities(representations: $c) { ... on Customer { invoices(first: 5) { totalCount } billing { outstanding { amount } } } }
        o: _entities(representations: $r) { ... on Order { invoices { id } } } }`,
      { r: reps, c: [{ __typename: 'Customer', id: many.accountId }] },
    );
    expect(combined.errors).toBeUndefined();
    expect(combined.calls).toBe(2); // the customer's invoices, open items and its orders' invoices share one list
  });

  it('hides invoices of another reseller\'s customers from a partner', async () => {
    const mineIds = (await odoo.moveIdsByPartnerIds([mine.odooPartnerId, theirs.odooPartnerId]));
    const a = mineIds.get(mine.odooPartnerId)![0];
    const b = mineIds.get(theirs.odooPartnerId)![0];
    principal = { sub: 'r', roles: ['partner'], scopes: new Set(['invoices:read']), partnerId: world.examples.reseller };
    try {
      const r = await measured('query($a: ID!, $b: ID!) { a: invoice(id: $a) { id } b: invoice(id: $b) { id } }', { a: String(a), b: String(b) });
      expect(r.data).toEqual({ a: { id: String(a) }, b: null });
    } finally {
      principal = READER;
    }
  });

  it('filters entities and entity fields for a partner like its root fields: another reseller\'s rows answer like unknown ones', async () => {
    const lists = await odoo.moveIdsByPartnerIds([mine.odooPartnerId, theirs.odooPartnerId]);
    const own = lists.get(mine.odooPartnerId)![0]!;
    const other = lists.get(theirs.odooPartnerId)![0]!;
    const otherOrder = theirs.orders[0]!;
    principal = { sub: 'r', roles: ['partner'], scopes: new Set(['invoices:read']), partnerId: world.examples.reseller };
    try {
      const invoices = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Invoice { id } } }', {
        r: [own, other, 999_999].map((id) => ({ __typename: 'Invoice', id: String(id) })),
      });
      expect(invoices.data!._entities).toEqual([{ id: String(own) }, null, null]);
      const customers = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id billing { vatNumber } invoices { totalCount } } } }', {
        r: [mine.accountId, theirs.accountId, world.examples.noErpPartner].map((id) => ({ __typename: 'Customer', id })),
      });
      expect(customers.errors).toBeUndefined();
      expect(customers.data!._entities[0].invoices.totalCount).toBeGreaterThan(0);
      expect(customers.data!._entities.slice(1)).toEqual([
        { id: theirs.accountId, billing: null, invoices: { totalCount: 0 } },
        { id: world.examples.noErpPartner, billing: null, invoices: { totalCount: 0 } },
      ]);
      const orderInvoices = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id invoices { id } } } }', {
        r: [
          { __typename: 'Order', id: String(otherOrder.odooId), number: otherOrder.number },
          { __typename: 'Order', id: String(otherOrder.odooId), number: otherOrder.number, customer: { id: theirs.accountId } },
        ],
      });
      expect(orderInvoices.errors).toBeUndefined();
      expect(orderInvoices.data!._entities).toEqual([{ id: String(otherOrder.odooId), invoices: [] }, { id: String(otherOrder.odooId), invoices: [] }]);
    } finally {
      principal = READER;
    }
  });

  it('serves its SDL with the number and customer requirement', async () => {
    const r = await graphql<{ _service: { sdl: string } }>(subgraph.url, '{ _service { sdl } }');
    expect(r.data!._service.sdl).toContain('@requires(fields: "number customer { id }")');
  });
});
