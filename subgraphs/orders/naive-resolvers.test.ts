import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../platform/authz/principal.js';
import { buildSkeleton } from '../../sandbox/world/skeleton.js';
import { graphql, READER, startOdooSandbox, type OdooTestSandbox } from '../shared/connectors/odoo/test-harness.js';
import type { Ownership } from '../shared/ownership/ownership.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createSubgraph } from '../shared/server/subgraph-factory.js';
import type { OrdersContext } from './context.js';
import { ordersDefinition } from './index.js';
import { mapOrder, mapOrderLine, type OrderModel } from './mappers.js';

/**
 * The orders subgraph with deliberately naive resolvers: they return whatever the data-access
 * layer gives them and never ask whether the caller may see it. The row filter below them still
 * hides every row of another reseller's customer from a partner.
 */
const world = buildSkeleton();
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
const partner: Principal = { sub: 'reseller-user', roles: ['partner'], scopes: new Set(['customer:read', 'orders:read']), partnerId: world.examples.reseller };

const naive: GraphQLResolverMap<OrdersContext> = {
  Query: {
    async order(_root, args: { id: string }, ctx: OrdersContext) {
      const order = await ctx.loaders.order.load(Number(args.id));
      return order && mapOrder(order);
    },
  },
  Customer: {
    async orders(customer: { id: string }, _args, ctx: OrdersContext) {
      // Straight to the ERP partner's order list, and, when the partner is hidden, by the partner id the world knows.
      const partnerId = (await ctx.loaders.partnerByRef.load(customer.id))?.id ?? world.byAccountId.get(customer.id)!.odooPartnerId;
      const ids = (await ctx.loaders.orderIdsByPartner.load(partnerId)) ?? [];
      const orders = await ctx.loaders.order.loadMany(ids);
      const nodes = orders.flatMap((o) => (o && !(o instanceof Error) ? [mapOrder(o)] : []));
      return { edges: nodes.map((node) => ({ cursor: node.id, node })), pageInfo: { hasNextPage: false, endCursor: null }, totalCount: ids.length };
    },
  },
  Order: {
    async lines(order: OrderModel, _args, ctx: OrdersContext) {
      const lines = await ctx.loaders.orderLine.loadMany(order.lineIds);
      return lines.flatMap((l) => (l && !(l instanceof Error) ? [mapOrderLine(l, order.currency)] : []));
    },
  },
};

let sandbox: OdooTestSandbox;
let principal: Principal = partner;
let subgraph: RunningSubgraph;

beforeAll(async () => {
  sandbox = await startOdooSandbox();
  const deps = { odoo: sandbox.connector('jsonrpc'), authenticate: () => principal, ownership };
  subgraph = await (await createSubgraph({ ...ordersDefinition(deps), resolvers: naive }, deps)).listen(0);
});
afterAll(async () => {
  await subgraph?.close();
  await sandbox?.close();
});

const ORDER = 'query($id: ID!) { order(id: $id) { id lines { quantity } } }';
const ORDERS = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { orders { totalCount edges { node { id } } } } } }';

describe('resolvers that forget to ask', () => {
  it('still get nothing of another reseller\'s customer for a partner', async () => {
    principal = partner;
    const own = await graphql<{ order: { id: string; lines: unknown[] } | null }>(subgraph.url, ORDER, { id: String(mine.orders[0]!.odooId) });
    expect(own.errors).toBeUndefined();
    expect(own.data!.order?.lines.length).toBeGreaterThan(0);
    const foreign = await graphql(subgraph.url, ORDER, { id: String(theirs.orders[0]!.odooId) });
    expect(foreign).toEqual(await graphql(subgraph.url, ORDER, { id: '99999999' }));
    expect(foreign.data).toEqual({ order: null });

    const lists = await graphql<{ _entities: { orders: { totalCount: number; edges: unknown[] } }[] }>(subgraph.url, ORDERS, {
      r: [mine, theirs].map((c) => ({ __typename: 'Customer', id: c.accountId })),
    });
    expect(lists.errors).toBeUndefined();
    expect(lists.data!._entities[0]!.orders.edges).toHaveLength(mine.orders.length);
    expect(lists.data!._entities[1]!.orders).toEqual({ totalCount: 0, edges: [] });
  });

  it('show everything to an unrestricted principal', async () => {
    principal = READER;
    const foreign = await graphql<{ order: { id: string } | null }>(subgraph.url, ORDER, { id: String(theirs.orders[0]!.odooId) });
    expect(foreign.data!.order?.id).toBe(String(theirs.orders[0]!.odooId));
    const lists = await graphql<{ _entities: { orders: { totalCount: number } }[] }>(subgraph.url, ORDERS, { r: [{ __typename: 'Customer', id: theirs.accountId }] });
    expect(lists.data!._entities[0]!.orders.totalCount).toBe(theirs.orders.length);
  });
});
