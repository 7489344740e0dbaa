import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createPassThroughCache, type RecordCache } from '../shared/cache/record-cache.js';
import type { ServiceDeskConnector } from '../shared/connectors/servicedesk/types.js';
import { createOwnershipGuard, type Ownership } from '../shared/ownership/ownership.js';
import { baseContext, type Authenticate } from '../shared/server/context.js';
import { createSubgraphServer } from '../shared/server/create-subgraph-server.js';
import { createCasesLoaders } from './loaders.js';
import type { OrderDirectory } from './order-directory.js';
import { createDefaultMutations, idempotencyKeyHeader, type SubgraphMutations } from '../shared/mutations/subgraph-mutations.js';
import { CASES_OWNER, resolvers, type CasesContext } from './resolvers.js';

/** What the cases subgraph needs. */
export interface CasesSubgraphDeps {
  serviceDesk: ServiceDeskConnector;
  /** Cross-request record cache (default: none, every read goes to the service desk). */
  cache?: RecordCache;
  authenticate: Authenticate;
  /** Which reseller owns each customer; partners see only their own customers' cases (none without it). */
  ownership?: Ownership;
  /**
   * Idempotency store and audit log of openCase and addCaseComment (share one runner, with a Redis
   * store, between replicas). Default: an in-process store and the audit log at `AUDIT_LOG_PATH`
   * (default `var/audit.jsonl`), closed with the server.
   */
  mutations?: SubgraphMutations;
  /** The ERP's orders, to check that a new case's order belongs to its customer (without it, a case cannot name an order). */
  orders?: OrderDirectory;
  /** Benchmarks only: no permissions (see createSubgraphServer); production never sets it. */
  unsafeWithoutPermissionsForBenchmarks?: true;
}

/** Path of the cases SDL. */
export const CASES_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Builds the context of one request: principal, loaders, ownership guard. */
export function createCasesContext(deps: CasesSubgraphDeps & { cache: RecordCache; mutations: SubgraphMutations }, headers: IncomingHttpHeaders): CasesContext {
  const base = baseContext(deps.authenticate, headers);
  const { principal, stale } = base;
  return {
    ...base,
    loaders: createCasesLoaders(deps.serviceDesk, deps.cache, stale),
    guard: createOwnershipGuard(principal, deps.ownership),
    serviceDesk: deps.serviceDesk,
    cache: deps.cache,
    mutations: deps.mutations,
    idempotencyKeyHeader: idempotencyKeyHeader(headers),
    orders: deps.orders,
  };
}

/** Ids a refused cases mutation is audited with: only well-formed ids, never free text. */
const REFUSAL_SPECS = {
  openCase: {
    ownerSystem: CASES_OWNER,
    targetIds: (args: Record<string, unknown>) => {
      const id = (args.input as { customerId?: unknown } | undefined)?.customerId;
      return typeof id === 'string' && /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(id.trim()) ? [id.trim()] : [];
    },
  },
  addCaseComment: {
    ownerSystem: CASES_OWNER,
    targetIds: (args: Record<string, unknown>) => (typeof args.caseId === 'string' && /^\d{1,15}$/.test(args.caseId.trim()) ? [args.caseId.trim()] : []),
  },
};

/** Creates the cases subgraph server (Zendesk tickets and comments). */
export async function createCasesSubgraph(deps: CasesSubgraphDeps) {
  const cache = deps.cache ?? createPassThroughCache();
  const owned = deps.mutations ? undefined : createDefaultMutations('idem:cases');
  const mutations = deps.mutations ?? owned!;
  return createSubgraphServer<CasesContext>({
    name: 'cases',
    schemaPath: CASES_SCHEMA_PATH,
    resolvers,
    createContext: (headers) => createCasesContext({ ...deps, cache, mutations }, headers),
    refusals: REFUSAL_SPECS,
    unsafeWithoutPermissionsForBenchmarks: deps.unsafeWithoutPermissionsForBenchmarks,
    onClose: owned ? () => owned.close() : undefined,
  });
}

export { CASES_OWNER, resolvers, type CasesContext } from './resolvers.js';
export { createDefaultMutations, type SubgraphMutations } from '../shared/mutations/subgraph-mutations.js';
export { createCasesLoaders, type CasesLoaders } from './loaders.js';
export { createOdooOrderDirectory, type OrderDirectory } from './order-directory.js';
