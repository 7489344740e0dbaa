import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { DocumentNode, GraphQLFormattedError, GraphQLSchema, OperationTypeNode } from 'graphql';
import { getOperationAST, print } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';
import type { Principal } from '../../platform/authz/principal.js';
import { httpFailureBody, readBody, sendJson, executeApollo, toHTTPGraphQLRequest } from '../../platform/http/apollo-http.js';
import { listen } from '../../platform/http/listen.js';
import { forbiddenErrors } from './auth/operation-filter.js';
import type { GatewayContext } from './context.js';
import { createFetchCache, type FetchCache, type FetchCacheOptions } from './plugins/fetch-cache.js';
import { createFetchDedup, type FetchDedup } from './plugins/fetch-dedup.js';
import {
  createResponseCache,
  markStale,
  responseCacheRefreshTotal,
  responseCacheTotal,
  type CachedResponse,
  type PendingResponse,
  type ResponseCache,
  type ResponseCacheOptions,
  type ResponseToStore,
} from './plugins/response-cache.js';
import { responseCacheKey } from './plugins/response-cache-key.js';
import { cacheLifetimesOf } from './plugins/response-cache-ttl.js';
import { entityTypesOf } from './plugins/response-cache-tags.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import { DEFAULT_DOCUMENT_LIMITS, DocumentRefusal, parseBounded, type DocumentLimits } from './request/document-limits.js';
import { checkOperation, isRefusal, refusal, type Refusal } from './request/operation-check.js';
import { variablesProblem } from './request/variables-check.js';

/** A field removed from an operation because the principal may not see it. */
export interface RemovedField {
  path: string[];
  message: string;
  code: 'FORBIDDEN' | 'UNAUTHENTICATED';
  /** Where the null of a removed non-null field lands (`[]`: all of `data`). */
  nullPath?: string[];
}

/** How the gateway authenticates callers and filters operations; see gateway/src/auth. */
export interface GatewayAuth {
  /** Verifies the caller; throws an error with `status: 401` (or code UNAUTHENTICATED) when it cannot. */
  authenticate(headers: IncomingHttpHeaders): Promise<Principal>;
  /** Removes the fields the principal may not see, before planning. */
  filterOperation?(args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string; principal: Principal }): {
    document: DocumentNode;
    removed: RemovedField[];
    /** False when nothing of the operation is left to run. */
    executable?: boolean;
  };
  /** Writes null at the removed fields of a result. */
  applyRemovedFields?(data: Record<string, unknown>, removed: RemovedField[]): Record<string, unknown> | null;
  /** The signed headers that carry the principal to the subgraphs. */
  principalHeaders(principal: Principal): Record<string, string>;
  /** A key naming what the principal may see: requests with equal keys see the same fields and rows. */
  visibilityKey(principal: Principal): string;
}

/** Root mutation fields the operation filter refused for a principal. */
export interface DeniedMutations {
  principal: Principal;
  requestId: string;
  /** Schema names of the refused root fields (`placeOrder`), not their aliases. */
  fields: string[];
  variables: Record<string, unknown>;
  code: 'FORBIDDEN' | 'UNAUTHENTICATED';
}

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
  /** Extra Apollo Server plugins. */
  plugins?: ConstructorParameters<typeof ApolloServer<GatewayContext>>[0]['plugins'];
  /**
   * Called (and awaited) before answering when root mutation fields were refused by the operation
   * filter, so that refused write attempts are audited although no subgraph sees them.
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
}

/** What the gateway knows of one operation text for one visibility class, cached like a query plan. */
type Analysis = OperationEntry | { refusal: Refusal };

/** A parsed, valid operation, filtered for one visibility class. */
interface OperationEntry {
  refusal?: undefined;
  /** The query that runs: the filtered text when fields were removed. */
  query: string;
  removed: RemovedField[];
  executable: boolean;
  /** The document that runs (filtered). */
  document: DocumentNode;
  operation?: OperationTypeNode;
  /** TTL of its response in the response cache; 0 when it is not cached (mutations, cache off). */
  ttlMs: number;
  /** How long past the TTL its response may be served stale while refreshed; 0 when never. */
  staleMs: number;
  /** Root mutation fields the filter refused (schema names). */
  deniedMutations: string[];
}

/** A started gateway. */
export interface RunningGateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

function subgraphUrlsOf(supergraphSdl: string): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const match of supergraphSdl.matchAll(/@join__graph\(name:\s*"([^"]+)",\s*url:\s*"([^"]*)"\)/g)) urls[match[1]!] = match[2]!;
  return urls;
}

/** Formats gateway errors: coded ones pass through without internals; others become INTERNAL_SERVER_ERROR. */
function formatGatewayError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const extensions = { ...(formatted.extensions ?? {}) };
  delete extensions.stacktrace;
  if (extensions.code === 'DOWNSTREAM_SERVICE_ERROR' || !extensions.code) extensions.code = 'INTERNAL_SERVER_ERROR';
  if (extensions.serviceName && !extensions.subgraph) extensions.subgraph = extensions.serviceName;
  return { ...formatted, extensions };
}

/**
 * Builds the gateway: Apollo Server over @apollo/gateway, authentication and operation filtering in
 * front of planning, /healthz, /readyz and /metrics.
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
  // Freshness is measured on the response cache's clock, as the data source compares deadlines on it.
  const fetchCache =
    options.fetchCache === false
      ? undefined
      : createFetchCache({ now: responseCache ? () => responseCache.now() : undefined, ...(typeof options.fetchCache === 'object' ? options.fetchCache : {}) });
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name }) => {
      const source = new SubgraphDataSource({
        name,
        url: urls[name]!,
        timeoutMs,
        principalHeaders: (context) => options.auth.principalHeaders(context.principal),
        dedup: fetchDedup,
        fetchCache,
        visibilityKey: (context) => options.auth.visibilityKey(context.principal),
        // Freshness deadlines are compared on the response cache's clock.
        now: responseCache ? () => responseCache.now() : undefined,
      });
      return options.wrapDataSource ? options.wrapDataSource(source) : source;
    },
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError: formatGatewayError,
    includeStacktraceInErrorResponses: false,
    // The process entry points (npm start, npm run gateway) own signal handling and close in order.
    stopOnTerminationSignals: false,
    // Automatic persisted queries would let a hash stand in for the text the operation filter reads.
    persistedQueries: false,
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      {
        async requestDidStart() {
          return {
            async willSendResponse({ response, contextValue }) {
              if (response.body.kind !== 'single') return;
              const result = response.body.singleResult;
              if (contextValue.stale.length > 0) result.extensions = { ...(result.extensions ?? {}), stale: contextValue.stale };
              contextValue.complete?.(result);
            },
          };
        },
      },
      ...(options.plugins ?? []),
    ],
  });
  await apollo.start();

  /** A request's context. The arrays and objects are created here: Apollo may hand the data sources a shallow copy of it. */
  const newContext = (principal: Principal, requestId: string, idempotencyKey: string | undefined): GatewayContext => ({
    principal,
    requestId,
    stale: [],
    invalidated: [],
    freshness: {},
    idempotencyKey,
  });

  // Analysis is pure in (query text, operation name, visibility): cache it like a query plan,
  // bounded by the text it holds as well as by count (a query may be megabytes long).
  const operations = new LRUCache<string, Analysis>({
    max: 2000,
    maxSize: 64 * 1024 * 1024,
    sizeCalculation: (entry, key) => key.length + (entry.refusal ? 256 : entry.query === undefined ? 0 : entry.query.length) + 1,
  });
  const documentLimits: DocumentLimits = { ...DEFAULT_DOCUMENT_LIMITS, ...(options.documentLimits ?? {}) };

  /**
   * Parses (within the document limits), validates, resolves the operation and filters it for a
   * visibility class. Filtering only ever sees a valid, bounded document; whatever is refused is
   * refused alike for every principal.
   */
  const analyze = (schema: GraphQLSchema, query: string, operationName: string | undefined, principal: Principal, visibility: string): Analysis => {
    const cacheKey = `${visibility}\u0000${operationName ?? ''}\u0000${query}`;
    let entry = operations.get(cacheKey);
    if (entry) return entry;
    entry = analyzeUncached(schema, query, operationName, principal);
    operations.set(cacheKey, entry);
    return entry;
  };

  const analyzeUncached = (schema: GraphQLSchema, query: string, operationName: string | undefined, principal: Principal): Analysis => {
    let document: DocumentNode;
    try {
      document = parseBounded(query, documentLimits);
    } catch (err) {
      if (!(err instanceof DocumentRefusal)) throw err;
      return { refusal: refusal(400, err.code, err.message, err.locations ? { locations: err.locations } : {}) };
    }
    const original = checkOperation(schema, document, operationName);
    if (isRefusal(original)) return { refusal: original };
    let removed: RemovedField[] = [];
    let executable = true;
    let deniedMutations: string[] = [];
    if (options.auth.filterOperation) {
      const result = options.auth.filterOperation({ schema, document, operationName, principal });
      document = result.document;
      removed = result.removed;
      executable = result.executable !== false;
      if (original.operation === 'mutation' && removed.length > 0) {
        const refusedKeys = new Set(removed.filter((r) => r.path.length === 1).map((r) => r.path[0]));
        deniedMutations = original.selectionSet.selections.flatMap((s) => (s.kind === 'Field' && refusedKeys.has((s.alias ?? s.name).value) ? [s.name.value] : []));
      }
    }
    const operation = getOperationAST(document, operationName)?.operation;
    const ttlMs = responseCache && operation === 'query' ? responseCache.ttlMs(schema, document) : 0;
    const staleMs = responseCache && ttlMs > 0 ? responseCache.staleMs(schema, document) : 0;
    return { query: removed.length > 0 ? print(document) : query, removed, executable, document, operation, ttlMs, staleMs, deniedMutations };
  };

  const handleGraphQL = async (req: IncomingMessage, res: ServerResponse) => {
    let principal: Principal;
    try {
      principal = await options.auth.authenticate(req.headers);
    } catch (err) {
      const message = err instanceof Error && err.message ? err.message : 'Unauthenticated';
      return sendJson(res, 401, { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer' });
    }
    if (req.method === 'POST' && !isJsonContentType(req.headers['content-type'])) {
      return sendJson(res, 415, { errors: [{ message: 'A GraphQL POST must have Content-Type: application/json', extensions: { code: 'BAD_REQUEST' } }] });
    }
    const raw = req.method === 'POST' ? await readBody(req) : undefined;
    const request: HTTPGraphQLRequest = await toHTTPGraphQLRequest(req, raw);
    const variablesError = variablesProblem(variablesOf(request));
    if (variablesError) return sendJson(res, 400, { errors: [{ message: variablesError, extensions: { code: 'BAD_USER_INPUT' } }] });
    normalizeOperationName(request);
    const schema = apiSchema;
    let entry: OperationEntry | undefined;
    let params: { query?: string; operationName?: string } | undefined;
    if (schema) {
      params = extractOperation(request);
      const visibility = options.auth.visibilityKey(principal);
      if (params?.query) {
        const analysis = analyze(schema, params.query, params.operationName, principal, visibility);
        if (analysis.refusal) return sendJson(res, analysis.refusal.status, { errors: analysis.refusal.errors });
        entry = analysis;
      }
    }
    if (entry && entry.deniedMutations.length > 0 && options.onDeniedMutations) {
      const body = request.body as { variables?: unknown } | undefined;
      const variables = body && typeof body === 'object' && body.variables && typeof body.variables === 'object' ? (body.variables as Record<string, unknown>) : {};
      const code = entry.removed.find((r) => r.path.length === 1)?.code ?? 'FORBIDDEN';
      await options.onDeniedMutations({ principal, requestId: headerValue(req.headers['x-request-id']) ?? randomUUID(), fields: entry.deniedMutations, variables, code });
    }
    if (entry && !entry.executable) {
      // Nothing the principal may see is left: answer the nulls and errors without planning.
      const empty: Record<string, unknown> = {};
      const data = options.auth.applyRemovedFields ? options.auth.applyRemovedFields(empty, entry.removed) : empty;
      return sendJson(res, 200, { errors: forbiddenErrors(entry.removed), data });
    }
    const removed = entry?.removed ?? [];
    if (entry && removed.length > 0) replaceQuery(request, entry.query);
    // Forwarded as sent: the subgraph validates it exactly as it validates the key in the input.
    const idempotencyKey = req.headers['idempotency-key'];
    const context = newContext(principal, headerValue(req.headers['x-request-id']) ?? randomUUID(), typeof idempotencyKey === 'string' ? idempotencyKey : undefined);

    // The response cache sits after authentication and filtering, before execution.
    let pending: PendingResponse | undefined;
    if (responseCache && schema && entry && entry.ttlMs > 0 && preflighted(req.headers)) {
      const variables = variablesOf(request);
      if (variables !== INVALID) {
        const accept = headerValue(req.headers.accept);
        const key = responseCacheKey({ visibilityKey: options.auth.visibilityKey(principal), operationName: params?.operationName, query: entry.query, variables, accept });
        const found = responseCache.lookup(key);
        if (found && !found.stale) {
          responseCacheTotal.inc({ result: 'hit' });
          return sendCached(res, found.entry, 'hit');
        }
        if (found?.stale) {
          // Staleness is always visible: the body names it, and a body we cannot flag is not served stale.
          const body = markStale(found.entry.body, { response: true, ageMs: found.ageMs, reason: 'revalidating' }, found.entry.bare);
          if (body !== undefined) {
            responseCacheTotal.inc({ result: 'stale' });
            revalidate(key, { principal, entry, operationName: params?.operationName, variables, accept });
            return sendCached(res, { ...found.entry, body }, 'stale');
          }
        }
        const joined = await responseCache.join(key);
        if (joined) {
          responseCacheTotal.inc({ result: 'hit' });
          return sendCached(res, joined, 'hit');
        }
        responseCacheTotal.inc({ result: 'miss' });
        pending = responseCache.begin(key);
      }
    }
    try {
      // With a cache on, the request goes through `execute` so that its invalidations evict before the answer leaves.
      if (removed.length === 0 && !responseCache && !fetchCache) return await executeApollo(apollo, request, res, async () => context);
      const outcome = await execute(request, context, entry, params?.operationName, !!pending);
      if (outcome.kind === 'stream') {
        res.writeHead(outcome.status, outcome.headers);
        for await (const chunk of outcome.chunks) res.write(chunk);
        res.end();
        await evictInvalidated(context);
        return;
      }
      // Evicted before the answer leaves, on every replica: a client that reads right after its write sees the write.
      await evictInvalidated(context);
      const headers = outcome.headers;
      if (pending) {
        pending.finish(outcome.toStore);
        headers['x-cache'] = 'miss';
      }
      res.writeHead(outcome.status, { ...headers, 'content-length': String(Buffer.byteLength(outcome.text)) });
      res.end(outcome.text);
    } finally {
      pending?.finish(undefined);
    }
  };

  /**
   * Runs a request through Apollo and completes a JSON answer: the removed fields' nulls and
   * errors are added, and when `storable`, what the response cache may keep is worked out. Only
   * a complete, fresh answer is stored: execution errors, stale data or a write in it never are.
   */
  const execute = async (
    request: HTTPGraphQLRequest,
    context: GatewayContext,
    entry: OperationEntry | undefined,
    operationName: string | undefined,
    storable: boolean,
  ): Promise<
    | { kind: 'stream'; status: number; headers: Record<string, string>; chunks: AsyncIterableIterator<string> }
    | { kind: 'complete'; status: number; headers: Record<string, string>; text: string; toStore?: ResponseToStore }
  > => {
    const removed = entry?.removed ?? [];
    let tags: Iterable<string> | undefined;
    let bare = false;
    // Runs for every answer of the request pipeline; an HTTP-level refusal (a bad content type) is sent as Apollo wrote it.
    context.complete = (result) => {
      const cacheable = storable && !!result.data && (result.errors ?? []).length === 0 && !result.extensions?.stale && context.stale.length === 0 && !context.invalidated?.length;
      // Tags are taken before the removed fields are written: those are nulls, not entities.
      if (cacheable && responseCache && apiSchema && entry) tags = responseCache.tags(apiSchema, entry.document, operationName, result.data as Record<string, unknown>);
      if (removed.length > 0) {
        if (result.data && options.auth.applyRemovedFields) result.data = options.auth.applyRemovedFields(result.data, removed);
        result.errors = [...forbiddenErrors(removed), ...(result.errors ?? [])];
      }
      bare = result.extensions === undefined;
    };
    const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: async () => context });
    const status = response.status ?? 200;
    const headers: Record<string, string> = {};
    for (const [key, value] of response.headers) headers[key] = value;
    if (response.body.kind !== 'complete') {
      if (removed.length > 0) throw new Error('incremental delivery is not supported with field filtering');
      return { kind: 'stream', status, headers, chunks: response.body.asyncIterator };
    }
    const text = response.body.string;
    delete headers['content-length'];
    let toStore: ResponseToStore | undefined;
    if (tags && status === 200 && responseCache && entry) {
      // No longer than the shortest-lived record the subgraphs read from their caches.
      const freshUntil = context.freshness?.untilMs;
      const ttlMs = freshUntil === undefined ? entry.ttlMs : Math.min(entry.ttlMs, freshUntil - responseCache.now());
      // The removed-field errors are not execution errors: they are the same for every request of this class.
      toStore = { body: text, headers: { ...headers }, tags, ttlMs, staleMs: entry.staleMs, bare };
    }
    return { kind: 'complete', status, headers, text, toStore };
  };

  /**
   * Refreshes a response served stale, in the background and once per key (concurrent stale hits
   * share it): the same filtered query and variables, executed internally for the principal that
   * asked (no authentication: it was verified, and its visibility class is part of the key).
   */
  const revalidate = (
    key: string,
    request: { principal: Principal; entry: OperationEntry; operationName: string | undefined; variables: Record<string, unknown> | null | undefined; accept: string | undefined },
  ) => {
    const pending = responseCache?.revalidate(key);
    if (!pending) return;
    void (async () => {
      let result: 'stored' | 'discarded' | 'failed' = 'discarded';
      try {
        const headers = new HeaderMap();
        headers.set('content-type', 'application/json');
        if (request.accept !== undefined) headers.set('accept', request.accept);
        const body: Record<string, unknown> = { query: request.entry.query };
        if (request.operationName !== undefined) body.operationName = request.operationName;
        if (request.variables) body.variables = structuredClone(request.variables);
        // Records past their TTL are loaded, not served stale: an answer with stale records would not be stored.
        const context: GatewayContext = { ...newContext(request.principal, randomUUID(), undefined), requireFresh: true };
        const outcome = await execute({ method: 'POST', headers, search: '', body }, context, request.entry, request.operationName, true);
        await evictInvalidated(context);
        if (outcome.kind === 'stream') {
          for await (const _chunk of outcome.chunks) {
            // Never stored: only complete answers are cached.
          }
        } else if (pending.finish(outcome.toStore)) result = 'stored';
      } catch (err) {
        result = 'failed';
        console.error('[gateway] response cache refresh failed', err instanceof Error ? err.message : err);
      } finally {
        pending.finish(undefined);
        responseCacheRefreshTotal.inc({ result });
      }
    })();
  };

  /** Evicts what a write changed, here and (once Redis has the message) on the other replicas. */
  const evictInvalidated = async (context: GatewayContext) => {
    if (!context.invalidated || context.invalidated.length === 0) return;
    responseCache?.invalidate(context.invalidated);
    fetchCache?.invalidate(context.invalidated);
    await Promise.all([responseCache?.published(), fetchCache?.published()]);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        const checks = await Promise.all(
          Object.entries(urls).map(async ([name, url]) => {
            const health = new URL('/healthz', url).toString();
            const ok = await fetch(health, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
            return [name, ok] as const;
          }),
        );
        const ready = !!apiSchema && checks.every(([, ok]) => ok);
        return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', subgraphs: Object.fromEntries(checks) });
      }
      if (path === '/metrics') {
        if (!options.metrics) return sendJson(res, 404, { error: 'metrics are off' });
        const text = await options.metrics.metrics();
        res.writeHead(200, { 'content-type': options.metrics.contentType });
        return res.end(text);
      }
      if (path === '/graphql' || path === '/') return handleGraphQL(req, res);
      sendJson(res, 404, { error: 'not found' });
    })().catch((err) => {
      const status = (err as { status?: number }).status ?? 500;
      if (status >= 500) console.error('[gateway] request failed', err);
      sendJson(res, status, httpFailureBody(status));
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
      return {
        url: `${listening.origin}/graphql`,
        port: listening.port,
        close: async () => {
          await listening.close();
          await apollo.stop();
          await responseCache?.close();
          await fetchCache?.close();
        },
      };
    },
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v && v.length <= 200 ? v : undefined;
}

/** The query and operation name of a GET or POST request, when it has one. */
function extractOperation(request: HTTPGraphQLRequest): { query?: string; operationName?: string } | undefined {
  if (request.method === 'POST') {
    const body = request.body as { query?: unknown; operationName?: unknown } | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
    return {
      query: typeof body.query === 'string' ? body.query : undefined,
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    };
  }
  const params = new URLSearchParams(request.search);
  return { query: params.get('query') ?? undefined, operationName: params.get('operationName') ?? undefined };
}

/** Sends a cached response; `x-cache` says whether it was fresh (`hit`) or served stale. */
function sendCached(res: ServerResponse, cached: Pick<CachedResponse, 'body' | 'headers'>, state: 'hit' | 'stale'): void {
  res.writeHead(200, { ...cached.headers, 'content-length': String(Buffer.byteLength(cached.body)), 'x-cache': state });
  res.end(cached.body);
}

const SIMPLE_CONTENT_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

/**
 * Whether a request passes Apollo Server's CSRF prevention (a non-simple content type or a
 * preflight header). A hit is served before Apollo sees the request, so the check is repeated here.
 */
function preflighted(headers: IncomingHttpHeaders): boolean {
  const contentType = headerValue(headers['content-type']);
  if (contentType !== undefined && !SIMPLE_CONTENT_TYPES.has(contentType.split(';')[0]!.trim().toLowerCase())) return true;
  return headers['x-apollo-operation-name'] !== undefined || headers['apollo-require-preflight'] !== undefined;
}

/** Whether a content type is JSON (`application/json`, with or without parameters). */
function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && value.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** An empty `operationName` means none (a client's empty field); anything else is the client's to get right. */
function normalizeOperationName(request: HTTPGraphQLRequest): void {
  if (request.method === 'POST') {
    const body = request.body as { operationName?: unknown } | undefined;
    if (body && typeof body === 'object' && body.operationName === '') delete body.operationName;
    return;
  }
  const params = new URLSearchParams(request.search);
  if (params.get('operationName') !== '') return;
  params.delete('operationName');
  request.search = `?${params.toString()}`;
}

const INVALID = Symbol('invalid variables');

/** The variables of a request; INVALID when they are not a JSON object (Apollo answers that error). */
function variablesOf(request: HTTPGraphQLRequest): Record<string, unknown> | null | undefined | typeof INVALID {
  let variables: unknown;
  if (request.method === 'POST') {
    const body = request.body;
    variables = body !== null && typeof body === 'object' ? (body as { variables?: unknown }).variables : undefined;
  } else {
    const text = new URLSearchParams(request.search).get('variables');
    if (text === null) return undefined;
    try {
      variables = JSON.parse(text);
    } catch {
      return INVALID;
    }
  }
  if (variables === undefined || variables === null) return variables;
  return typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : INVALID;
}

function replaceQuery(request: HTTPGraphQLRequest, query: string): void {
  if (request.method === 'POST') {
    (request.body as { query: string }).query = query;
    return;
  }
  const params = new URLSearchParams(request.search);
  params.set('query', query);
  request.search = `?${params.toString()}`;
}

export { HeaderMap };
