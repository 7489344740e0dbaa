import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import type { BaseSubgraphContext } from './context.js';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { parse, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { toGraphQLError } from '../../../platform/errors/graphql-errors.js';
import { isBackendError } from '../../../platform/errors/backend-error.js';
import { executeApollo, httpFailureBody, sendJson, toHTTPGraphQLRequest } from '../../../platform/http/apollo-http.js';
import { listen } from '../../../platform/http/listen.js';
import { apolloLogger, componentLog } from '../../../platform/logging/index.js';
import { BACKEND_CALLS_HEADER, currentScope, encodeBackendCalls } from '../../../platform/observability/request-scope.js';
import { observeSubgraphRequest } from './observe-request.js';
import { cacheControlOf, privateCoordinatesOf, selectsPrivate } from './cache-control-header.js';
import { applyPermissions } from '../authz/permissions.js';
import { auditRefusals, type RefusalSpec } from '../mutations/subgraph-mutations.js';

/** What a subgraph server needs: its SDL, resolvers and a per-request context. */
export interface SubgraphServerOptions<TContext extends BaseContext> {
  /** Subgraph name (`accounts`, ...), used in logs and health answers. */
  name: string;
  /** Path of the subgraph's schema.graphql. */
  schemaPath: string;
  resolvers: GraphQLResolverMap<TContext>;
  /**
   * Builds the context of one request from its headers; throw an error with `status` 401 to refuse
   * the request (no valid principal signature). Loaders are created here, once per request.
   */
  createContext(headers: IncomingHttpHeaders): Promise<TContext> | TContext;
  /** Mutations whose refused calls are audited, the permissions' refusals included (the audit wraps them). */
  refusals?: Record<string, RefusalSpec>;
  /**
   * Benchmarks only: serves the schema without the permissions generated from its SDL, to measure
   * what they cost. Every other server denies by default whatever its caller wires.
   */
  unsafeWithoutPermissionsForBenchmarks?: true;
  /** Answers /readyz: true when the backends it needs are reachable. */
  ready?(): Promise<boolean>;
  /** Releases what the subgraph owns (its own audit log, idempotency store) after the server closed. */
  onClose?(): Promise<void>;
}

/** A started subgraph. */
export interface RunningSubgraph {
  name: string;
  url: string;
  port: number;
  /** Stops accepting requests; those in flight may finish within `graceMs` (default 0: dropped at once). */
  close(options?: { graceMs?: number }): Promise<void>;
}

const log = componentLog('subgraph');

/** Formats errors: coded errors pass through; anything else is logged and answered generically. */
export function formatSubgraphError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = formatted.extensions?.code;
  // Coded errors (ours, and Apollo's own parse/validation errors) pass through without internals.
  if (!isBackendError(original) && typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const mapped = toGraphQLError(original);
  if (mapped.extensions.code === 'INTERNAL_SERVER_ERROR') log.error({ err: original }, 'unexpected error');
  return { message: mapped.message, locations: formatted.locations, path: formatted.path, extensions: { ...mapped.extensions } };
}

/**
 * Reports stale serves (`extensions.stale`), how long the cached records read stay fresh
 * (`extensions.freshForMs`, absent when no record came through the record cache) and changed
 * entities (`extensions.invalidate`) to the gateway, and says the same in a standard
 * `Cache-Control` header for other gateways' caches (see cacheControlOf).
 */
function responseExtensionsPlugin(typeDefs: DocumentNode): ApolloServerPlugin<BaseContext> {
  const privateCoordinates = privateCoordinatesOf(typeDefs);
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue, operation, document, schema }) {
          if (response.body.kind !== 'single') {
            response.http.headers.set('cache-control', 'no-store');
            return;
          }
          const ctx = contextValue as Partial<BaseSubgraphContext>;
          const result = response.body.singleResult;
          const extensions: Record<string, unknown> = {};
          if (ctx.stale && ctx.stale.entries.length > 0) extensions.stale = ctx.stale.entries;
          const freshForMs = ctx.stale?.freshForMs?.();
          if (freshForMs !== undefined) extensions.freshForMs = freshForMs;
          if (ctx.invalidated && ctx.invalidated.length > 0) extensions.invalidate = [...new Set(ctx.invalidated)];
          const cacheControl = cacheControlOf({
            mutation: operation?.operation !== 'query',
            errors: (result.errors?.length ?? 0) > 0,
            stale: extensions.stale !== undefined,
            invalidated: extensions.invalidate !== undefined,
            freshForMs,
            rowFiltered: !!ctx.principal?.partnerId,
            selectsPrivate: !!document && selectsPrivate(schema, document, privateCoordinates),
          });
          response.http.headers.set('cache-control', cacheControl);
          // What this request cost the backends, for the gateway's request line.
          const calls = currentScope()?.backendCalls;
          const callsHeader = calls && encodeBackendCalls(calls);
          if (callsHeader) response.http.headers.set(BACKEND_CALLS_HEADER, callsHeader);
          if (Object.keys(extensions).length === 0) return;
          result.extensions = { ...(result.extensions ?? {}), ...extensions };
        },
      };
    },
  };
}

/** Creates a subgraph server (Apollo Server over node:http) without listening yet. */
export async function createSubgraphServer<TContext extends BaseContext>(
  options: SubgraphServerOptions<TContext>,
): Promise<{ server: Server; apollo: ApolloServer<TContext>; listen(port?: number, host?: string): Promise<RunningSubgraph> }> {
  const sdl = readFileSync(options.schemaPath, 'utf8');
  const typeDefs = parse(sdl);
  let schema = buildSubgraphSchema({ typeDefs, resolvers: options.resolvers as GraphQLResolverMap<unknown> });
  // Permissions by construction: generated from the subgraph's own SDL, deny by default.
  if (options.unsafeWithoutPermissionsForBenchmarks !== true) schema = applyPermissions(schema, sdl);
  if (options.refusals) schema = auditRefusals(schema, options.refusals);
  const apollo = new ApolloServer<TContext>({
    schema,
    logger: apolloLogger(options.name),
    formatError: formatSubgraphError,
    includeStacktraceInErrorResponses: false,
    // The process entry points (npm start, npm run gateway) own signal handling and close in order.
    stopOnTerminationSignals: false,
    persistedQueries: false,
    // Apollo's cache hints would instrument every resolver; our Cache-Control comes from the record cache's freshness.
    plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled(), responseExtensionsPlugin(typeDefs)],
    // The gateway sends JSON POSTs with a content-type; CSRF prevention stays on.
  });
  await apollo.start();

  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') return sendJson(res, 200, { status: 'ok', subgraph: options.name });
      if (path === '/readyz') {
        const ok = options.ready ? await options.ready().catch(() => false) : true;
        return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', subgraph: options.name });
      }
      if (path !== '/graphql' && path !== '/') return sendJson(res, 404, { error: 'not found' });
      let context: TContext;
      try {
        context = await options.createContext(req.headers);
      } catch (err) {
        const status = (err as { status?: number }).status ?? 500;
        if (status !== 401) componentLog(options.name).error({ err }, 'context failed');
        return sendJson(res, status, {
          errors: [{ message: status === 401 ? 'Unauthenticated: this subgraph only answers the gateway' : 'Internal server error', extensions: { code: status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL_SERVER_ERROR' } }],
        });
      }
      const request = await toHTTPGraphQLRequest(req);
      await observeSubgraphRequest(options.name, req, res, context as Partial<BaseSubgraphContext>, () => executeApollo(apollo, request, res, async () => context));
    })().catch((err) => {
      const status = (err as { status?: number }).status ?? 500;
      if (status >= 500) componentLog(options.name).error({ err }, 'request failed');
      sendJson(res, status, httpFailureBody(status));
    });
  });
  server.keepAliveTimeout = 30_000;

  return {
    server,
    apollo,
    async listen(port = 0, host = '127.0.0.1') {
      const listening = await listen(server, port, host);
      return {
        name: options.name,
        url: `${listening.origin}/graphql`,
        port: listening.port,
        close: async (closeOptions) => {
          await listening.close(closeOptions);
          await apollo.stop();
          await options.onClose?.();
        },
      };
    },
  };
}
