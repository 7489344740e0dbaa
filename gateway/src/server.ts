import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DocumentNode, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { parse, print } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';
import type { Principal } from '../../subgraphs/shared/authz/principal.js';
import { readBody, sendJson, executeApollo, toHTTPGraphQLRequest } from '../../subgraphs/shared/server/apollo-http.js';
import type { GatewayContext } from './context.js';
import { SubgraphDataSource } from './subgraph-data-source.js';

/** A field removed from an operation because the principal may not see it. */
export interface RemovedField {
  path: string[];
  message: string;
  code: 'FORBIDDEN' | 'UNAUTHENTICATED';
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
  applyRemovedFields?(data: Record<string, unknown>, removed: RemovedField[]): void;
  /** The signed headers that carry the principal to the subgraphs. */
  principalHeaders(principal: Principal): Record<string, string>;
  /** A key naming what the principal may see: requests with equal keys see the same fields and rows. */
  visibilityKey(principal: Principal): string;
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
  /** Extra Apollo Server plugins (response cache, ...). */
  plugins?: ConstructorParameters<typeof ApolloServer<GatewayContext>>[0]['plugins'];
  /** Wraps each data source (request dedup, ...). */
  wrapDataSource?(source: SubgraphDataSource): SubgraphDataSource;
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
}> {
  const urls = { ...subgraphUrlsOf(options.supergraphSdl), ...(options.subgraphUrls ?? {}) };
  const timeoutMs = options.subgraphTimeoutMs ?? 8000;
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name }) => {
      const source = new SubgraphDataSource({
        name,
        url: urls[name]!,
        timeoutMs,
        principalHeaders: (context) => options.auth.principalHeaders(context.principal),
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
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      {
        async requestDidStart() {
          return {
            async willSendResponse({ response, contextValue }) {
              if (response.body.kind !== 'single' || contextValue.stale.length === 0) return;
              response.body.singleResult.extensions = { ...(response.body.singleResult.extensions ?? {}), stale: contextValue.stale };
            },
          };
        },
      },
      ...(options.plugins ?? []),
    ],
  });
  await apollo.start();

  // Filtering is pure in (query text, operation name, visibility): cache it like a query plan.
  const filtered = new LRUCache<string, { query: string; removed: RemovedField[]; executable: boolean }>({ max: 2000 });

  const handleGraphQL = async (req: IncomingMessage, res: ServerResponse) => {
    let principal: Principal;
    try {
      principal = await options.auth.authenticate(req.headers);
    } catch (err) {
      const message = err instanceof Error && err.message ? err.message : 'Unauthenticated';
      return sendJson(res, 401, { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer' });
    }
    const raw = req.method === 'POST' ? await readBody(req) : undefined;
    const request: HTTPGraphQLRequest = await toHTTPGraphQLRequest(req, raw);
    let removed: RemovedField[] = [];
    if (options.auth.filterOperation && apiSchema) {
      const params = extractOperation(request);
      if (params?.query) {
        const cacheKey = `${options.auth.visibilityKey(principal)}\u0000${params.operationName ?? ''}\u0000${params.query}`;
        let entry = filtered.get(cacheKey);
        if (!entry) {
          let document: DocumentNode | undefined;
          try {
            document = parse(params.query);
          } catch {
            // Apollo Server answers the syntax error itself.
          }
          if (document) {
            const result = options.auth.filterOperation({ schema: apiSchema, document, operationName: params.operationName, principal });
            entry = { query: result.removed.length > 0 ? print(result.document) : params.query, removed: result.removed, executable: result.executable !== false };
            filtered.set(cacheKey, entry);
          }
        }
        if (entry && !entry.executable) {
          // Nothing the principal may see is left: answer the nulls and errors without planning.
          const data: Record<string, unknown> = {};
          options.auth.applyRemovedFields?.(data, entry.removed);
          return sendJson(res, 200, { errors: entry.removed.map((r) => ({ message: r.message, path: r.path, extensions: { code: r.code } })), data });
        }
        if (entry) {
          removed = entry.removed;
          if (removed.length > 0) replaceQuery(request, entry.query);
        }
      }
    }
    const context: GatewayContext = { principal, requestId: headerValue(req.headers['x-request-id']) ?? randomUUID(), stale: [] };
    if (removed.length === 0) return executeApollo(apollo, request, res, async () => context);
    const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: async () => context });
    const headers: Record<string, string> = {};
    for (const [key, value] of response.headers) headers[key] = value;
    if (response.body.kind !== 'complete') throw new Error('incremental delivery is not supported with field filtering');
    const body = JSON.parse(response.body.string) as { data?: Record<string, unknown> | null; errors?: unknown[] };
    if (body.data && options.auth.applyRemovedFields) options.auth.applyRemovedFields(body.data, removed);
    body.errors = [...removed.map((r) => ({ message: r.message, path: r.path, extensions: { code: r.code } })), ...(body.errors ?? [])];
    delete headers['content-length'];
    sendJson(res, response.status ?? 200, body, headers);
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
      sendJson(res, status, {
        errors: [{ message: status === 413 ? 'Request body too large' : 'Internal server error', extensions: { code: status === 413 ? 'BAD_USER_INPUT' : 'INTERNAL_SERVER_ERROR' } }],
      });
    });
  });
  server.keepAliveTimeout = 30_000;

  return {
    server,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const actual = (server.address() as AddressInfo).port;
          resolve({
            url: `http://${host}:${actual}/graphql`,
            port: actual,
            close: async () => {
              server.closeAllConnections();
              await new Promise<void>((done) => server.close(() => done()));
              await apollo.stop();
            },
          });
        });
      });
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
