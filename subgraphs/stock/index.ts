import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createPassThroughCache, type RecordCache } from '../shared/cache/record-cache.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { createOwnershipGuard, type Ownership } from '../shared/ownership/ownership.js';
import { baseContext, type Authenticate } from '../shared/server/context.js';
import { createSubgraphServer } from '../shared/server/create-subgraph-server.js';
import { createStockLoaders } from './loaders.js';
import { resolvers, type StockContext } from './resolvers.js';

/** What the stock subgraph needs. */
export interface StockSubgraphDeps {
  odoo: OdooConnector;
  /** Cross-request record cache (default: none, every read goes to Odoo). */
  cache?: RecordCache;
  authenticate: Authenticate;
  /**
   * Reseller assignment of customers, for partner principals: an order's shipments are its
   * customer's rows. Products and stock are not customer rows and stay unfiltered.
   */
  ownership?: Ownership;
  /** Benchmarks only: no permissions (see createSubgraphServer); production never sets it. */
  unsafeWithoutPermissionsForBenchmarks?: true;
}

/** Path of the stock SDL. */
export const STOCK_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Builds the context of one request: principal, loaders, ownership guard. */
export function createStockContext(deps: StockSubgraphDeps, headers: IncomingHttpHeaders): StockContext {
  const base = baseContext(deps.authenticate, headers);
  const { principal, stale } = base;
  return {
    ...base,
    loaders: createStockLoaders(deps.odoo, deps.cache ?? createPassThroughCache(), stale),
    guard: createOwnershipGuard(principal, deps.ownership),
  };
}

/** Creates the stock subgraph server (Odoo product.product, stock.quant, stock.warehouse, stock.picking). */
export function createStockSubgraph(deps: StockSubgraphDeps) {
  const cache = deps.cache ?? createPassThroughCache();
  return createSubgraphServer<StockContext>({
    name: 'stock',
    schemaPath: STOCK_SCHEMA_PATH,
    resolvers,
    createContext: (headers) => createStockContext({ ...deps, cache }, headers),
    unsafeWithoutPermissionsForBenchmarks: deps.unsafeWithoutPermissionsForBenchmarks,
  });
}

export { resolvers, type StockContext } from './resolvers.js';
