import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { GraphQLSchema } from 'graphql';
import { createPassThroughCache, type RecordCache } from '../shared/cache/record-cache.js';
import type { ServiceDeskConnector } from '../shared/connectors/servicedesk/types.js';
import { createOwnershipGuard, type Ownership } from '../shared/ownership/ownership.js';
import { createStaleCollector, type Authenticate } from '../shared/server/context.js';
import { createSubgraphServer } from '../shared/server/create-subgraph-server.js';
import { createCasesLoaders } from './loaders.js';
import { resolvers, type CasesContext } from './resolvers.js';

/** What the cases subgraph needs. */
export interface CasesSubgraphDeps {
  serviceDesk: ServiceDeskConnector;
  /** Cross-request record cache (default: none, every read goes to the service desk). */
  cache?: RecordCache;
  authenticate: Authenticate;
  /** Which reseller owns each customer; partners see only their own customers' cases (none without it). */
  ownership?: Ownership;
  /** Wraps the executable schema (permissions). */
  wrapSchema?(schema: GraphQLSchema): GraphQLSchema;
}

/** Path of the cases SDL. */
export const CASES_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Builds the context of one request: principal, loaders, ownership guard. */
export function createCasesContext(deps: CasesSubgraphDeps & { cache: RecordCache }, headers: IncomingHttpHeaders): CasesContext {
  const principal = deps.authenticate(headers);
  const stale = createStaleCollector();
  const requestId = typeof headers['x-request-id'] === 'string' ? headers['x-request-id'] : randomUUID();
  return {
    principal,
    requestId,
    stale,
    loaders: createCasesLoaders(deps.serviceDesk, deps.cache, stale),
    guard: createOwnershipGuard(principal, deps.ownership),
    serviceDesk: deps.serviceDesk,
    cache: deps.cache,
  };
}

/** Creates the cases subgraph server (Zendesk tickets and comments). */
export function createCasesSubgraph(deps: CasesSubgraphDeps) {
  const cache = deps.cache ?? createPassThroughCache();
  return createSubgraphServer<CasesContext>({
    name: 'cases',
    schemaPath: CASES_SCHEMA_PATH,
    resolvers,
    createContext: (headers) => createCasesContext({ ...deps, cache }, headers),
    wrapSchema: deps.wrapSchema,
  });
}

export { resolvers, type CasesContext } from './resolvers.js';
export { createCasesLoaders, type CasesLoaders } from './loaders.js';
