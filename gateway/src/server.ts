import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { randomUUID } from 'node:crypto';
import { disableApolloTelemetryByDefault } from '../../platform/observability/apollo-telemetry.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { Registry } from 'prom-client';
import { sendJson } from '../../platform/http/apollo-http.js';
import { listen } from '../../platform/http/listen.js';
import { apolloLogger, componentLog } from '../../platform/logging/index.js';
import type { GatewayContext } from './context.js';
import { operationalRoutes, startMetricsServer } from './http-routes.js';
import { observeRequest } from './request-observer.js';
import { ideRoutes, wantsIde, type IdeOptions } from './ide/ide-routes.js';
import { analyzeStage } from './pipeline/analyze.js';
import { authenticateStage } from './pipeline/authenticate.js';
import { executeStage } from './pipeline/execute.js';
import { filterFieldsStage } from './pipeline/filter-fields.js';
import { rateLimitStage, type RequestLimiter } from './pipeline/rate-limit.js';
import { readRequestStage } from './pipeline/read-request.js';
import { demandControlStage } from './pipeline/demand-control.js';
import { costModelOf } from './demand/cost-model.js';
import type { CostBudgets } from './demand/cost-budget.js';
import { createLocalSubgraph, LOCAL_SUBGRAPH_NAME } from './local-subgraph/local-subgraph.js';
import { responseCacheStage } from './pipeline/response-cache.js';
import { invalidateRoute, type InvalidateRouteOptions } from './invalidate-route.js';
import { composeStages, type Answer, type Exchange, type Stage } from './pipeline/stage.js';
import { trustedDocumentsStage, type TrustedDocumentsOptions } from './pipeline/trusted-documents.js';
import { completeResultPlugin } from './plugins/complete-result-plugin.js';
import { createFetchCache, type FetchCache, type FetchCacheOptions } from './plugins/fetch-cache.js';
import { createFetchDedup, type FetchDedup } from './plugins/fetch-dedup.js';
import { formatGatewayError } from './plugins/format-gateway-error.js';
import { createResponseCache, type ResponseCache, type ResponseCacheOptions } from './plugins/response-cache.js';
import { cacheLifetimesOf } from './plugins/response-cache-ttl.js';
import { entityTypesOf } from './plugins/response-cache-tags.js';
import type { DocumentLimits } from './request/document-limits.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import type { UnansweredMutation } from './unanswered-mutation.js';
import type { DeniedMutations, GatewayAuth } from './types.js';

export type { DeniedMutations, GatewayAuth, RemovedField } from './types.js';

const log = componentLog('gateway');

/** Options of the gateway server. */
export interface GatewayServerOptions {
  /** The supergraph SDL as handed to @apollo/gateway (security `for:` purposes already stripped). */
  supergraphSdl: string;
  /** Subgraph URL overrides by subgraph name; others come from the supergraph. */
  subgraphUrls?: Record<string, string>;
  auth: GatewayAuth;
  /** Per subgraph fetch timeout (default 8000 ms). */
  subgraphTimeoutMs?: number;
  /** Metrics registry served at /metrics. */
  metrics?: Registry;
  /** Serve /metrics on this port of its own (an admin port kept off the public one) instead of the gateway's port; 0 picks one. */
  metricsPort?: number;
  /** Extra Apollo Server plugins. */
  plugins?: ConstructorParameters<typeof ApolloServer<GatewayContext>>[0]['plugins'];
  /**
   * Called (and awaited) before answering when root mutation fields were refused by the operation
   * filter, and when a mutation fetch could not reach its subgraph, so that those write attempts
   * are audited although no subgraph sees them.
   */
  onDeniedMutations?(event: DeniedMutations): Promise<void>;
  /** Wraps each data source. */
  wrapDataSource?(source: SubgraphDataSource): SubgraphDataSource;
  /**
   * Whole-response cache of query operations, keyed by the principal's visibility (default on);
   * false turns it off, an object sets its options.
   */
  responseCache?: boolean | ResponseCacheOptions;
  /** In-flight deduplication of identical subgraph fetches within one visibility class (default on). */
  dedup?: boolean;
  /**
   * Cache of subgraph query fetch answers, kept as long as the subgraphs say their records stay
   * fresh (`extensions.freshForMs`), keyed by the principal's visibility (default on); false turns
   * it off, an object sets its options.
   */
  fetchCache?: boolean | FetchCacheOptions;
  /** Bounds on operation documents (tokens, fields after fragment expansion). */
  documentLimits?: Partial<DocumentLimits>;
  /** Trusted documents: the manifest operations may be sent by id; the mode says who may send text (default: none, text is free). */
  trustedDocuments?: TrustedDocumentsOptions;
  /** Request rate limits per client (default: none). */
  rateLimiter?: RequestLimiter;
  /** Demand control: the cost limits and budgets of each client (default: none, no operation is refused for its cost). */
  costBudgets?: CostBudgets;
  /** Whether every answer reports its estimated cost in `extensions.cost` (otherwise only on `x-c360-cost: 1`). */
  alwaysReportCost?: boolean;
  /** The GraphQL IDE a browser gets at `GET /graphql` (default: none, off). */
  ide?: IdeOptions;
  /** `POST /invalidate` for other systems (admin token or shared secret); default on, admin tokens only. */
  invalidation?: InvalidateRouteOptions;
  /** More state for `/readyz` (the change feeds); it informs and never makes the gateway unready. */
  readiness?: () => Record<string, unknown>;
}

/** A started gateway. */
export interface RunningGateway {
  url: string;
  port: number;
  /** The admin server's /metrics URL, when metrics have a port of their own. */
  metricsUrl?: string;
  /** Evicts cached responses and subgraph fetches holding these entity tags, here and on the other replicas. */
  invalidateTags(tags: string[]): number;
  /** Stops accepting requests; those in flight may finish within `graceMs` (default 0: dropped at once). Then releases the caches. */
  close(options?: { graceMs?: number }): Promise<void>;
}

function subgraphUrlsOf(supergraphSdl: string): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const match of supergraphSdl.matchAll(/@join__graph\(name:\s*"([^"]+)",\s*url:\s*"([^"]*)"\)/g)) urls[match[1]!] = match[2]!;
  return urls;
}

/**
 * Builds the gateway: Apollo Server over @apollo/gateway behind the request pipeline (see
 * gateway/README.md), with /healthz, /readyz and /metrics beside it.
 */
export async function createGatewayServer(options: GatewayServerOptions): Promise<{
  server: Server;
  listen(port?: number, host?: string): Promise<RunningGateway>;
  /** The whole-response cache, when on. */
  responseCache?: ResponseCache;
  /** The subgraph fetch deduplication, when on. */
  fetchDedup?: FetchDedup;
  /** The subgraph fetch cache, when on. */
  fetchCache?: FetchCache;
}> {
  const urls = { ...subgraphUrlsOf(options.supergraphSdl), ...(options.subgraphUrls ?? {}) };
  const timeoutMs = options.subgraphTimeoutMs ?? 8000;
  const fetchDedup = options.dedup === false ? undefined : createFetchDedup();
  const responseCache =
    options.responseCache === false
      ? undefined
      : createResponseCache({
          entityTypes: [...entityTypesOf(options.supergraphSdl)],
          lifetimes: cacheLifetimesOf(options.supergraphSdl),
          ...(typeof options.responseCache === 'object' ? options.responseCache : {}),
        });
  // Freshness deadlines are compared on the response cache's clock, by the fetch cache and the data sources alike.
  const now = responseCache ? () => responseCache.now() : undefined;
  const fetchCache = options.fetchCache === false ? undefined : createFetchCache({ now, ...(typeof options.fetchCache === 'object' ? options.fetchCache : {}) });
  // Read by @apollo/gateway's constructor: no usage data leaves for Apollo's servers unless the operator asks.
  disableApolloTelemetryByDefault();
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger: apolloLogger('gateway'),
    buildService: ({ name }) => {
      // The gateway's own subgraph (Query.rateLimit) is answered in process.
      if (name === LOCAL_SUBGRAPH_NAME) return createLocalSubgraph();
      const source = new SubgraphDataSource({
        name,
        url: urls[name]!,
        timeoutMs,
        principalHeaders: (context) => options.auth.principalHeaders(context.principal),
        dedup: fetchDedup,
        fetchCache,
        visibilityKey: (context) => options.auth.visibilityKey(context.principal),
        now,
        onUnansweredMutation: options.onDeniedMutations && auditUnansweredMutation(options.onDeniedMutations),
      });
      return options.wrapDataSource ? options.wrapDataSource(source) : source;
    },
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });
  const schema = () => apiSchema;

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    logger: apolloLogger('gateway'),
    formatError: formatGatewayError,
    includeStacktraceInErrorResponses: false,
    // The process entry points (npm start, npm run gateway) own signal handling and close in order.
    stopOnTerminationSignals: false,
    // Automatic persisted queries would let a hash stand in for the text the operation filter reads.
    persistedQueries: false,
    plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginUsageReportingDisabled(), ApolloServerPluginCacheControlDisabled(), completeResultPlugin(), ...(options.plugins ?? [])],
  });
  await apollo.start();

  // The request pipeline, in order. Each stage answers itself or passes the request on.
  const stages: Stage[] = [
    authenticateStage(options.auth),
    ...(options.rateLimiter ? [rateLimitStage(options.rateLimiter)] : []),
    readRequestStage(),
    ...(options.trustedDocuments ? [trustedDocumentsStage(options.trustedDocuments)] : []),
    analyzeStage({ schema, auth: options.auth, responseCache, limits: options.documentLimits }),
    filterFieldsStage({ auth: options.auth, onDeniedMutations: options.onDeniedMutations }),
    ...(options.costBudgets ? [demandControlStage({ schema, model: costModelOf(options.supergraphSdl), budgets: options.costBudgets, alwaysReport: options.alwaysReportCost })] : []),
    ...(responseCache ? [responseCacheStage({ cache: responseCache, onRefreshError: (err) => log.error({ err }, 'response cache refresh failed') })] : []),
    executeStage({ apollo, auth: options.auth, schema, responseCache, fetchCache }),
  ];
  const pipeline = composeStages(stages);
  const remote = Object.fromEntries(Object.entries(urls).filter(([name]) => name !== LOCAL_SUBGRAPH_NAME));
  const routes = operationalRoutes({ subgraphUrls: remote, schemaLoaded: () => !!apiSchema, metrics: options.metricsPort === undefined ? options.metrics : undefined, readiness: options.readiness });
  const invalidateTags = (tags: string[]) => (responseCache?.invalidate(tags) ?? 0) + (fetchCache?.invalidate(tags) ?? 0);
  const invalidate = invalidateRoute({ ...options.invalidation, auth: options.auth, entityTypes: entityTypesOf(options.supergraphSdl), evictTags: invalidateTags });
  const ide = options.ide ? ideRoutes(options.ide) : undefined;

  const answerGraphQL = (req: IncomingMessage, res: ServerResponse) => {
    const requestId = requestIdOf(req);
    return observeRequest(req, res, requestId, (exchange) => pipeline(exchange).then((answer) => send(res, answer, exchange)));
  };
  const answerOther = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (await routes(req, res, path)) return;
    if (ide && (await ide(req, res, path))) return;
    if (path === '/invalidate') return invalidate(req, res);
    sendJson(res, 404, { error: 'not found' });
  };
  const server = createServer((req, res) => {
    const path = pathOf(req.url);
    // GraphQL requests go straight to the pipeline; a browser opening the endpoint gets the IDE.
    const graphql = (path === '/graphql' || path === '/') && !(ide && wantsIde(req));
    (graphql ? answerGraphQL(req, res) : answerOther(req, res, path)).catch((err: unknown) => {
      log.error({ err }, 'operational route failed');
      sendJson(res, 500, { error: 'internal error' });
    });
  });
  server.keepAliveTimeout = 30_000;

  return {
    server,
    responseCache,
    fetchDedup,
    fetchCache,
    async listen(port = 0, host = '127.0.0.1') {
      const listening = await listen(server, port, host);
      const metricsServer = options.metrics && options.metricsPort !== undefined ? await startMetricsServer(options.metrics, options.metricsPort, host) : undefined;
      return {
        url: `${listening.origin}/graphql`,
        port: listening.port,
        metricsUrl: metricsServer?.url,
        invalidateTags,
        close: async (closeOptions) => {
          await listening.close(closeOptions);
          await metricsServer?.close();
          await apollo.stop();
          await responseCache?.close();
          await fetchCache?.close();
        },
      };
    },
  };
}

/** The path of a request target, without its query. */
function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const at = url.indexOf('?');
  return at === -1 ? url : url.slice(0, at);
}

/** The client's correlation id (up to 200 characters), or a new one. */
function requestIdOf(req: IncomingMessage): string {
  const value = req.headers['x-request-id'];
  const id = Array.isArray(value) ? value[0] : value;
  return id && id.length <= 200 ? id : randomUUID();
}

/** Writes the pipeline's answer, with the headers the stages gave every answer and the correlation id echoed in `x-request-id`; resolves to the answer once written. */
function send(res: ServerResponse, answer: Answer, exchange: Exchange): Answer | Promise<Answer> {
  const headers = exchange.answerHeaders ? { ...answer.headers, ...exchange.answerHeaders } : { ...answer.headers };
  headers['x-request-id'] = exchange.requestId;
  if ('body' in answer) {
    headers['content-length'] = String(Buffer.byteLength(answer.body));
    res.writeHead(answer.status, headers);
    res.end(answer.body);
    return answer;
  }
  res.writeHead(answer.status, headers);
  return (async () => {
    for await (const chunk of answer.stream) res.write(chunk);
    res.end();
    return answer;
  })();
}

export { HeaderMap };

/**
 * A mutation its subgraph never answered is audited by the gateway, like one it refused, with the
 * code the client is given (`BACKEND_UNAVAILABLE`). One that may have reached the subgraph is
 * marked `answerLost`: the write may have landed, and the subgraph's own record of the attempt,
 * if it wrote one, said what it would have answered (`attemptRecords` folds the two).
 */
function auditUnansweredMutation(audit: (event: DeniedMutations) => Promise<void>): (event: UnansweredMutation) => Promise<void> {
  return ({ context, fields, variables, maybeReceived }) =>
    audit({
      principal: context.principal,
      requestId: context.requestId,
      fields,
      variables,
      code: 'BACKEND_UNAVAILABLE',
      ...(maybeReceived ? { answerLost: true } : {}),
      ...(context.idempotencyKey ? { idempotencyKeyHeader: context.idempotencyKey } : {}),
    }).catch((err: unknown) => log.error({ err }, 'audit of an unanswered mutation failed'));
}
