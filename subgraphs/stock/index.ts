import { fileURLToPath } from 'node:url';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { createSubgraph, type SubgraphDeps } from '../shared/server/subgraph-factory.js';
import { createStockLoaders } from './loaders.js';
import { resolvers, type StockContext } from './resolvers.js';

/**
 * What the stock subgraph needs. `ownership` serves partner principals: an order's shipments are
 * its customer's rows; products and stock are not customer rows and stay unfiltered.
 */
export interface StockSubgraphDeps extends Omit<SubgraphDeps, 'mutations'> {
  odoo: OdooConnector;
}

/** Path of the stock SDL. */
export const STOCK_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Creates the stock subgraph server (Odoo product.product, stock.quant, stock.warehouse, stock.picking). */
export function createStockSubgraph(deps: StockSubgraphDeps) {
  return createSubgraph<StockContext>(
    {
      name: 'stock',
      schemaPath: STOCK_SCHEMA_PATH,
      resolvers,
      context: ({ base, cache, rows }) => ({ ...base, loaders: createStockLoaders(deps.odoo, cache, base.stale, rows()) }),
    },
    deps,
  );
}

export { resolvers, type StockContext } from './resolvers.js';
