import { Agent, request } from 'undici';

/**
 * The HTTP client of the connectors and of the gateway's subgraph fetches: undici's `request`
 * over a keep-alive connection pool per origin, reading each answer whole. It does the same
 * exchange as `fetch` without WHATWG Request, Response and stream objects, for about a third
 * of the CPU per call (`npx tsx bench/http-client-bench.ts`).
 */

/** One request. */
export interface HttpRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  /** Aborts the exchange; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Header lookup by case-insensitive name; repeated headers come joined with ", ". */
export interface HttpHeaders {
  get(name: string): string | null;
  entries(): [string, string][];
}

/** One answer, read to the end. */
export interface HttpAnswer {
  status: number;
  headers: HttpHeaders;
  body: string;
}

/** Sends one request and reads its answer. Rejects on network failure or abort, never on an HTTP status. */
export type HttpClient = (url: string | URL, request: HttpRequest) => Promise<HttpAnswer>;

type RawHeaders = Record<string, string | string[] | undefined>;

/** Headers of an answer; undici gives them with lower-case names. */
export function httpHeaders(raw: RawHeaders): HttpHeaders {
  return {
    get(name) {
      const value = raw[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
    entries() {
      const out: [string, string][] = [];
      for (const [name, value] of Object.entries(raw)) if (value !== undefined) out.push([name, Array.isArray(value) ? value.join(', ') : value]);
      return out;
    },
  };
}

/** 2xx. */
export const isOk = (answer: HttpAnswer): boolean => answer.status >= 200 && answer.status < 300;

/**
 * A client with its own connection pool (as many connections per origin as requests in flight, as
 * Node's fetch); `close()` ends its connections. Idle connections close after 4 s, before servers
 * close theirs (around 5 s).
 */
export function createHttpClient(): HttpClient & { close(): Promise<void> } {
  const agent = new Agent({ keepAliveTimeout: 4000 });
  const client = async (url: string | URL, init: HttpRequest): Promise<HttpAnswer> => {
    const answer = await request(url, { method: init.method as 'GET', headers: init.headers, body: init.body, signal: init.signal, dispatcher: agent });
    const body = await answer.body.text();
    return { status: answer.statusCode, headers: httpHeaders(answer.headers), body };
  };
  return Object.assign(client, { close: () => agent.close() });
}

let shared: HttpClient | undefined;

/** The process-wide client (one pool per origin for every connector that is given no client of its own). */
export function sharedHttpClient(): HttpClient {
  return (shared ??= createHttpClient());
}
