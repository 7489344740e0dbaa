/**
 * The ERP-protection promise end to end: a customer view over the three Odoo subgraphs, planned
 * by a real federation gateway, costs the same number of Odoo calls for a customer with 30
 * orders as for one with 2.
 */
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSkeleton, WORLD_NOW } from '../../sandbox/world/skeleton.js';
import { READER, startOdooSandbox, type OdooTestSandbox } from '../shared/connectors/odoo/test-harness.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createInvoicesSubgraph, INVOICES_SCHEMA_PATH } from '../invoices/index.js';
import { createStockSubgraph, STOCK_SCHEMA_PATH } from '../stock/index.js';
import { createOrdersSubgraph, ORDERS_SCHEMA_PATH } from './index.js';

const world = buildSkeleton();

/**
 * The subgraph SDL without its auth directives: @apollo/gateway refuses supergraphs that link
 * the SECURITY features, and authorization does not change what a plan costs.
 */
function withoutAuthDirectives(path: string) {
  const sdl = readFileSync(path, 'utf8')
    .replace(/@requiresScopes\(scopes: \[(\[[^\]]*\](, )?)+\]\)/g, '')
    .replace(/@policy\(policies: \[(\[[^\]]*\](, )?)+\]\)/g, '');
  return parse(sdl);
}

/** A stand-in for the accounts subgraph: only the Customer entry point and key. */
const ACCOUNTS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
  type Query { customer(id: ID!): Customer }
  type Customer @key(fields: "id") { id: ID! }
`;

let sandbox: OdooTestSandbox;
const running: RunningSubgraph[] = [];
let accounts: { url: string; stop(): Promise<void> };
let gateway: ApolloServer;

beforeAll(async () => {
  sandbox = await startOdooSandbox();
  const odoo = sandbox.connector('jsonrpc');
  await odoo.warehouses(); // authenticates outside the measured calls
  const deps = { odoo, authenticate: () => READER };
  running.push(await (await createOrdersSubgraph(deps)).listen(0));
  running.push(await (await createStockSubgraph(deps)).listen(0));
  running.push(await (await createInvoicesSubgraph({ ...deps, now: () => WORLD_NOW.getTime() })).listen(0));

  const accountsServer = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(ACCOUNTS_SDL), resolvers: { Query: { customer: (_: unknown, { id }: { id: string }) => ({ id }) } } }),
  });
  const { url } = await startStandaloneServer(accountsServer, { listen: { port: 0, host: '127.0.0.1' } });
  accounts = { url, stop: () => accountsServer.stop() };

  const composed = composeServices([
    { name: 'accounts', url: accounts.url, typeDefs: parse(ACCOUNTS_SDL) },
    { name: 'orders', url: running[0]!.url, typeDefs: withoutAuthDirectives(ORDERS_SCHEMA_PATH) },
    { name: 'stock', url: running[1]!.url, typeDefs: withoutAuthDirectives(STOCK_SCHEMA_PATH) },
    { name: 'invoices', url: running[2]!.url, typeDefs: withoutAuthDirectives(INVOICES_SCHEMA_PATH) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  gateway = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl }) });
  await gateway.start();
});

afterAll(async () => {
  await gateway?.stop();
  await accounts?.stop();
  for (const s of running) await s.close();
  await sandbox?.close();
});

const VIEW = `query($id: ID!) { customer(id: $id) { id
  orders(first: 50) { totalCount edges { node { id number status amountTotal { amount currency }
    lines { quantity product { id sku name availability { onHand free } } }
    shipments { number status }
    invoices { number paymentStatus amountDue { amount } } } } }
  billing { onHold outstanding { amount } overdue { amount } }
  invoices(first: 20) { totalCount edges { node { number order { id number } } } } } }`;

async function view(accountId: string) {
  const before = sandbox.byOperation();
  const calls = sandbox.calls();
  const res = await gateway.executeOperation({ query: VIEW, variables: { id: accountId } });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  const after = sandbox.byOperation();
  const byOperation = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v !== 0));
  return { result: res.body.singleResult, calls: sandbox.calls() - calls, byOperation };
}

describe('no N+1 over Odoo', () => {
  it('costs the same number of Odoo calls for 30 orders as for 2', async () => {
    const many = await view(world.examples.manyOrders);
    const few = await view(world.examples.fewOrders);
    expect(many.result.errors).toBeUndefined();
    expect(few.result.errors).toBeUndefined();
    const data = many.result.data as { customer: { orders: { totalCount: number; edges: { node: { lines: unknown[]; shipments: unknown[]; invoices: unknown[] } }[] } } };
    expect(data.customer.orders.totalCount).toBe(30);
    expect(data.customer.orders.edges.flatMap((e) => e.node.lines).length).toBeGreaterThan(30);
    expect(data.customer.orders.edges.flatMap((e) => e.node.invoices).length).toBeGreaterThan(0);
    expect(many.calls).toBe(few.calls);
    expect(many.byOperation).toEqual(few.byOperation);
    // One call per model or list per plan step, no cache: partners by ref (orders, invoices, and the
    // orders' invoices); the order list with its records, orders by invoice origin (Invoice.order);
    // lines; pickings; products; the invoice list with its records, once for the customer (page,
    // open items) and once for its orders' invoices (another subgraph request).
    expect(many.byOperation).toEqual({
      'res.partner.search_read': 3,
      'sale.order.search_read': 2,
      'sale.order.line.search_read': 1,
      'stock.picking.search_read': 1,
      'product.product.search_read': 1,
      'account.move.search_read': 2,
    });
  });
});
