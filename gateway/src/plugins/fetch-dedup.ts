import { Counter } from 'prom-client';
import { metricsRegistry } from '../../../subgraphs/shared/metrics/registry.js';

/** Subgraph fetches that joined an identical fetch already in flight instead of sending their own. */
export const subgraphFetchDedupTotal = new Counter({
  name: 'gateway_subgraph_fetch_dedup_total',
  help: 'Subgraph fetches served by an identical fetch already in flight.',
  labelNames: ['subgraph'] as const,
  registers: [metricsRegistry],
});

/**
 * The request header through which the data source hands the principal's visibility key to its
 * fetcher. The fetcher removes it before the request leaves the gateway.
 */
export const DEDUP_HEADER = 'x-gateway-dedup-visibility';

/** One subgraph answer read to the end, so that every waiter can build its own Response from it. */
interface BufferedResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  url: string;
  body: string;
}

/** Merges identical subgraph fetches that are in flight at the same time. */
export interface FetchDedup {
  /**
   * Answers `load()` for `key`; a second call with the same key while the first is in flight waits
   * for it instead of calling `load`. Every caller gets its own Response (its own body to parse).
   */
  fetch(subgraph: string, key: string, load: () => Promise<Response>): Promise<Response>;
  /** How many distinct fetches are in flight. */
  readonly inFlight: number;
}

/** The dedup key of one subgraph fetch: URL, what the principal may see, and the exact body (query, variables). */
export function fetchDedupKey(url: string, visibilityKey: string, body: string): string {
  return `${url}\u0000${visibilityKey}\u0000${body}`;
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

function responseOf(buffered: BufferedResponse): Response {
  const response = new Response(NULL_BODY_STATUS.has(buffered.status) ? null : buffered.body, {
    status: buffered.status,
    statusText: buffered.statusText,
    headers: buffered.headers,
  });
  // A constructed Response has an empty url; error messages of the data source name it.
  Object.defineProperty(response, 'url', { value: buffered.url });
  return response;
}

/**
 * Creates the in-flight deduplication of subgraph fetches. Only fetches in flight are merged:
 * nothing is kept once a fetch settles (caching answers is the response cache's job), so a
 * plain map of promises is all the state there is.
 */
export function createFetchDedup(): FetchDedup {
  const inFlight = new Map<string, Promise<BufferedResponse>>();
  return {
    async fetch(subgraph, key, load) {
      let shared = inFlight.get(key);
      if (shared) {
        subgraphFetchDedupTotal.inc({ subgraph });
      } else {
        shared = (async () => {
          const response = await load();
          // Read the body inside the leader so that the timeout of `load` covers it and waiters never race for one stream.
          const body = await response.text();
          return { status: response.status, statusText: response.statusText, headers: [...response.headers], url: response.url, body };
        })();
        inFlight.set(key, shared);
        // Settled fetches leave the map at once: a later identical fetch must see fresh data.
        const forget = () => {
          if (inFlight.get(key) === shared) inFlight.delete(key);
        };
        shared.then(forget, forget);
      }
      return responseOf(await shared);
    },
    get inFlight() {
      return inFlight.size;
    },
  };
}
