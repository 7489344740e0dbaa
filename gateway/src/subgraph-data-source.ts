import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Span } from '@opentelemetry/api';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Fetcher, FetcherHeaders, FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import { STATUS_CODES } from 'node:http';
import { httpHeaders, isOk, sharedHttpClient, type HttpAnswer, type HttpClient, type HttpHeaders } from '../../platform/http/client.js';
import { REQUIRE_FRESH_HEADER } from '../../platform/http/internal-headers.js';
import { addBackendCalls, BACKEND_CALLS_HEADER } from '../../platform/observability/request-scope.js';
import { injectTraceHeaders, settleSpan, SpanKind, startChildSpan } from '../../platform/observability/tracing.js';
import { subgraphFetchDurationSeconds } from './subgraph-fetch-metrics.js';
import type { GatewayContext } from './context.js';
import { fetchCacheKey, subgraphFetchCacheTotal, type FetchCache } from './plugins/fetch-cache.js';
import { DEDUP_HEADER, fetchDedupKey, type FetchDedup } from './plugins/fetch-dedup.js';
import { isMutationText, type UnansweredMutation, unansweredMutationOf } from './unanswered-mutation.js';

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
  principalHeaders(context: GatewayContext): Readonly<Record<string, string>>;
  /** Merges identical query fetches in flight (off when absent). */
  dedup?: FetchDedup;
  /** Serves fresh answers of query fetches without calling the subgraph (off when absent). */
  fetchCache?: FetchCache;
  /** What the request's principal may see (`GatewayAuth.visibilityKey`); fetches merge only within one. */
  visibilityKey?(context: GatewayContext): string;
  /** Clock in epoch ms for freshness deadlines (default Date.now); the response cache must use the same one. */
  now?(): number;
  /** HTTP client (default the process-wide keep-alive client). */
  http?: HttpClient;
  /**
   * Called when a mutation fetch got no answer: it never reached the subgraph (connection refused,
   * host not found), or the subgraph stopped answering (reset, killed, timed out). Either way the
   * gateway tells the client, so the gateway audits what it told it.
   */
  onUnansweredMutation?(event: UnansweredMutation): Promise<void>;
}

/** The span of each fetch in flight, by the options Apollo hands both `process` and `willSendRequest`. */
const fetchSpans = new WeakMap<object, Span>();

/**
 * Sends subgraph fetches over a keep-alive HTTP client with a timeout, forwards the signed principal
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
  private readonly onUnansweredMutation: SubgraphDataSourceOptions['onUnansweredMutation'];

  constructor(options: SubgraphDataSourceOptions) {
    // The gateway takes lifetimes from `extensions.freshForMs`; Apollo's cache policy (disabled) would only parse each answer's Cache-Control.
    super({ url: options.url, honorSubgraphCacheControlHeader: false });
    this.name = options.name;
    this.timeoutMs = options.timeoutMs;
    this.principalHeaders = options.principalHeaders;
    this.dedup = options.dedup;
    this.fetchCache = options.fetchCache;
    this.visibilityKey = options.visibilityKey;
    this.now = options.now ?? Date.now;
    this.onUnansweredMutation = options.onUnansweredMutation;
    const http = options.http ?? sharedHttpClient();
    const fetcher: Fetcher = async (url, init = {}) => {
      const { [DEDUP_HEADER]: visibility, ...headers } = init.headers ?? {};
      const body = String(init.body ?? '');
      // A timeout bounds every subgraph fetch, the reading of the answer included.
      const send = async () => {
        const started = performance.now();
        let outcome = 'error';
        try {
          const answer = await http(url, { method: init.method ?? 'POST', headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
          outcome = String(answer.status);
          return answer;
        } finally {
          subgraphFetchDurationSeconds.observe({ subgraph: this.name, status: outcome }, (performance.now() - started) / 1000);
        }
      };
      // The header is set only on query fetches of incoming query operations (see willSendRequest).
      if (visibility === undefined) return new AnswerResponse(url, await send());
      const dedup = this.dedup;
      // Keyed on the visibility, not on the headers: the signed principal header differs per request.
      // With the fetch cache on, a fetch never joins one that began before an invalidation: it would store pre-write data.
      // A fetch that requires fresh records never joins one that may answer stale ones.
      const dedupKey = fetchDedupKey(url, visibility, body) + (this.fetchCache ? `\u0000${this.fetchCache.generation}` : '') + (headers[REQUIRE_FRESH_HEADER] ? '\u0000fresh' : '');
      const load = dedup ? () => dedup.fetch(this.name, dedupKey, send) : send;
      if (!this.fetchCache) return new AnswerResponse(url, await load());
      const key = fetchCacheKey(this.name, visibility, body);
      const hit = this.fetchCache.get(key);
      if (hit !== undefined) {
        subgraphFetchCacheTotal.inc({ subgraph: this.name, result: 'hit' });
        return new AnswerResponse(url, { status: 200, headers: JSON_HEADERS, body: hit });
      }
      subgraphFetchCacheTotal.inc({ subgraph: this.name, result: 'miss' });
      const pending = this.fetchCache.begin(this.name, key, body);
      const answer = await load();
      if (answer.status !== 200) return new AnswerResponse(url, answer);
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.body);
      } catch {
        return new AnswerResponse(url, answer);
      }
      // Stored (copied) before the gateway gets the parsed answer, which it merges into (mutates).
      pending.finish(parsed, answer.body);
      return new AnswerResponse(url, answer, parsed);
    };
    this.fetcher = fetcher;
  }

  /**
   * Each fetch of a request has its span (`fetch <subgraph>`, a child of the request's span), whose
   * context the subgraph continues: the span is kept by the fetch's options, which Apollo hands on
   * to `willSendRequest`.
   */
  override process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const span = startChildSpan((options.context as GatewayContext).span, `fetch ${this.name}`, { kind: SpanKind.CLIENT, attributes: { 'c360.component': 'gateway', 'c360.subgraph': this.name } });
    if (!span) return super.process(options);
    fetchSpans.set(options, span);
    return settleSpan(span, () => super.process(options));
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const { request, context } = options;
    const headers = request.http!.headers;
    for (const [name, value] of Object.entries(this.principalHeaders(context as GatewayContext))) headers.set(name, value);
    if (context.requestId) headers.set('x-request-id', context.requestId);
    // The subgraph's span continues the fetch's (or, for a fetch of no request, the active context).
    injectTraceHeaders((name, value) => headers.set(name, value), fetchSpans.get(options));
    if ((context as GatewayContext).requireFresh) headers.set(REQUIRE_FRESH_HEADER, '1');
    // The client's key travels only with the mutation itself, to the subgraph that owns the write.
    const idempotencyKey = (context as GatewayContext).idempotencyKey;
    if (idempotencyKey && isMutationText(request.query)) headers.set('idempotency-key', idempotencyKey);
    // Only fetches of incoming operations have a principal; health checks and schema loads do not.
    if ((this.dedup || this.fetchCache) && this.visibilityKey && 'incomingRequestContext' in options) {
      // Never merge nor cache a mutation, nor the fetches that follow one: their answers must see the write.
      const mutation = options.incomingRequestContext.operation?.operation === 'mutation' || isMutationText(request.query);
      if (!mutation) headers.set(DEDUP_HEADER, encodeURIComponent(this.visibilityKey(options.context as GatewayContext)));
    }
  }

  override async didReceiveResponse({
    response,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]): Promise<GatewayGraphQLResponse> {
    const report = context.report;
    if (report) {
      // Answers of the fetch cache carry no such header: they cost no backend call.
      report.subgraphFetches += 1;
      addBackendCalls(report.backendCalls, response.http?.headers.get(BACKEND_CALLS_HEADER));
    }
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

  override didEncounterError(error: Error, _fetchRequest?: unknown, _fetchResponse?: unknown, context?: GatewayContext, request?: { query?: string; variables?: Record<string, unknown> }): never {
    if (error instanceof GraphQLError) throw error;
    const unanswered = this.onUnansweredMutation && context && unansweredMutationOf(error, context, request);
    if (unanswered) context.audits?.push(this.onUnansweredMutation!(unanswered));
    // A subgraph we could not reach: name it and the system behind it, never the raw network error.
    const timedOut = error.name === 'TimeoutError' || error.name === 'AbortError';
    throw new GraphQLError(`${this.name} subgraph ${timedOut ? `did not answer within ${this.timeoutMs} ms` : 'is unreachable'}`, {
      extensions: { code: 'BACKEND_UNAVAILABLE', serviceName: this.name, system: SYSTEM_OF_SUBGRAPH[this.name] },
    });
  }
}

const JSON_HEADERS = httpHeaders({ 'content-type': 'application/json; charset=utf-8' });

/**
 * What the data source reads of a fetch answer (`@apollo/utils.fetcher`'s FetcherResponse) over
 * an answer already read whole, without a WHATWG Response. `json()` hands out the parsed answer
 * when the fetcher already parsed it (once), else parses the body.
 */
class AnswerResponse implements FetcherResponse {
  readonly redirected = false;
  readonly headers: FetcherHeaders;
  #bodyUsed = false;
  readonly #answer: HttpAnswer;
  #parsed: unknown;

  constructor(
    readonly url: string,
    answer: HttpAnswer,
    parsed?: unknown,
  ) {
    this.#answer = answer;
    this.#parsed = parsed;
    this.headers = new AnswerHeaders(answer.headers);
  }

  get status(): number {
    return this.#answer.status;
  }
  get ok(): boolean {
    return isOk(this.#answer);
  }
  get statusText(): string {
    return STATUS_CODES[this.#answer.status] ?? '';
  }
  get bodyUsed(): boolean {
    return this.#bodyUsed;
  }

  async text(): Promise<string> {
    this.#use();
    return this.#answer.body;
  }

  async json(): Promise<unknown> {
    this.#use();
    const parsed = this.#parsed;
    this.#parsed = undefined;
    return parsed !== undefined ? parsed : JSON.parse(this.#answer.body);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    this.#use();
    return new TextEncoder().encode(this.#answer.body).buffer as ArrayBuffer;
  }

  clone(): FetcherResponse {
    if (this.#bodyUsed) throw new TypeError('body already read');
    return new AnswerResponse(this.url, this.#answer);
  }

  #use(): void {
    if (this.#bodyUsed) throw new TypeError('body already read');
    this.#bodyUsed = true;
  }
}

/** Read-only FetcherHeaders over an answer's headers. */
class AnswerHeaders implements FetcherHeaders {
  readonly #headers: HttpHeaders;
  constructor(headers: HttpHeaders) {
    this.#headers = headers;
  }
  get(name: string): string | null {
    return this.#headers.get(name);
  }
  has(name: string): boolean {
    return this.#headers.get(name) !== null;
  }
  append(): void {
    throw new TypeError('the headers of a subgraph answer are read-only');
  }
  set(): void {
    throw new TypeError('the headers of a subgraph answer are read-only');
  }
  delete(): void {
    throw new TypeError('the headers of a subgraph answer are read-only');
  }
  entries(): IterableIterator<[string, string]> {
    return this.#headers.entries()[Symbol.iterator]();
  }
  keys(): IterableIterator<string> {
    return this.#headers.entries().map(([name]) => name)[Symbol.iterator]();
  }
  values(): IterableIterator<string> {
    return this.#headers.entries().map(([, value]) => value)[Symbol.iterator]();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}
