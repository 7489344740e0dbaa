import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createPassThroughCache, type RecordCache } from '../shared/cache/record-cache.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { createDefaultMutations, idempotencyKeyHeader, type SubgraphMutations } from '../shared/mutations/subgraph-mutations.js';
import { createOwnershipGuard, type Ownership } from '../shared/ownership/ownership.js';
import { baseContext, type Authenticate } from '../shared/server/context.js';
import { isSalesforceId } from '../../platform/ids/salesforce-id.js';
import { createSubgraphServer } from '../shared/server/create-subgraph-server.js';
import { createInvoicesLoaders } from './loaders.js';
import { resolvers, type InvoicesContext } from './resolvers.js';

/** What the invoices subgraph needs. */
export interface InvoicesSubgraphDeps {
  odoo: OdooConnector;
  /** Cross-request record cache (default: none, every read goes to Odoo). */
  cache?: RecordCache;
  authenticate: Authenticate;
  /** Reseller assignment of customers, for partner principals. */
  ownership?: Ownership;
  /** The clock for overdue balances (default Date.now); tests pin it. */
  now?: () => number;
  /** Benchmarks only: no permissions (see createSubgraphServer); production never sets it. */
  unsafeWithoutPermissionsForBenchmarks?: true;
  /**
   * The mutation runner (idempotency store and audit log), to share one (and Redis) across
   * subgraphs. Default: an in-process store and the audit log at `AUDIT_LOG_PATH` (`var/audit.jsonl`).
   */
  mutations?: SubgraphMutations;
}

/** Path of the invoices SDL. */
export const INVOICES_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Builds the context of one request: principal, loaders, ownership guard, today's date, mutation runner, Idempotency-Key header. */
export function createInvoicesContext(deps: InvoicesSubgraphDeps & { cache: RecordCache; mutations: SubgraphMutations }, headers: IncomingHttpHeaders): InvoicesContext {
  const base = baseContext(deps.authenticate, headers);
  const { principal, stale } = base;
  return {
    ...base,
    loaders: createInvoicesLoaders(deps.odoo, deps.cache, stale),
    guard: createOwnershipGuard(principal, deps.ownership),
    today: new Date((deps.now ?? Date.now)()).toISOString().slice(0, 10),
    odoo: deps.odoo,
    cache: deps.cache,
    mutations: deps.mutations,
    idempotencyKey: idempotencyKeyHeader(headers),
  };
}

/** Ids a refused setCreditHold is audited with: only a well-formed id, never free text. */
const REFUSAL_SPECS = {
  setCreditHold: { ownerSystem: 'odoo' as const, targetIds: (args: Record<string, unknown>) => (isSalesforceId(args.customerId) ? [args.customerId] : []) },
};

/** Creates the invoices subgraph server (Odoo account.move; billing terms and credit on res.partner). */
export async function createInvoicesSubgraph(deps: InvoicesSubgraphDeps) {
  const cache = deps.cache ?? createPassThroughCache();
  // A runner made here is this server's own: closed with it.
  const owned = deps.mutations ? undefined : createDefaultMutations('idem:invoices');
  const mutations = deps.mutations ?? owned!;
  return createSubgraphServer<InvoicesContext>({
    name: 'invoices',
    schemaPath: INVOICES_SCHEMA_PATH,
    resolvers,
    createContext: (headers) => createInvoicesContext({ ...deps, cache, mutations }, headers),
    refusals: REFUSAL_SPECS,
    unsafeWithoutPermissionsForBenchmarks: deps.unsafeWithoutPermissionsForBenchmarks,
    onClose: owned ? () => owned.close() : undefined,
  });
}

export { resolvers, type InvoicesContext } from './resolvers.js';
