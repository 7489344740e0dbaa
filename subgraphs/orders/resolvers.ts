import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { badInput, codedError, ErrorCode } from '../shared/errors-graphql.js';
import { pageOfIds, parsePageArgs } from '../shared/connectors/odoo/id-page.js';
import type { OdooSaleOrder } from '../shared/connectors/odoo/records.js';
import { isRecordName, parseRecordId } from '../shared/connectors/odoo/values.js';
import type { BaseSubgraphContext } from '../shared/server/context.js';
import type { OwnershipGuard } from '../shared/ownership/ownership.js';
import { settled, type OrdersLoaders } from './loaders.js';
import { mapOrder, mapOrderLine, type OrderModel } from './mappers.js';

/** Per-request context of the orders subgraph. */
export interface OrdersContext extends BaseSubgraphContext {
  loaders: OrdersLoaders;
  guard: OwnershipGuard;
}

const ORDER_MODEL = 'sale.order';

function orderId(value: unknown, field: string): number {
  const id = parseRecordId(value);
  if (id === null) throw badInput(field, 'must be a positive integer (an Odoo sale.order id)');
  return id;
}

function orderNumber(value: unknown, field: string): string {
  if (!isRecordName(value)) throw badInput(field, 'must be 1-64 letters, digits, "/", "_" or "-"');
  return value;
}

/** The Salesforce Account Id of an order's customer (its partner's crosswalk ref), or null. */
async function customerIdOf(order: OrderModel, ctx: OrdersContext): Promise<string | null> {
  if (order.partnerId === null) return null;
  const partner = await ctx.loaders.partner.load(order.partnerId);
  return partner && partner.ref ? partner.ref : null;
}

/** Maps an order found by an entry point, or null when the caller may not see it (same answer as an unknown id). */
async function visible(order: OdooSaleOrder | null, ctx: OrdersContext): Promise<OrderModel | null> {
  if (!order) return null;
  ctx.loaders.order.prime(order.id, order);
  const model = mapOrder(order);
  if (ctx.guard.restricted && !(await ctx.guard.canSee(await customerIdOf(model, ctx)))) return null;
  return model;
}

const notYet = () => {
  throw codedError(ErrorCode.BACKEND_REJECTED, 'not implemented yet', { system: 'odoo' });
};

/** Resolvers of the orders subgraph. */
export const resolvers: GraphQLResolverMap<OrdersContext> = {
  Query: {
    async order(_root, args: { id: string }, ctx: OrdersContext) {
      const id = orderId(args.id, 'id');
      return visible(await ctx.loaders.order.load(id), ctx);
    },
    async orderByNumber(_root, args: { number: string }, ctx: OrdersContext) {
      const number = orderNumber(args.number, 'number');
      return visible(await ctx.loaders.orderByName.load(number), ctx);
    },
  },
  Mutation: {
    placeOrder: notYet,
    cancelOrder: notYet,
  },
  Customer: {
    async orders(customer: { id: string }, args: { first?: number | null; after?: string | null }, ctx: OrdersContext) {
      let pageArgs;
      try {
        pageArgs = parsePageArgs(ORDER_MODEL, args.first, args.after);
      } catch (err) {
        throw badInput((err as Error).message.startsWith('first') ? 'first' : 'after', (err as Error).message);
      }
      const empty = { edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 };
      const partner = typeof customer.id === 'string' ? await ctx.loaders.partnerByRef.load(customer.id) : null;
      if (!partner) return empty;
      ctx.loaders.partner.prime(partner.id, partner);
      const ids = (await ctx.loaders.orderIdsByPartner.load(partner.id)) ?? [];
      let page;
      try {
        page = pageOfIds(ORDER_MODEL, ids, pageArgs);
      } catch (err) {
        throw badInput('after', (err as Error).message);
      }
      const orders = settled(await ctx.loaders.order.loadMany(page.ids));
      const edges = orders.flatMap((order, i) => (order ? [{ cursor: page.cursors[i]!, node: mapOrder(order) }] : []));
      return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor }, totalCount: page.totalCount };
    },
  },
  Order: {
    async __resolveReference(ref: { id?: string; number?: string }, ctx: OrdersContext) {
      if (ref.id !== undefined && ref.id !== null) {
        const order = await ctx.loaders.order.load(orderId(ref.id, 'id'));
        return order ? mapOrder(order) : null;
      }
      const order = await ctx.loaders.orderByName.load(orderNumber(ref.number, 'number'));
      if (!order) return null;
      ctx.loaders.order.prime(order.id, order);
      return mapOrder(order);
    },
    async lines(order: OrderModel, _args, ctx: OrdersContext) {
      const lines = settled(await ctx.loaders.orderLine.loadMany(order.lineIds));
      return lines.flatMap((line) => {
        const mapped = line ? mapOrderLine(line, order.currency) : null;
        return mapped ? [mapped] : [];
      });
    },
    async customer(order: OrderModel, _args, ctx: OrdersContext) {
      const id = await customerIdOf(order, ctx);
      return id ? { __typename: 'Customer', id } : null;
    },
  },
};
