import type { HTTPGraphQLRequest } from '@apollo/server';
import type { Span } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../../../platform/authz/principal.js';
import { canonicalJson } from '../../../platform/json/canonical-json.js';
import type { ResponseToStore } from '../plugins/response-cache.js';
import type { OperationEntry } from './operation-entry.js';

/** The query text, operation name and variables of a GraphQL request, as the client sent them. */
export interface OperationParams {
  query?: string;
  operationName?: string;
  variables?: Record<string, unknown> | null;
  /** The variables are not a JSON object: Apollo answers the error, and no cache may serve it. */
  invalidVariables?: boolean;
}

/**
 * One request as it goes down the pipeline. Each stage reads what the stages before it set and
 * adds its own part; the field docs name the stage that sets each.
 */
export interface Exchange {
  /** The HTTP request. */
  readonly req: IncomingMessage;
  /** Correlation id: the client's `x-request-id` (up to 200 characters) or a new one. */
  readonly requestId: string;
  /** authenticate: the verified caller. */
  principal?: Principal;
  /** read-request: the request in Apollo's form (its query replaced by the filtered one once filtered). */
  request?: HTTPGraphQLRequest;
  /** read-request: what the client asked. */
  params?: OperationParams;
  /** The canonical JSON of `params.variables`, once worked out (see {@link variablesKeyOf}). */
  variablesKey?: string;
  /** analyze: the parsed, valid operation filtered for the principal; absent when Apollo is left to answer. */
  operation?: OperationEntry;
  /** demand-control: the operation's estimated cost and the client's cost budget after it. */
  cost?: ExchangeCost;
  /** response-cache: the answer may be stored, so execute works out what to store. */
  storable?: boolean;
  /** A refresh of a cached response: the subgraphs load records past their TTL instead of serving them stale. */
  requireFresh?: boolean;
  /** What the request's log line reports beside the exchange itself (set by the server; see request-observer.ts). */
  readonly report?: RequestReport;
  /** The request's span, when tracing is on (set by the server): each subgraph fetch's span is its child. */
  readonly span?: Span;
  /** rate-limit: headers the answer carries whichever stage gives it (the server writes them). */
  answerHeaders?: Record<string, string>;
}

/** What the request's log line reports that the stages and data sources learn as the request runs. */
export interface RequestReport {
  /** Backend calls the subgraphs made for the request, by system (summed from their answers). */
  backendCalls: Record<string, number>;
  /** Subgraph fetches answered, by a subgraph or by the fetch cache. */
  subgraphFetches: number;
}

/** What demand control worked out for a request. */
export interface ExchangeCost {
  /** Backend calls it may cause at most, by system, and in all. */
  estimate: { bySystem: Record<string, number>; total: number };
  maxCost: number;
  budget: { limit: number; remaining: number; resetAt: Date };
}

/** The canonical JSON of the request's variables, worked out once per request: the response cache key and the cost estimate's memo take it. */
export function variablesKeyOf(exchange: Exchange): string {
  return (exchange.variablesKey ??= canonicalJson(exchange.params?.variables ?? {}));
}

/** What the pipeline answers: a complete body, or a stream of chunks (incremental delivery). */
export type Answer =
  | { status: number; headers: Record<string, string>; body: string; toStore?: ResponseToStore }
  | { status: number; headers: Record<string, string>; stream: AsyncIterable<string> };

/** Runs the rest of the pipeline, for this exchange or another one (a stage may run it for a refresh). */
export type Next = (exchange?: Exchange) => Promise<Answer>;

/**
 * One named stage: it answers itself, or passes the exchange on with `next` (and may look at what
 * comes back). A stage that only passes the exchange on returns `next()` itself rather than
 * awaiting it in an `async` handler: every request runs every stage, and each `async` layer adds
 * a promise and its turns of the microtask queue.
 */
export interface Stage {
  readonly name: string;
  handle(exchange: Exchange, next: Next): Promise<Answer>;
}

/** Composes stages in order into one handler; the last stage must answer. What a stage throws rejects the handler's promise. */
export function composeStages(stages: readonly Stage[]): (exchange: Exchange) => Promise<Answer> {
  const run = (index: number, exchange: Exchange): Promise<Answer> => {
    const stage = stages[index];
    if (!stage) return Promise.reject(new Error('the gateway pipeline ended without an answer'));
    try {
      return stage.handle(exchange, (next = exchange) => run(index + 1, next));
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return (exchange) => run(0, exchange);
}

/** A JSON answer, as a settled promise: what a stage that is not `async` returns when it answers itself. */
export function answered(status: number, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return Promise.resolve(jsonAnswer(status, body, headers));
}

/** A JSON answer. */
export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}
