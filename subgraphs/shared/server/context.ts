import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Authenticate } from '../../../platform/authz/principal-header.js';
import { REQUIRE_FRESH_HEADER } from '../../../platform/http/internal-headers.js';
import type { Principal } from '../../../platform/authz/principal.js';
import type { RecordKey, RecordKind, StaleObserver } from '../cache/record-cache.js';
import type { Logger } from '../../../platform/logging/index.js';


export type { Authenticate } from '../../../platform/authz/principal-header.js';

/** One stale record served in a request, reported in `extensions.stale`. */
export interface StaleEntry {
  model: string;
  key: RecordKey;
  ageMs: number;
  reason: string;
}

/** The per-request collector of stale serves and of how long the records served stay fresh. */
export interface StaleCollector extends StaleObserver {
  entries: StaleEntry[];
  /**
   * How long, from now, every record served from the record cache in this request stays fresh
   * (the smallest remaining TTL); undefined when no record came through the cache.
   */
  freshForMs?(): number | undefined;
}

/** What every subgraph's per-request context carries. */
export interface BaseSubgraphContext {
  principal: Principal | null;
  /** Correlation id from the gateway (`x-request-id`) or a new one. */
  requestId: string;
  /** The request's logger, when the caller made one (else the request scope makes it on the first line written). */
  log?: Logger;
  /** Collects stale serves and record freshness for this request. */
  stale: StaleCollector;
  /**
   * Entities a mutation of this request changed, as `Type:id` tags (`Order:42`). Sent to the gateway
   * in `extensions.invalidate` so that it evicts the cached responses holding them.
   */
  invalidated?: string[];
}

/**
 * Creates the per-request stale collector. It keeps the earliest moment (on `now`, default
 * Date.now) at which a served record stops being fresh, so that the answer reports how long it
 * stays fresh when it is sent, not when the records were read.
 */
export function createStaleCollector(now: () => number = Date.now, requireFresh = false): StaleCollector {
  const entries: StaleEntry[] = [];
  let freshUntil: number | undefined;
  return {
    entries,
    requireFresh,
    stale(kind: RecordKind, key: RecordKey, ageMs: number, reason: string) {
      entries.push({ model: `${kind.backend}:${kind.model}`, key, ageMs, reason });
    },
    fresh(_kind: RecordKind, _key: RecordKey, remainingMs: number) {
      if (!Number.isFinite(remainingMs)) return;
      const until = now() + Math.max(0, remainingMs);
      if (freshUntil === undefined || until < freshUntil) freshUntil = until;
    },
    freshForMs() {
      return freshUntil === undefined ? undefined : Math.max(0, Math.floor(freshUntil - now()));
    },
  };
}


/** The part of every subgraph's context that comes from the request: verified principal, correlation id, stale collector. */
export function baseContext(authenticate: Authenticate, headers: IncomingHttpHeaders): BaseSubgraphContext & { stale: StaleCollector } {
  const header = headers['x-request-id'];
  const requestId = typeof header === 'string' && header.length > 0 && header.length <= 200 ? header : randomUUID();
  return {
    principal: authenticate(headers),
    requestId,
    stale: createStaleCollector(Date.now, headers[REQUIRE_FRESH_HEADER] === '1'),
  };
}
