import type { Span } from '@opentelemetry/api';
import type { FormattedExecutionResult } from 'graphql';
import type { ExchangeCost } from './pipeline/stage.js';
import type { Principal } from '../../platform/authz/principal.js';
import type { RequestReport } from './pipeline/stage.js';

/** One stale record reported by a subgraph. */
export type StaleReport = Record<string, unknown>;

/** The per-request context of the gateway. */
export interface GatewayContext {
  principal: Principal;
  requestId: string;
  /** Stale records reported by subgraphs, returned in `extensions.stale`. */
  stale: StaleReport[];
  /** Entity tags (`Order:42`) that subgraphs reported changed (`extensions.invalidate`); evicted from the response cache when the request ends. */
  invalidated?: string[];
  /**
   * How long the records the subgraphs read from their record caches stay fresh: the earliest
   * `extensions.freshForMs` deadline of any fetch of this request (epoch ms); unset when no
   * subgraph reported one. An object so that the copies of the context Apollo hands the data
   * sources share it.
   */
  freshness?: { untilMs?: number };
  /**
   * The request's span, when tracing is on: each subgraph fetch's span is its child, handed on
   * explicitly (a process running the gateway alone has no context manager to find it in).
   */
  span?: Span;
  /** The request's log-line report: the data sources add the subgraphs' backend calls to it. */
  report?: RequestReport;
  /** The client's `Idempotency-Key` header, forwarded to the subgraph that runs a mutation. */
  idempotencyKey?: string;
  /** Audit records of write attempts that no subgraph saw (a mutation fetch that could not be sent), written before the answer leaves. */
  audits?: Promise<void>[];
  /** What demand control estimated and charged for this request (read by `Query.rateLimit`). */
  cost?: ExchangeCost;
  /** A refresh of a cached response: the subgraphs load records past their TTL instead of serving them stale. */
  requireFresh?: boolean;
  /**
   * Completes the result before Apollo serializes it (the removed fields' nulls and errors; what
   * the response cache needs of the data), so that the answer is serialized once and never parsed back.
   */
  complete?(result: FormattedExecutionResult): void;
}
