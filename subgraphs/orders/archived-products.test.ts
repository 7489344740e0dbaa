/**
 * Archived products stay on the orders that sold them: a customer's order list, planned by a real
 * federation gateway over the orders and stock subgraphs, keeps every order and names the
 * archived products (a missing product would null the non-null OrderLine.product and, with it,
 * the whole list).
 */
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVED_PRODUCT_IDS } from '../../sandbox/odoo/index.js';
import { READER, startOdooSandbox, type OdooTestSandbox } from '../shared/connectors/odoo/test-harness.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createStockSubgraph, STOCK_SCHEMA_PATH } from '../stock/index.js';
import { createOrdersSubgraph, ORDERS_SCHEMA_PATH } from './index.js';

/** The SDL without auth directives: @apollo/gateway refuses supergraphs linking the SECURITY features. */
function withoutAuthDirectives(path: string) {
  return parse(
    readFileSync(path, 'utf8')
      .replace(/@requiresScopes\(scopes: \[(\[[^\]]*\](, )?)+\]\)/g, '')
      .replace(/@policy\(policies: \[(\[[^\]]*\](, )?)+\]\)/g, ''),
  );
}

/** A stand-in for the accounts subgraph: the Customer entry point and key. */
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
  const deps = { odoo: sandbox.connector('jsonrpc'), authenticate: () => READER };
  running.push(await (await createOrdersSubgraph(deps)).listen(0));
  running.push(await (await createStockSubgraph(deps)).listen(0));
  const accountsServer = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(ACCOUNTS_SDL), resolvers: { Query: { customer: (_: unknown, { id }: { id: string }) => ({ id }) } } }),
  });
  const { url } = await startStandaloneServer(accountsServer, { listen: { port: 0, host: '127.0.0.1' } });
  accounts = { url, stop: () => accountsServer.stop() };
  const composed = composeServices([
    { name: 'accounts', url: accounts.url, typeDefs: parse(ACCOUNTS_SDL) },
    { name: 'orders', url: running[0]!.url, typeDefs: withoutAuthDirectives(ORDERS_SCHEMA_PATH) },
    { name: 'stock', url: running[1]!.url, typeDefs: withoutAuthDirectives(STOCK_SCHEMA_PATH) },
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

type Line = { product: { id: string; name: string } };
type View = { customer: { orders: { totalCount: number; edges: { node: { number: string; lines: Line[] } }[] } } };

describe('orders referencing archived products', () => {
  it('a customer whose orders sold archived products gets its full order list with their names', async () => {
    // Found in the seeded world, not hard-coded: an order line selling an archived product, and its customer.
    const [line] = await sandbox.rpc<{ order_id: [number, string] }[]>('sale.order.line', 'search_read', [], {
      domain: [['product_id', 'in', ARCHIVED_PRODUCT_IDS]],
      fields: ['order_id'],
      limit: 1,
      order: 'id asc',
    });
    const [order] = await sandbox.rpc<{ partner_id: [number, string] }[]>('sale.order', 'read', [[line!.order_id[0]], ['partner_id']]);
    const [partner] = await sandbox.rpc<{ ref: string }[]>('res.partner', 'read', [[order!.partner_id[0]], ['ref']]);
    const orderCount = await sandbox.rpc<number>('sale.order', 'search_count', [[['partner_id', '=', order!.partner_id[0]]]]);
    const archived = await sandbox.rpc<{ id: number; name: string; active: boolean }[]>('product.product', 'read', [ARCHIVED_PRODUCT_IDS, ['name', 'active']]);
    expect(archived.every((p) => p.active === false)).toBe(true);
    const archivedNames = new Map(archived.map((p) => [String(p.id), p.name]));

    const res = await gateway.executeOperation({
      query: `query($id: ID!) { customer(id: $id) { orders(first: 100) { totalCount edges { node { number lines { product { id name } } } } } } }`,
      variables: { id: partner!.ref },
    });
    if (res.body.kind !== 'single') throw new Error('expected a single result');
    const { errors, data } = res.body.singleResult;
    expect(errors).toBeUndefined();
    const orders = (data as View).customer.orders;
    expect(orders.totalCount).toBe(orderCount);
    expect(orders.edges).toHaveLength(orderCount);
    const sold = orders.edges.flatMap((e) => e.node.lines.map((l) => l.product)).filter((p) => archivedNames.has(p.id));
    expect(sold.length).toBeGreaterThan(0);
    for (const product of sold) expect(product.name).toBe(archivedNames.get(product.id));
    expect(orders.edges.map((e) => e.node.number)).toContain(line!.order_id[1]);
  });
});
