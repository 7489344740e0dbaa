import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from './context.js';

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
}

/**
 * Sends subgraph fetches over keep-alive `fetch` with a timeout, forwards the signed principal
 * and the correlation id, and collects `extensions.stale` from subgraph answers.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly name: string;
  private readonly timeoutMs: number;
  private readonly principalHeaders: SubgraphDataSourceOptions['principalHeaders'];

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url });
    this.name = options.name;
    this.timeoutMs = options.timeoutMs;
    this.principalHeaders = options.principalHeaders;
    // Node's own fetch keeps connections alive; a timeout bounds every subgraph fetch.
    this.fetcher = ((url: string, init: RequestInit) =>
      fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) })) as unknown as typeof this.fetcher;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http!.headers;
    for (const [name, value] of Object.entries(this.principalHeaders(context as GatewayContext))) headers.set(name, value);
    if (context.requestId) headers.set('x-request-id', context.requestId);
  }

  override async didReceiveResponse({
    response,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]): Promise<GatewayGraphQLResponse> {
    const stale = response.extensions?.stale;
    if (Array.isArray(stale) && stale.length > 0) context.stale.push(...stale.map((s) => ({ ...(s as object), subgraph: this.name })));
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
