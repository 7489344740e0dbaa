import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { createServer } from 'node:http';
import { sendJson } from '../../platform/http/apollo-http.js';
import { listen } from '../../platform/http/listen.js';

/** What the operational routes need to know. */
export interface OperationalRoutesOptions {
  /** Subgraph URLs by name, whose `/healthz` decides readiness. */
  subgraphUrls: Record<string, string>;
  /** Whether the supergraph is loaded. */
  schemaLoaded(): boolean;
  metrics?: Registry;
  /** More state shown by `/readyz` (e.g. the change feeds); informative only. */
  readiness?: () => Record<string, unknown>;
}

/**
 * `/healthz` (the process answers), `/readyz` (the supergraph is loaded and every subgraph
 * answers its own health check) and `/metrics`. Returns false for any other path.
 */
export function operationalRoutes(options: OperationalRoutesOptions): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  return async (_req, res, path) => {
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return true;
    }
    if (path === '/readyz') {
      const checks = await Promise.all(
        Object.entries(options.subgraphUrls).map(async ([name, url]) => {
          const health = new URL('/healthz', url).toString();
          const ok = await fetch(health, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
          return [name, ok] as const;
        }),
      );
      const ready = options.schemaLoaded() && checks.every(([, ok]) => ok);
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', subgraphs: Object.fromEntries(checks), ...options.readiness?.() });
      return true;
    }
    if (path === '/metrics') {
      if (!options.metrics) {
        sendJson(res, 404, { error: 'metrics are off' });
        return true;
      }
      const text = await options.metrics.metrics();
      res.writeHead(200, { 'content-type': options.metrics.contentType });
      res.end(text);
      return true;
    }
    return false;
  };
}

/** Serves `/metrics` (and `/healthz`) on an admin port of its own (`METRICS_PORT`), apart from the public GraphQL port. */
export async function startMetricsServer(metrics: Registry, port: number, host: string): Promise<{ url: string; close(): Promise<void> }> {
  const routes = operationalRoutes({ subgraphUrls: {}, schemaLoaded: () => true, metrics });
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    void routes(req, res, path === '/readyz' ? '/healthz' : path).then(
      (handled) => handled || sendJson(res, 404, { error: 'not found' }),
      () => sendJson(res, 500, { error: 'internal error' }),
    );
  });
  const listening = await listen(server, port, host);
  return { url: `${listening.origin}/metrics`, close: () => listening.close() };
}
