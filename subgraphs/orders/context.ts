import type { RecordCache } from '../shared/cache/record-cache.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import type { SubgraphMutations } from '../shared/mutations/subgraph-mutations.js';
import type { OwnershipGuard } from '../shared/ownership/ownership.js';
import type { BaseSubgraphContext } from '../shared/server/context.js';
import type { OrdersLoaders } from './loaders.js';

/** Per-request context of the orders subgraph. */
export interface OrdersContext extends BaseSubgraphContext {
  loaders: OrdersLoaders;
  guard: OwnershipGuard;
  /** For writes, which read Odoo fresh and invalidate the shared cache. */
  odoo: OdooConnector;
  cache: RecordCache;
  /** Idempotent, audited execution of the mutations. */
  mutations: SubgraphMutations;
  /** The request's `Idempotency-Key` header, forwarded by the gateway; null when absent. */
  idempotencyKey: string | null;
}
