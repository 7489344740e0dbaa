import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createPassThroughCache, type RecordCache } from '../shared/cache/record-cache.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { createDefaultMutations, idempotencyKeyHeader, type SubgraphMutations } from '../shared/mutations/subgraph-mutations.js';
import { createOwnershipGuard, type Ownership } from '../shared/ownership/ownership.js';
import { baseContext, type Authenticate } from '../shared/server/context.js';
import { isSalesforceId } from '../../platform/ids/salesforce-id.js';
import { parseRecordId } from '../shared/connectors/odoo/values.js';
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
  /** Benchmarks only: no permissions (see createSubgraphServer); production never sets it. */
  unsafeWithoutPermissionsForBenchmarks?: true;
  /**
   * The mutation runner (idempotency store and audit log), to share one (and Redis) across
   * subgraphs. Default: an in-process store and the audit log at `AUDIT_LOG_PATH` (`var/audit.jsonl`).
   */
  mutations?: SubgraphMutations;
}

/** Path of the orders SDL. */
export const ORDERS_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Builds the context of one request: principal, loaders, ownership guard, mutation runner, Idempotency-Key header. */
export function createOrdersContext(deps: OrdersSubgraphDeps & { cache: RecordCache; mutations: SubgraphMutations }, headers: IncomingHttpHeaders): OrdersContext {
  const base = baseContext(deps.authenticate, headers);
  const { principal, stale } = base;
  return {
    ...base,
    loaders: createOrdersLoaders(deps.odoo, deps.cache, stale),
    guard: createOwnershipGuard(principal, deps.ownership),
    odoo: deps.odoo,
    cache: deps.cache,
    mutations: deps.mutations,
    idempotencyKey: idempotencyKeyHeader(headers),
  };
}

/** Ids a refused orders mutation is audited with: only well-formed ids, never free text. */
const REFUSAL_SPECS = {
  placeOrder: {
    ownerSystem: 'odoo' as const,
    targetIds: (args: Record<string, unknown>) => {
      const id = (args.input as { customerId?: unknown } | null | undefined)?.customerId;
      return isSalesforceId(id) ? [id] : [];
    },
  },
  cancelOrder: { ownerSystem: 'odoo' as const, targetIds: (args: Record<string, unknown>) => (parseRecordId(args.id) === null ? [] : [String(args.id)]) },
};

/** Creates the orders subgraph server (Odoo sale.order and sale.order.line). */
export async function createOrdersSubgraph(deps: OrdersSubgraphDeps) {
  const cache = deps.cache ?? createPassThroughCache();
  // A runner made here is this server's own: closed with it.
  const owned = deps.mutations ? undefined : createDefaultMutations('idem:orders');
  const mutations = deps.mutations ?? owned!;
  return createSubgraphServer<OrdersContext>({
    name: 'orders',
    schemaPath: ORDERS_SCHEMA_PATH,
    resolvers,
    createContext: (headers) => createOrdersContext({ ...deps, cache, mutations }, headers),
    refusals: REFUSAL_SPECS,
    unsafeWithoutPermissionsForBenchmarks: deps.unsafeWithoutPermissionsForBenchmarks,
    onClose: owned ? () => owned.close() : undefined,
  });
}

export { resolvers, type OrdersContext } from './resolvers.js';
