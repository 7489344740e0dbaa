import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { GraphQLSchema } from 'graphql';
import { createPassThroughCache, type RecordCache } from '../shared/cache/record-cache.js';
import type { SalesforceConnector } from '../shared/connectors/salesforce/connector.js';
import type { MutationRunner } from '../shared/mutations/run-mutation.js';
import { createStaleCollector, type Authenticate } from '../shared/server/context.js';
import { createSubgraphServer } from '../shared/server/create-subgraph-server.js';
import { createAccountsLoaders } from './loaders.js';
import { resolvers, type AccountsContext } from './resolvers.js';

/** What the accounts subgraph needs. */
export interface AccountsSubgraphDeps {
  salesforce: SalesforceConnector;
  /** Cross-request record cache (default: none, every read goes to Salesforce). */
  cache?: RecordCache;
  authenticate: Authenticate;
  /** Idempotency and audit for updateCustomerProfile (default: the write is sent once, unaudited). */
  mutations?: MutationRunner;
  /** Wraps the executable schema (permissions). */
  wrapSchema?(schema: GraphQLSchema): GraphQLSchema;
}

/** Path of the accounts SDL. */
export const ACCOUNTS_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Builds the context of one request: principal and fresh loaders. */
export function createAccountsContext(deps: AccountsSubgraphDeps & { cache: RecordCache }, headers: IncomingHttpHeaders): AccountsContext {
  const principal = deps.authenticate(headers);
  const stale = createStaleCollector();
  const requestId = typeof headers['x-request-id'] === 'string' ? headers['x-request-id'] : randomUUID();
  return {
    principal,
    requestId,
    stale,
    loaders: createAccountsLoaders(deps.salesforce, deps.cache, stale),
    salesforce: deps.salesforce,
    cache: deps.cache,
    mutations: deps.mutations,
  };
}

/** Creates the accounts subgraph server (Salesforce Accounts, Contacts and Users). */
export function createAccountsSubgraph(deps: AccountsSubgraphDeps) {
  const cache = deps.cache ?? createPassThroughCache();
  return createSubgraphServer<AccountsContext>({
    name: 'accounts',
    schemaPath: ACCOUNTS_SCHEMA_PATH,
    resolvers,
    createContext: (headers) => createAccountsContext({ ...deps, cache }, headers),
    wrapSchema: deps.wrapSchema,
    ready: () => deps.salesforce.ping(),
  });
}

export { resolvers, type AccountsContext } from './resolvers.js';
export { createAccountsLoaders, SALESFORCE_KINDS, type AccountsLoaders } from './loaders.js';
