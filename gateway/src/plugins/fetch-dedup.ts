import { Counter } from 'prom-client';
import type { HttpAnswer } from '../../../platform/http/client.js';
import { metricsRegistry } from '../../../platform/metrics/registry.js';

/** Subgraph fetches that joined an identical fetch already in flight instead of sending their own. */
export const subgraphFetchDedupTotal = new Counter({
  name: 'c360_gateway_subgraph_fetch_dedup_total',
  help: 'Subgraph fetches served by an identical fetch already in flight.',
  labelNames: ['subgraph'] as const,
  registers: [metricsRegistry],
});

/**
 * The request header through which the data source hands the principal's visibility key to its
 * fetcher. The fetcher removes it before the request leaves the gateway.
 */
export const DEDUP_HEADER = 'x-gateway-dedup-visibility';

/** Merges identical subgraph fetches that are in flight at the same time. */
export interface FetchDedup {
  /**
   * Answers `load()` for `key`; a second call with the same key while the first is in flight waits
   * for it instead of calling `load`. Every caller gets the same answer, read to the end: its body
   * is a string, so each caller parses (and may mutate) its own copy.
   */
  fetch(subgraph: string, key: string, load: () => Promise<HttpAnswer>): Promise<HttpAnswer>;
  /** How many distinct fetches are in flight. */
  readonly inFlight: number;
}

/** The dedup key of one subgraph fetch: URL, what the principal may see, and the exact body (query, variables). */
export function fetchDedupKey(url: string, visibilityKey: string, body: string): string {
  return `${url}\u0000${visibilityKey}\u0000${body}`;
}

/**
 * Creates the in-flight deduplication of subgraph fetches. Only fetches in flight are merged:
 * nothing is kept once a fetch settles (caching answers is the response cache's job), so a
 * plain map of promises is all the state there is.
 */
export function createFetchDedup(): FetchDedup {
  const inFlight = new Map<string, Promise<HttpAnswer>>();
  return {
    async fetch(subgraph, key, load) {
      let shared = inFlight.get(key);
      if (shared) {
        subgraphFetchDedupTotal.inc({ subgraph });
      } else {
        shared = load();
        inFlight.set(key, shared);
        // Settled fetches leave the map at once: a later identical fetch must see fresh data.
        const forget = () => {
          if (inFlight.get(key) === shared) inFlight.delete(key);
        };
        shared.then(forget, forget);
      }
      return shared;
    },
    get inFlight() {
      return inFlight.size;
    },
  };
}
