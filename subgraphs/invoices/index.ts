import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { GraphQLSchema } from 'graphql';
import { createPassThroughCache, type RecordCache } from '../shared/cache/record-cache.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { createOwnershipGuard, type Ownership } from '../shared/ownership/ownership.js';
import { createStaleCollector, type Authenticate } from '../shared/server/context.js';
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
  /** Wraps the executable schema (permissions). */
  wrapSchema?(schema: GraphQLSchema): GraphQLSchema;
}

/** Path of the invoices SDL. */
export const INVOICES_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Builds the context of one request: principal, loaders, ownership guard, today's date. */
export function createInvoicesContext(deps: InvoicesSubgraphDeps, headers: IncomingHttpHeaders): InvoicesContext {
  const principal = deps.authenticate(headers);
  const stale = createStaleCollector();
  const requestId = typeof headers['x-request-id'] === 'string' ? headers['x-request-id'] : randomUUID();
  return {
    principal,
    requestId,
    stale,
    loaders: createInvoicesLoaders(deps.odoo, deps.cache ?? createPassThroughCache(), stale),
    guard: createOwnershipGuard(principal, deps.ownership),
    today: new Date((deps.now ?? Date.now)()).toISOString().slice(0, 10),
  };
}

/** Creates the invoices subgraph server (Odoo account.move; billing terms and credit on res.partner). */
export function createInvoicesSubgraph(deps: InvoicesSubgraphDeps) {
  const cache = deps.cache ?? createPassThroughCache();
  return createSubgraphServer<InvoicesContext>({
    name: 'invoices',
    schemaPath: INVOICES_SCHEMA_PATH,
    resolvers,
    createContext: (headers) => createInvoicesContext({ ...deps, cache }, headers),
    wrapSchema: deps.wrapSchema,
  });
}

export { resolvers, type InvoicesContext } from './resolvers.js';
