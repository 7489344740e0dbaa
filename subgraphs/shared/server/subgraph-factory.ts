import type { BaseContext } from '@apollo/server';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { IncomingHttpHeaders } from 'node:http';
import { createPassThroughCache, type RecordCache } from '../cache/record-cache.js';
import { createRowFilter, type RowFilter } from '../data-access/row-filter.js';
import { createDefaultMutations, idempotencyKeyHeader, type RefusalSpec, type SubgraphMutations } from '../mutations/subgraph-mutations.js';
import type { Ownership } from '../ownership/ownership.js';
import { baseContext, type Authenticate, type BaseSubgraphContext } from './context.js';
import { createSubgraphServer } from './create-subgraph-server.js';

/** What every subgraph takes besides its backend connector. */
export interface SubgraphDeps {
  /** Turns the gateway's signed principal header into the principal. */
  authenticate: Authenticate;
  /** Cross-request record cache (default: none, every read goes to the backend). */
  cache?: RecordCache;
  /** Reseller assignment of customers, for partner principals (without it a partner sees no customer's rows). */
  ownership?: Ownership;
  /**
   * The mutation runner (idempotency store and audit log), to share one (and Redis) across
   * subgraphs. Default: an in-process store and the audit log at `AUDIT_LOG_PATH` (`var/audit.jsonl`).
   */
  mutations?: SubgraphMutations;
  /** Benchmarks only: no permissions (see createSubgraphServer); production never sets it. */
  unsafeWithoutPermissionsForBenchmarks?: true;
}

/** The context fields of a subgraph with mutations. */
export interface MutationContext {
  /** Idempotent, audited execution of the mutations. */
  mutations: SubgraphMutations;
  /** The request's `Idempotency-Key` header, forwarded by the gateway; null when absent. */
  idempotencyKey: string | null;
}

/** What the factory hands a subgraph's context builder for one request. */
export interface SubgraphRequest {
  /** Principal, correlation id and stale collector. */
  base: BaseSubgraphContext;
  cache: RecordCache;
  /** Makes the request's row filter, over the deps' ownership source unless given another; called once (the filter holds the request's cache reports). */
  rows(ownership?: Ownership): RowFilter;
  /** The mutation runner and the Idempotency-Key header (a subgraph that declares mutations). */
  mutating(): MutationContext;
}

/** What is particular to one subgraph. */
export interface SubgraphDefinition<TContext extends BaseContext> {
  name: string;
  schemaPath: string;
  resolvers: GraphQLResolverMap<TContext>;
  /** Builds the context of one request (its data-access layer above all). */
  context(request: SubgraphRequest): TContext;
  /** Its mutations: the prefix of its own idempotency store, and how their refused calls are audited. */
  mutations?: { idempotencyPrefix: string; refusals: Record<string, RefusalSpec> };
  /** Answers /readyz. */
  ready?(): Promise<boolean>;
}

/**
 * Creates a subgraph server from what is particular to it: the shared wiring (default cache and
 * mutation runner, principal, correlation id, stale collector, row filter, Idempotency-Key,
 * permissions, refusal audit) is done here once for the five subgraphs.
 */
export async function createSubgraph<TContext extends BaseContext>(definition: SubgraphDefinition<TContext>, deps: SubgraphDeps) {
  const cache = deps.cache ?? createPassThroughCache();
  // A runner made here is this server's own: closed with it.
  const owned = definition.mutations && !deps.mutations ? createDefaultMutations(definition.mutations.idempotencyPrefix) : undefined;
  const mutations = deps.mutations ?? owned;
  const createContext = (headers: IncomingHttpHeaders): TContext => {
    const base = baseContext(deps.authenticate, headers);
    return definition.context({
      base,
      cache,
      rows: (ownership = deps.ownership) => createRowFilter(base.principal, ownership, base.stale),
      mutating() {
        if (!definition.mutations || !mutations) throw new TypeError(`${definition.name}: this subgraph declares no mutations`);
        return { mutations, idempotencyKey: idempotencyKeyHeader(headers) };
      },
    });
  };
  return createSubgraphServer<TContext>({
    name: definition.name,
    schemaPath: definition.schemaPath,
    resolvers: definition.resolvers,
    createContext,
    refusals: definition.mutations?.refusals,
    unsafeWithoutPermissionsForBenchmarks: deps.unsafeWithoutPermissionsForBenchmarks,
    ready: definition.ready,
    onClose: owned ? () => owned.close() : undefined,
  });
}
