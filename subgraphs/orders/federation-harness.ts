/**
 * For tests: the Odoo subgraphs (orders, stock, optionally invoices) over a real Odoo sandbox,
 * planned by a real @apollo/gateway, with a stand-in accounts subgraph that only knows the
 * Customer key. Authentication and permissions are not applied: the subgraphs read as READER.
 */
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { readFileSync } from 'node:fs';
import { supergraphForApolloGateway } from '../../gateway/src/auth/supergraph-for-gateway.js';
import { WORLD_NOW } from '../../sandbox/world/skeleton.js';
import { createInvoicesSubgraph, INVOICES_SCHEMA_PATH } from '../invoices/index.js';
import { READER, startOdooSandbox, type OdooTestSandbox } from '../shared/connectors/odoo/test-harness.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createStockSubgraph, STOCK_SCHEMA_PATH } from '../stock/index.js';
import { createOrdersSubgraph, ORDERS_SCHEMA_PATH } from './index.js';

/** A stand-in for the accounts subgraph: the Customer entry point and key. */
const ACCOUNTS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
  type Query { customer(id: ID!): Customer }
  type Customer @key(fields: "id") { id: ID! }
`;

/** The running federation and its sandbox. */
export interface OdooFederation {
  sandbox: OdooTestSandbox;
  gateway: ApolloServer;
  close(): Promise<void>;
}

/** Starts the sandbox, the subgraphs and the gateway; `invoices` adds the invoices subgraph. */
export async function startOdooFederation(options: { invoices?: boolean } = {}): Promise<OdooFederation> {
  const sandbox = await startOdooSandbox();
  const odoo = sandbox.connector('jsonrpc');
  await odoo.warehouses(); // authenticates outside what tests measure
  const deps = { odoo, authenticate: () => READER };
  const running: RunningSubgraph[] = [await (await createOrdersSubgraph(deps)).listen(0), await (await createStockSubgraph(deps)).listen(0)];
  const services = [
    { name: 'orders', url: running[0]!.url, typeDefs: parse(readFileSync(ORDERS_SCHEMA_PATH, 'utf8')) },
    { name: 'stock', url: running[1]!.url, typeDefs: parse(readFileSync(STOCK_SCHEMA_PATH, 'utf8')) },
  ];
  if (options.invoices) {
    const invoices = await (await createInvoicesSubgraph({ ...deps, now: () => WORLD_NOW.getTime() })).listen(0);
    running.push(invoices);
    services.push({ name: 'invoices', url: invoices.url, typeDefs: parse(readFileSync(INVOICES_SCHEMA_PATH, 'utf8')) });
  }
  const accountsServer = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(ACCOUNTS_SDL), resolvers: { Query: { customer: (_: unknown, { id }: { id: string }) => ({ id }) } } }),
  });
  const { url } = await startStandaloneServer(accountsServer, { listen: { port: 0, host: '127.0.0.1' } });
  const composed = composeServices([{ name: 'accounts', url, typeDefs: parse(ACCOUNTS_SDL) }, ...services]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  // The same copy the real gateway gets: the auth directives stay, their SECURITY purpose goes.
  const gateway = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: supergraphForApolloGateway(composed.supergraphSdl) }) });
  await gateway.start();
  return {
    sandbox,
    gateway,
    async close() {
      await gateway.stop();
      await accountsServer.stop();
      for (const s of running) await s.close();
      await sandbox.close();
    },
  };
}
