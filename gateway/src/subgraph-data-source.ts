import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from './context.js';
import { fetchCacheKey, subgraphFetchCacheTotal, type FetchCache } from './plugins/fetch-cache.js';
import { DEDUP_HEADER, fetchDedupKey, type FetchDedup } from './plugins/fetch-dedup.js';

/** Which system of record each of our subgraphs fronts, for errors about an unreachable subgraph. */
const SYSTEM_OF_SUBGRAPH: Record<string, string> = {
  accounts: 'salesforce',
  orders: 'odoo',
  stock: 'odoo',
  invoices: 'odoo',
  cases: 'servicedesk',
};

/** Options of the data source that talks to one subgraph. */
export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  /** Per-fetch timeout in milliseconds. */
  timeoutMs: number;
  /** Headers that carry the verified principal to the subgraph (signed). */
  principalHeaders(context: GatewayContext): Record<string, string>;
  /** Merges identical query fetches in flight (off when absent). */
  dedup?: FetchDedup;
  /** Serves fresh answers of query fetches without calling the subgraph (off when absent). */
  fetchCache?: FetchCache;
  /** What the request's principal may see (`GatewayAuth.visibilityKey`); fetches merge only within one. */
  visibilityKey?(context: GatewayContext): string;
  /** Clock in epoch ms for freshness deadlines (default Date.now); the response cache must use the same one. */
  now?(): number;
}

const MUTATION = /^\s*mutation\b/;

/**
 * Sends subgraph fetches over keep-alive `fetch` with a timeout, forwards the signed principal
 * and the correlation id, and collects `extensions.stale`, `extensions.freshForMs` and
 * `extensions.invalidate` from subgraph answers.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly name: string;
  private readonly timeoutMs: number;
  private readonly principalHeaders: SubgraphDataSourceOptions['principalHeaders'];
  private readonly dedup: FetchDedup | undefined;
  private readonly fetchCache: FetchCache | undefined;
  private readonly visibilityKey: SubgraphDataSourceOptions['visibilityKey'];
  private readonly now: () => number;

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url });
    this.name = options.name;
    this.timeoutMs = options.timeoutMs;
    this.principalHeaders = options.principalHeaders;
    this.dedup = options.dedup;
    this.fetchCache = options.fetchCache;
    this.visibilityKey = options.visibilityKey;
    this.now = options.now ?? Date.now;
    this.fetcher = (async (url: string, init: RequestInit & { headers?: Record<string, string> }) => {
      const { [DEDUP_HEADER]: visibility, ...headers } = init.headers ?? {};
      // Node's own fetch keeps connections alive; a timeout bounds every subgraph fetch.
      const send = () => fetch(url, { ...init, headers, signal: AbortSignal.timeout(this.timeoutMs) });
      // The header is set only on query fetches of incoming query operations (see willSendRequest).
      if (visibility === undefined) return send();
      const body = String(init.body);
      const dedup = this.dedup;
      // Keyed on the visibility, not on the headers: the signed principal header differs per request.
      // With the fetch cache on, a fetch never joins one that began before an invalidation: it would store pre-write data.
      const dedupKey = fetchDedupKey(url, visibility, body) + (this.fetchCache ? `\u0000${this.fetchCache.generation}` : '');
      const load = dedup ? () => dedup.fetch(this.name, dedupKey, send) : send;
      if (!this.fetchCache) return load();
      const key = fetchCacheKey(this.name, visibility, body);
      const hit = this.fetchCache.get(key);
      if (hit !== undefined) {
        subgraphFetchCacheTotal.inc({ subgraph: this.name, result: 'hit' });
        // A new string per hit: every consumer parses (and may mutate) its own copy.
        return answerOf(200, '', [['content-type', 'application/json; charset=utf-8']], url, hit);
      }
      subgraphFetchCacheTotal.inc({ subgraph: this.name, result: 'miss' });
      const pending = this.fetchCache.begin(this.name, key, body);
      const response = await load();
      if (response.status !== 200) return response;
      const text = await response.text();
      pending.finish(text);
      return answerOf(response.status, response.statusText, [...response.headers], response.url, text);
    }) as unknown as typeof this.fetcher;
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const { request, context } = options;
    const headers = request.http!.headers;
    for (const [name, value] of Object.entries(this.principalHeaders(context as GatewayContext))) headers.set(name, value);
    if (context.requestId) headers.set('x-request-id', context.requestId);
    // The client's key travels only with the mutation itself, to the subgraph that owns the write.
    const idempotencyKey = (context as GatewayContext).idempotencyKey;
    if (idempotencyKey && MUTATION.test(request.query ?? '')) headers.set('idempotency-key', idempotencyKey);
    // Only fetches of incoming operations have a principal; health checks and schema loads do not.
    if ((this.dedup || this.fetchCache) && this.visibilityKey && 'incomingRequestContext' in options) {
      // Never merge nor cache a mutation, nor the fetches that follow one: their answers must see the write.
      const mutation = options.incomingRequestContext.operation?.operation === 'mutation' || MUTATION.test(request.query ?? '');
      if (!mutation) headers.set(DEDUP_HEADER, encodeURIComponent(this.visibilityKey(options.context as GatewayContext)));
    }
  }

  override async didReceiveResponse({
    response,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]): Promise<GatewayGraphQLResponse> {
    const stale = response.extensions?.stale;
    if (Array.isArray(stale) && stale.length > 0) context.stale.push(...stale.map((s) => ({ ...(s as object), subgraph: this.name })));
    const freshForMs = response.extensions?.freshForMs;
    if (context.freshness && typeof freshForMs === 'number' && Number.isFinite(freshForMs) && freshForMs >= 0) {
      // The response cache keeps the answer no longer than the shortest-lived record in it.
      const until = this.now() + freshForMs;
      if (context.freshness.untilMs === undefined || until < context.freshness.untilMs) context.freshness.untilMs = until;
    }
    const invalidate = response.extensions?.invalidate;
    if (Array.isArray(invalidate)) {
      // Entities a write changed (`Order:42`): the response cache evicts what holds them when the request ends.
      const tags = invalidate.filter((tag): tag is string => typeof tag === 'string' && tag.length > 0 && tag.length <= 200);
      if (tags.length > 0) (context.invalidated ??= []).push(...tags);
    }
    return response;
  }

  override didEncounterError(error: Error): never {
    if (error instanceof GraphQLError) throw error;
    // A subgraph we could not reach: name it and the system behind it, never the raw network error.
    const timedOut = error.name === 'TimeoutError' || error.name === 'AbortError';
    throw new GraphQLError(`${this.name} subgraph ${timedOut ? `did not answer within ${this.timeoutMs} ms` : 'is unreachable'}`, {
      extensions: { code: 'BACKEND_UNAVAILABLE', serviceName: this.name, system: SYSTEM_OF_SUBGRAPH[this.name] },
    });
  }
}

/** A Response over an answer already read (the data source names `url` in its errors). */
function answerOf(status: number, statusText: string, headers: [string, string][], url: string, body: string): Response {
  const response = new Response(body, { status, statusText, headers });
  Object.defineProperty(response, 'url', { value: url });
  return response;
}
