import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from './context.js';
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
  private readonly visibilityKey: SubgraphDataSourceOptions['visibilityKey'];
  private readonly now: () => number;

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url });
    this.name = options.name;
    this.timeoutMs = options.timeoutMs;
    this.principalHeaders = options.principalHeaders;
    this.dedup = options.dedup;
    this.visibilityKey = options.visibilityKey;
    this.now = options.now ?? Date.now;
    this.fetcher = ((url: string, init: RequestInit & { headers?: Record<string, string> }) => {
      const { [DEDUP_HEADER]: visibility, ...headers } = init.headers ?? {};
      // Node's own fetch keeps connections alive; a timeout bounds every subgraph fetch.
      const send = () => fetch(url, { ...init, headers, signal: AbortSignal.timeout(this.timeoutMs) });
      if (visibility === undefined || !this.dedup) return send();
      // Keyed on the visibility, not on the headers: the signed principal header differs per request.
      return this.dedup.fetch(this.name, fetchDedupKey(url, visibility, String(init.body)), send);
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
    if (this.dedup && this.visibilityKey && 'incomingRequestContext' in options) {
      // Never merge a mutation, nor the fetches that follow one: their answers must see the write.
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
