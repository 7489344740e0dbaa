import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listen } from '../../platform/http/listen.js';

/** Faults injected through `PUT /__sandbox/faults`; `{}` clears them. */
export interface Faults {
  /** Added to every backend call, in milliseconds. */
  latencyMs?: number;
  /** Uniform random extra delay on top of latencyMs, in milliseconds. */
  jitterMs?: number;
  /** Probability (0..1) that a call fails with the backend's own server error. */
  errorRate?: number;
  /** When true, every backend call is answered 503 (admin routes stay up). */
  down?: boolean;
  /** Calls per second past which the backend's own rate-limit error is returned. */
  rateLimit?: { perSecond: number };
  /**
   * At most this many calls are worked on at once, as by Odoo's worker processes; the others wait
   * their turn in arrival order. The latency is spent holding a worker, so queued calls take longer.
   */
  workers?: number;
}

/** Counters served by `GET /__sandbox/stats`. */
export interface SandboxStats {
  calls: number;
  byOperation: Record<string, number>;
  records: number;
  /** Most API calls in the sandbox at once (those waiting for a worker included) since the last reset. */
  peakInFlight: number;
}

/** What a backend handler receives for one request. */
export interface SandboxRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Counts one backend API call under `operation` (e.g. `sale.order.search_read`), returning `records` records. */
  count(operation: string, records?: number): void;
}

/** A response a backend handler returns; `body` is sent as is when a string or Buffer, else as JSON. */
export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** The per-backend parts of a sandbox: its routes and its own error shapes. */
export interface SandboxBackend {
  /** Short name used in logs (`odoo`, `salesforce`, `zendesk`). */
  name: string;
  /** Handles one protocol request. Thrown errors become `serverError()`. */
  handle(req: SandboxRequest): Promise<SandboxResponse> | SandboxResponse;
  /** Restores the seeded data. */
  reset(): void;
  /** The backend's own answer to an injected server error (and to an unexpected exception). */
  serverError(req: SandboxRequest, err?: unknown): SandboxResponse;
  /** The backend's own answer once the rate limit is passed. */
  rateLimited(req: SandboxRequest, retryAfterSeconds: number): SandboxResponse;
  /** Whether a request is a backend API call that faults and counters apply to (default: all). */
  isApiCall?(req: SandboxRequest): boolean;
}

/** A running sandbox. */
export interface RunningSandbox {
  url: string;
  port: number;
  server: Server;
  stats(): SandboxStats;
  setFaults(faults: Faults): void;
  reset(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Validates a faults body, throwing a TypeError that names the bad field. */
export function parseFaults(input: unknown): Faults {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new TypeError('faults must be a JSON object');
  const raw = input as Record<string, unknown>;
  const faults: Faults = {};
  const num = (key: 'latencyMs' | 'jitterMs' | 'errorRate', max: number) => {
    if (raw[key] === undefined) return;
    const value = raw[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
      throw new TypeError(`${key} must be a number between 0 and ${max}`);
    }
    faults[key] = value;
  };
  num('latencyMs', 600_000);
  num('jitterMs', 600_000);
  num('errorRate', 1);
  if (raw.down !== undefined) {
    if (typeof raw.down !== 'boolean') throw new TypeError('down must be a boolean');
    faults.down = raw.down;
  }
  if (raw.rateLimit !== undefined && raw.rateLimit !== null) {
    const perSecond = (raw.rateLimit as { perSecond?: unknown }).perSecond;
    if (typeof perSecond !== 'number' || !(perSecond > 0)) throw new TypeError('rateLimit.perSecond must be a positive number');
    faults.rateLimit = { perSecond };
  }
  if (raw.workers !== undefined && raw.workers !== null) {
    if (typeof raw.workers !== 'number' || !Number.isInteger(raw.workers) || raw.workers < 1 || raw.workers > 10_000) {
      throw new TypeError('workers must be an integer between 1 and 10000');
    }
    faults.workers = raw.workers;
  }
  const known = new Set(['latencyMs', 'jitterMs', 'errorRate', 'down', 'rateLimit', 'workers']);
  for (const key of Object.keys(raw)) if (!known.has(key)) throw new TypeError(`unknown fault "${key}"`);
  return faults;
}

/**
 * Serves a backend over HTTP with the admin API every sandbox shares:
 * `GET /__sandbox/stats`, `POST /__sandbox/reset`, `PUT /__sandbox/faults`.
 */
export function createSandboxServer(backend: SandboxBackend): {
  server: Server;
  listen(port?: number, host?: string): Promise<RunningSandbox>;
  stats(): SandboxStats;
  setFaults(faults: Faults): void;
  reset(): void;
} {
  let faults: Faults = {};
  let stats: SandboxStats = { calls: 0, byOperation: {}, records: 0, peakInFlight: 0 };
  let windowStart = 0;
  let windowCalls = 0;
  let inFlight = 0;
  let busyWorkers = 0;
  const waitingForWorker: Array<() => void> = [];

  const resetAll = () => {
    backend.reset();
    stats = { calls: 0, byOperation: {}, records: 0, peakInFlight: inFlight };
    windowStart = 0;
    windowCalls = 0;
  };

  /** Takes a worker when the `workers` fault limits them; resolves to its release. */
  const takeWorker = async (): Promise<() => void> => {
    // A waiting call is handed the worker of the call that releases it, so it is counted busy already.
    if (faults.workers !== undefined && busyWorkers >= faults.workers) await new Promise<void>((resolve) => waitingForWorker.push(resolve));
    else busyWorkers += 1;
    return () => {
      if (waitingForWorker.length > 0 && busyWorkers <= (faults.workers ?? Infinity)) waitingForWorker.shift()!();
      else busyWorkers -= 1;
    };
  };

  const send = (res: ServerResponse, reply: SandboxResponse) => {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    let payload: string | Buffer | undefined;
    if (reply.body === undefined || reply.body === null && reply.status === 204) {
      payload = undefined;
    } else if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) {
      payload = reply.body;
    } else {
      payload = JSON.stringify(reply.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    }
    res.writeHead(reply.status, headers);
    res.end(payload);
  };

  const admin = (req: IncomingMessage, path: string, body: Buffer): SandboxResponse | undefined => {
    if (path === '/__sandbox/stats' && req.method === 'GET') return { status: 200, body: stats };
    if (path === '/__sandbox/reset' && req.method === 'POST') {
      resetAll();
      return { status: 200, body: { ok: true } };
    }
    if (path === '/__sandbox/faults' && (req.method === 'PUT' || req.method === 'POST')) {
      try {
        faults = parseFaults(body.length ? JSON.parse(body.toString('utf8')) : {});
        return { status: 200, body: { ok: true, faults } };
      } catch (err) {
        return { status: 400, body: { error: (err as Error).message } };
      }
    }
    if (path === '/__sandbox/faults' && req.method === 'GET') return { status: 200, body: faults };
    if (path.startsWith('/__sandbox/')) return { status: 404, body: { error: `no admin route ${req.method} ${path}` } };
    return undefined;
  };

  const answer = async (sreq: SandboxRequest): Promise<SandboxResponse> => {
    try {
      return await backend.handle(sreq);
    } catch (err) {
      return backend.serverError(sreq, err);
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        send(res, { status: 413, body: { error: 'request body too large' } });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://sandbox');
        const body = Buffer.concat(chunks);
        const adminReply = admin(req, url.pathname, body);
        if (adminReply) return send(res, adminReply);

        const sreq: SandboxRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
          count(operation, records = 0) {
            stats.calls += 1;
            stats.byOperation[operation] = (stats.byOperation[operation] ?? 0) + 1;
            stats.records += records;
          },
        };
        const isApi = backend.isApiCall ? backend.isApiCall(sreq) : true;
        if (!isApi) return send(res, await answer(sreq));
        if (faults.down) return send(res, { status: 503, headers: { 'Content-Type': 'text/plain' }, body: 'Service Unavailable' });
        inFlight += 1;
        stats.peakInFlight = Math.max(stats.peakInFlight, inFlight);
        const releaseWorker = await takeWorker();
        try {
          const delay = (faults.latencyMs ?? 0) + (faults.jitterMs ? Math.random() * faults.jitterMs : 0);
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
          if (faults.rateLimit) {
            const now = Date.now();
            if (now - windowStart >= 1000) {
              windowStart = now;
              windowCalls = 0;
            }
            windowCalls += 1;
            if (windowCalls > faults.rateLimit.perSecond) {
              const retryAfter = Math.max(1, Math.ceil((windowStart + 1000 - now) / 1000));
              return send(res, backend.rateLimited(sreq, retryAfter));
            }
          }
          if (faults.errorRate && Math.random() < faults.errorRate) return send(res, backend.serverError(sreq));
          send(res, await answer(sreq));
        } finally {
          releaseWorker();
          inFlight -= 1;
        }
      })().catch(() => {
        if (!res.headersSent) {
          res.writeHead(500);
          res.end();
        }
      });
    });
    req.on('error', () => res.destroy());
  });
  server.keepAliveTimeout = 30_000;

  const setFaults = (f: Faults) => {
    faults = parseFaults(f);
  };
  return {
    server,
    stats: () => stats,
    setFaults,
    reset: resetAll,
    async listen(port = 0, host = '127.0.0.1') {
      const listening = await listen(server, port, host);
      return { url: listening.origin, port: listening.port, server, stats: () => stats, setFaults, reset: resetAll, close: listening.close };
    },
  };
}
