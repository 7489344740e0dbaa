import type { RecordCache } from '../shared/cache/record-cache.js';
import type { ServiceDeskConnector } from '../shared/connectors/servicedesk/types.js';
import type { RowFilter } from '../shared/data-access/row-filter.js';
import type { BaseSubgraphContext } from '../shared/server/context.js';
import type { MutationContext } from '../shared/server/subgraph-factory.js';
import type { CasesLoaders } from './loaders.js';
import type { OrderDirectory } from './order-directory.js';

/** Per-request context of the cases subgraph. */
export interface CasesContext extends BaseSubgraphContext, MutationContext {
  /** Every read goes through these: the data-access layer with the row filter below it. */
  loaders: CasesLoaders;
  /** The row filter, for openCase's check of its customer before Zendesk is asked. */
  rows: RowFilter;
  /** For writes (and their recovery), which go to Zendesk itself. */
  serviceDesk: ServiceDeskConnector;
  cache: RecordCache;
  /** The ERP's orders, to check the order a new case is linked to; without it a case cannot name an order. */
  orders?: OrderDirectory;
}
