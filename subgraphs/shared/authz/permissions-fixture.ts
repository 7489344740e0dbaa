import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { parse, type GraphQLSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Path of the orders subgraph SDL, the fixture's schema. */
export const ORDERS_SDL_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'orders', 'schema.graphql');

const money = (amount: number) => ({ amount: amount.toFixed(2), currency: 'EUR' });

function order(id: number, lines: number) {
  return {
    id: String(id),
    number: `S${String(id).padStart(5, '0')}`,
    status: 'CONFIRMED',
    placedAt: '2026-01-01T00:00:00Z',
    clientReference: null,
    amountUntaxed: money(100),
    amountTax: money(20),
    amountTotal: money(120),
    deliveryStatus: 'PARTIAL',
    invoiceStatus: 'TO_INVOICE',
    lines: Array.from({ length: lines }, (_, i) => ({
      id: `${id}-${i}`,
      product: { id: String(1000 + i) },
      description: `line ${i}`,
      quantity: 2,
      quantityDelivered: 1,
      quantityInvoiced: 0,
      unitPrice: money(10),
      discount: 0,
      subtotal: money(20),
    })),
    customer: { id: '0015g0000000001AAA' },
  };
}

/** Stub resolvers of the orders subgraph: `orders` gives `ordersPerCustomer` orders of `linesPerOrder` lines. */
export function ordersStubResolvers(ordersPerCustomer = 30, linesPerOrder = 6): GraphQLResolverMap<unknown> {
  return {
    Query: {
      order: (_: unknown, { id }: { id: string }) => (id === '404' ? null : order(Number(id), linesPerOrder)),
      orderByNumber: (_: unknown, { number }: { number: string }) => order(Number(number.slice(1)), linesPerOrder),
    },
    Mutation: {
      placeOrder: () => order(9999, 1),
      cancelOrder: (_: unknown, { id }: { id: string }) => ({ ...order(Number(id), 1), status: 'CANCELLED' }),
    },
    Customer: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      orders: () => {
        const nodes = Array.from({ length: ordersPerCustomer }, (_, i) => order(i + 1, linesPerOrder));
        return {
          edges: nodes.map((node) => ({ cursor: node.id, node })),
          pageInfo: { hasNextPage: false, endCursor: nodes.at(-1)?.id ?? null },
          totalCount: nodes.length,
        };
      },
    },
    Order: {
      __resolveReference: (ref: { id?: string; number?: string }) => order(Number(ref.id ?? ref.number?.slice(1)), linesPerOrder),
    },
  };
}

/** The orders subgraph schema over stub resolvers, without permissions. */
export function ordersStubSchema(ordersPerCustomer = 30, linesPerOrder = 6): { schema: GraphQLSchema; sdl: string } {
  const sdl = readFileSync(ORDERS_SDL_PATH, 'utf8');
  return { sdl, schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: ordersStubResolvers(ordersPerCustomer, linesPerOrder) }) };
}

/** The customer view's order part as the gateway asks it: one customer's orders with their lines. */
export const CUSTOMER_ORDERS_QUERY = `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Customer {
        id
        orders(first: 30) {
          totalCount
          pageInfo { hasNextPage endCursor }
          edges {
            cursor
            node {
              id number status placedAt clientReference deliveryStatus invoiceStatus
              amountUntaxed { amount currency } amountTax { amount currency } amountTotal { amount currency }
              lines {
                id description quantity quantityDelivered quantityInvoiced discount
                product { id }
                unitPrice { amount currency }
                subtotal { amount currency }
              }
            }
          }
        }
      }
    }
  }
`;
