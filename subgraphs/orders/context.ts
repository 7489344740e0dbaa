import type { RecordCache } from '../shared/cache/record-cache.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import type { RowFilter } from '../shared/data-access/row-filter.js';
import type { BaseSubgraphContext } from '../shared/server/context.js';
import type { MutationContext } from '../shared/server/subgraph-factory.js';
import type { OrdersLoaders } from './loaders.js';
import type { WriteProgressStore } from '../shared/mutations/write-progress.js';

/** Per-request context of the orders subgraph. */
export interface OrdersContext extends BaseSubgraphContext, MutationContext {
  /** Every read goes through these: the data-access layer with the row filter below it. */
  loaders: OrdersLoaders;
  /** The row filter, for the writes' ownership checks of records they read fresh. */
  rows: RowFilter;
  /** For writes, which read Odoo fresh and invalidate the shared cache. */
  odoo: OdooConnector;
  cache: RecordCache;
  /** Where placeOrder keeps its progress between steps for the reconciler (absent: not kept). */
  progress?: WriteProgressStore;
  /** The reconciler's bound, from which a request's hold on its progress is derived. */
  reconcileBoundMs?: number;
}
