import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../authz/principal.js';
import type { RecordKey, RecordKind, StaleObserver } from '../cache/record-cache.js';

/**
 * Turns request headers into the verified principal. Throws an error with `status: 401` when the
 * request does not carry a valid gateway signature; returns null only where the deployment allows
 * anonymous calls (tests of a single subgraph).
 */
export type Authenticate = (headers: IncomingHttpHeaders) => Principal | null;

/** One stale record served in a request, reported in `extensions.stale`. */
export interface StaleEntry {
  model: string;
  key: RecordKey;
  ageMs: number;
  reason: string;
}

/** What every subgraph's per-request context carries. */
export interface BaseSubgraphContext {
  principal: Principal | null;
  /** Correlation id from the gateway (`x-request-id`) or a new one. */
  requestId: string;
  /** Collects stale serves for this request. */
  stale: StaleObserver & { entries: StaleEntry[] };
  /**
   * Entities a mutation of this request changed, as `Type:id` tags (`Order:42`). Sent to the gateway
   * in `extensions.invalidate` so that it evicts the cached responses holding them.
   */
  invalidated?: string[];
}

/** Creates the per-request stale collector. */
export function createStaleCollector(): BaseSubgraphContext['stale'] {
  const entries: StaleEntry[] = [];
  return {
    entries,
    stale(kind: RecordKind, key: RecordKey, ageMs: number, reason: string) {
      entries.push({ model: `${kind.backend}:${kind.model}`, key, ageMs, reason });
    },
  };
}
