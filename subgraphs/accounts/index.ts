import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createPassThroughCache, type RecordCache } from '../shared/cache/record-cache.js';
import type { SalesforceConnector } from '../shared/connectors/salesforce/connector.js';
import type { MutationRunner } from '../shared/mutations/run-mutation.js';
import { baseContext, type Authenticate } from '../shared/server/context.js';
import { createSubgraphServer } from '../shared/server/create-subgraph-server.js';
import { createAccountsLoaders } from './loaders.js';
import { createDefaultMutations, idempotencyKeyHeader, type SubgraphMutations } from '../shared/mutations/subgraph-mutations.js';
import { PROFILE_OWNER } from './profile-ownership.js';
import { resolvers, type AccountsContext } from './resolvers.js';

/** What the accounts subgraph needs. */
export interface AccountsSubgraphDeps {
  salesforce: SalesforceConnector;
  /** Cross-request record cache (default: none, every read goes to Salesforce). */
  cache?: RecordCache;
  authenticate: Authenticate;
  /**
   * Idempotency store and audit log of updateCustomerProfile, `{ runner }` (a bare runner is still
   * accepted). Default: an in-process store and the audit log at `AUDIT_LOG_PATH` (default
   * `var/audit.jsonl`), closed with the server.
   */
  mutations?: SubgraphMutations | MutationRunner;
  /** Benchmarks only: no permissions (see createSubgraphServer); production never sets it. */
  unsafeWithoutPermissionsForBenchmarks?: true;
}

/** Path of the accounts SDL. */
export const ACCOUNTS_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Builds the context of one request: principal and fresh loaders. */
export function createAccountsContext(deps: AccountsSubgraphDeps & { cache: RecordCache }, headers: IncomingHttpHeaders): AccountsContext {
  const mutations = deps.mutations === undefined ? undefined : 'run' in deps.mutations ? { runner: deps.mutations } : deps.mutations;
  if (!mutations) throw new TypeError('createAccountsContext: mutations is required (createAccountsSubgraph supplies a default)');
  const base = baseContext(deps.authenticate, headers);
  const { stale } = base;
  return {
    ...base,
    loaders: createAccountsLoaders(deps.salesforce, deps.cache, stale),
    salesforce: deps.salesforce,
    cache: deps.cache,
    mutations,
    idempotencyKeyHeader: idempotencyKeyHeader(headers),
  };
}

const SALESFORCE_ID = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;

/** Ids a refused updateCustomerProfile is audited with: only a well-formed id, never free text. */
const REFUSAL_SPECS = {
  updateCustomerProfile: {
    ownerSystem: PROFILE_OWNER,
    targetIds: (args: Record<string, unknown>) => (typeof args.id === 'string' && SALESFORCE_ID.test(args.id) ? [args.id] : []),
  },
};

/** Creates the accounts subgraph server (Salesforce Accounts, Contacts and Users). */
export async function createAccountsSubgraph(deps: AccountsSubgraphDeps) {
  const cache = deps.cache ?? createPassThroughCache();
  const owned = deps.mutations ? undefined : createDefaultMutations('idem:accounts');
  const mutations: SubgraphMutations | MutationRunner = deps.mutations ?? owned!;
  return createSubgraphServer<AccountsContext>({
    name: 'accounts',
    schemaPath: ACCOUNTS_SCHEMA_PATH,
    resolvers,
    createContext: (headers) => createAccountsContext({ ...deps, cache, mutations }, headers),
    refusals: REFUSAL_SPECS,
    unsafeWithoutPermissionsForBenchmarks: deps.unsafeWithoutPermissionsForBenchmarks,
    ready: () => deps.salesforce.ping(),
    onClose: owned ? () => owned.close() : undefined,
  });
}

export { resolvers, type AccountsContext } from './resolvers.js';
export { createDefaultMutations, type SubgraphMutations } from '../shared/mutations/subgraph-mutations.js';
export { SALESFORCE_PROFILE_FIELDS, ownedWrites } from './profile-ownership.js';
export { createAccountsLoaders, SALESFORCE_KINDS, type AccountsLoaders } from './loaders.js';
