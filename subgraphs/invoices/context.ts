import type { RecordCache } from '../shared/cache/record-cache.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import type { RowFilter } from '../shared/data-access/row-filter.js';
import type { BaseSubgraphContext } from '../shared/server/context.js';
import type { MutationContext } from '../shared/server/subgraph-factory.js';
import type { InvoicesLoaders } from './loaders.js';

/** Per-request context of the invoices subgraph. */
export interface InvoicesContext extends BaseSubgraphContext, MutationContext {
  /** Every read goes through these: the data-access layer with the row filter below it. */
  loaders: InvoicesLoaders;
  /** The row filter, for the write's ownership check before it reads Odoo fresh. */
  rows: RowFilter;
  /** Today (`YYYY-MM-DD`, UTC), for overdue. */
  today: string;
  /** For writes, which read Odoo fresh and invalidate the shared cache. */
  odoo: OdooConnector;
  cache: RecordCache;
}
