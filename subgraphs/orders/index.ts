import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { GraphQLSchema } from 'graphql';
import { createPassThroughCache, type RecordCache } from '../shared/cache/record-cache.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { createOwnershipGuard, type Ownership } from '../shared/ownership/ownership.js';
import { createStaleCollector, type Authenticate } from '../shared/server/context.js';
import { createSubgraphServer } from '../shared/server/create-subgraph-server.js';
import { createOrdersLoaders } from './loaders.js';
import { resolvers, type OrdersContext } from './resolvers.js';

/** What the orders subgraph needs. */
export interface OrdersSubgraphDeps {
  odoo: OdooConnector;
  /** Cross-request record cache (default: none, every read goes to Odoo). */
  cache?: RecordCache;
  authenticate: Authenticate;
  /** Reseller assignment of customers, for partner principals. */
  ownership?: Ownership;
  /** Wraps the executable schema (permissions). */
  wrapSchema?(schema: GraphQLSchema): GraphQLSchema;
}

/** Path of the orders SDL. */
export const ORDERS_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Builds the context of one request: principal, loaders, ownership guard. */
export function createOrdersContext(deps: OrdersSubgraphDeps, headers: IncomingHttpHeaders): OrdersContext {
  const principal = deps.authenticate(headers);
  const stale = createStaleCollector();
  const requestId = typeof headers['x-request-id'] === 'string' ? headers['x-request-id'] : randomUUID();
  return {
    principal,
    requestId,
    stale,
    loaders: createOrdersLoaders(deps.odoo, deps.cache ?? createPassThroughCache(), stale),
    guard: createOwnershipGuard(principal, deps.ownership),
  };
}

/** Creates the orders subgraph server (Odoo sale.order and sale.order.line). */
export function createOrdersSubgraph(deps: OrdersSubgraphDeps) {
  const cache = deps.cache ?? createPassThroughCache();
  return createSubgraphServer<OrdersContext>({
    name: 'orders',
    schemaPath: ORDERS_SCHEMA_PATH,
    resolvers,
    createContext: (headers) => createOrdersContext({ ...deps, cache }, headers),
    wrapSchema: deps.wrapSchema,
  });
}

export { resolvers, type OrdersContext } from './resolvers.js';
