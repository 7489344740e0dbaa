import type { Principal } from '../../subgraphs/shared/authz/principal.js';

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
  /** The client's `Idempotency-Key` header, forwarded to the subgraph that runs a mutation. */
  idempotencyKey?: string;
}
