import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listen } from '../../platform/http/listen.js';
import { adminRoute, type AdminReply, type AdminRequest } from './admin.js';
import type { ChangeLog } from './changes.js';
import { ChangeStream, type StreamKind } from './change-stream.js';
import { parseFaults, type Faults } from './faults.js';

export { parseFaults, type Faults } from './faults.js';

/** Counters served by `GET /__sandbox/stats`. */
export interface SandboxStats {
  calls: number;
  byOperation: Record<string, number>;
  records: number;
  /** API calls in the sandbox now (those waiting for a worker included); a call whose client hung up has ended. */
  inFlight: number;
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
  /** Aborted when the client hangs up before it has its answer. */
  signal: AbortSignal;
  /** Counts one backend API call under `operation` (e.g. `sale.order.search_read`), returning `records` records. */
  count(operation: string, records?: number): void;
}

/** A response a backend handler returns; `body` is sent as is when a string or Buffer, else as JSON. */
export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** The per-backend parts of a sandbox: its routes, its own error shapes and its change feeds. */
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
  /** Whether an API call may change data: the calls `errorAfterCommitRate` applies to (default: none). */
  isWrite?(req: SandboxRequest): boolean;
  /** The change history (`GET /__sandbox/changes`); reset clears it. */
  changes?: ChangeLog;
  /** Applies one out-of-band change as a user of the system would (`POST /__sandbox/edit`); throws EditError for a bad one. */
  edit?(body: unknown): void;
  /** The kinds of change the scripted stream (`POST /__sandbox/change-stream`) makes. */
  streamKinds?: Record<string, StreamKind>;
  /** State of the change feeds (`GET /__sandbox/feeds`). */
  feeds?(): unknown;
  /** The backend's own admin routes under `/__sandbox/`; undefined when the path is not one of them. */
  admin?(req: AdminRequest): AdminReply | Promise<AdminReply> | undefined;
  /** Stops background work (timers, deliveries, held connections) when the sandbox closes. */
  close?(): void;
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

/**
 * Serves a backend over HTTP with the admin API every sandbox shares (see admin.ts), applying the
 * faults to its API calls: `down`, latency, `workers`, rate limit and `errorRate` before the call
 * runs, `errorAfterCommitRate` after a write ran.
 */
export function createSandboxServer(backend: SandboxBackend): {
  server: Server;
  listen(port?: number, host?: string): Promise<RunningSandbox>;
  stats(): SandboxStats;
  setFaults(faults: Faults): void;
  reset(): void;
} {
  let faults: Faults = {};
  let counters = { calls: 0, byOperation: {} as Record<string, number>, records: 0, peakInFlight: 0 };
  let windowStart = 0;
  let windowCalls = 0;
  let inFlight = 0;
  let busyWorkers = 0;
  const waitingForWorker: Array<() => void> = [];
  const stream = backend.streamKinds && backend.changes ? new ChangeStream(backend.streamKinds, (change) => backend.changes!.run('stream', change)) : undefined;

  const stats = (): SandboxStats => ({ calls: counters.calls, byOperation: counters.byOperation, records: counters.records, inFlight, peakInFlight: counters.peakInFlight });
  const resetAll = () => {
    stream?.stop();
    backend.reset();
    backend.changes?.clear();
    counters = { calls: 0, byOperation: {}, records: 0, peakInFlight: inFlight };
    windowStart = 0;
    windowCalls = 0;
  };
  const setFaults = (f: Faults) => {
    faults = parseFaults(f);
  };

  /** Takes a worker when the `workers` fault limits them; resolves to its release, or to undefined when the client hung up while waiting. */
  const takeWorker = async (signal: AbortSignal): Promise<(() => void) | undefined> => {
    if (faults.workers !== undefined && busyWorkers >= faults.workers) {
      // A waiting call is handed the worker of the call that releases it, so it is counted busy already.
      const handed = await new Promise<boolean>((resolve) => {
        const turn = () => {
          signal.removeEventListener('abort', leave);
          resolve(true);
        };
        const leave = () => {
          const at = waitingForWorker.indexOf(turn);
          if (at >= 0) waitingForWorker.splice(at, 1);
          resolve(false);
        };
        waitingForWorker.push(turn);
        signal.addEventListener('abort', leave, { once: true });
      });
      if (!handed) return undefined;
    } else busyWorkers += 1;
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

  const answer = async (sreq: SandboxRequest): Promise<SandboxResponse> => {
    try {
      return await backend.handle(sreq);
    } catch (err) {
      return backend.serverError(sreq, err);
    }
  };

  /** One API call under the faults. */
  const apiCall = async (sreq: SandboxRequest, res: ServerResponse) => {
    if (faults.down) return send(res, { status: 503, headers: { 'Content-Type': 'text/plain' }, body: 'Service Unavailable' });
    inFlight += 1;
    counters.peakInFlight = Math.max(counters.peakInFlight, inFlight);
    let inside = true;
    const leave = () => {
      if (inside) {
        inside = false;
        inFlight -= 1;
      }
    };
    // A client that hangs up has ended its call, for the counters; work already started runs on, as in a real server.
    sreq.signal.addEventListener('abort', leave, { once: true });
    const releaseWorker = await takeWorker(sreq.signal);
    if (!releaseWorker) return leave();
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
      const reply = await answer(sreq);
      const rate = faults.errorAfterCommitRate;
      if (rate && backend.isWrite?.(sreq) && Math.random() < rate) {
        const mode = faults.afterCommit ?? 'mixed';
        if (mode === 'drop' || (mode === 'mixed' && Math.random() < 0.5)) return void res.socket?.destroy();
        return send(res, backend.serverError(sreq));
      }
      send(res, reply);
    } finally {
      releaseWorker();
      leave();
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const hangUp = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) hangUp.abort();
    });
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
        const adminReply = await adminRoute(
          {
            stats,
            reset: resetAll,
            faults: () => faults,
            setFaults,
            changes: backend.changes,
            edit: backend.edit?.bind(backend),
            stream,
            feeds: backend.feeds?.bind(backend),
            backendAdmin: backend.admin?.bind(backend),
          },
          { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body },
        );
        if (adminReply) return send(res, adminReply);

        const sreq: SandboxRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
          signal: hangUp.signal,
          count(operation, records = 0) {
            counters.calls += 1;
            counters.byOperation[operation] = (counters.byOperation[operation] ?? 0) + 1;
            counters.records += records;
          },
        };
        const isApi = backend.isApiCall ? backend.isApiCall(sreq) : true;
        if (!isApi) return send(res, await answer(sreq));
        await apiCall(sreq, res);
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

  return {
    server,
    stats,
    setFaults,
    reset: resetAll,
    async listen(port = 0, host = '127.0.0.1') {
      const listening = await listen(server, port, host);
      const close = async () => {
        stream?.stop();
        backend.close?.();
        await listening.close();
      };
      return { url: listening.origin, port: listening.port, server, stats, setFaults, reset: resetAll, close };
    },
  };
}
