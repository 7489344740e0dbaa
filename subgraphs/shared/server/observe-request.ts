import { setMaxListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { componentLogger, requestLogger } from '../../../platform/logging/index.js';
import { clientClassOf } from '../../../platform/observability/client-class.js';
import { runInScope, type RequestScope } from '../../../platform/observability/request-scope.js';
import { extractTraceContext, inSpan, SpanKind } from '../../../platform/observability/tracing.js';
import type { BaseSubgraphContext } from './context.js';

/**
 * Runs one subgraph request in its request scope and span: code below it (loaders, caches,
 * connectors) logs with the request id, counts its backend calls for the request, labels them
 * with the caller's client class, and stops its backend reads when the request ends before it
 * was answered (the gateway gave up or went away). The span `subgraph <name>` continues the
 * gateway's trace (W3C `traceparent`).
 */
export async function observeSubgraphRequest(name: string, req: IncomingMessage, res: ServerResponse, context: Partial<BaseSubgraphContext>, run: () => Promise<void>): Promise<void> {
  const requestId = context.requestId ?? 'unknown';
  const ended = new AbortController();
  // Every backend read of the request listens on it: dozens at once are normal, not a leak.
  setMaxListeners(0, ended.signal);
  // 'close' before the answer was written whole: the caller hung up (or timed out) first.
  res.once('close', () => {
    if (!res.writableFinished) ended.abort();
  });
  let log = context.log;
  const scope: RequestScope = {
    requestId,
    // Made on the first line written: most requests write none (a pino child costs more than the rest of the scope).
    get log() {
      return (log ??= requestLogger(name, requestId));
    },
    clientClass: clientClassOf(context.principal),
    backendCalls: {},
    cacheResults: {},
    signal: ended.signal,
  };
  const started = performance.now();
  await runInScope(scope, () =>
    inSpan(`subgraph ${name}`, { kind: SpanKind.SERVER, parent: extractTraceContext(req.headers), attributes: { 'c360.component': name, 'c360.subgraph': name, 'c360.request_id': requestId } }, async (span) => {
      await run();
      span?.setAttributes({ 'http.response.status_code': res.statusCode, ...cacheAttributes(scope), ...callAttributes(scope) });
    }),
  );
  // A request logger has its root's level: asked of the component's, so that no logger is made for a line not written.
  if ((log ?? componentLogger(name)).isLevelEnabled('debug')) {
    scope.log.debug({ status: res.statusCode, durationMs: Math.round(performance.now() - started), backendCalls: scope.backendCalls, cache: scope.cacheResults, clientClass: scope.clientClass, aborted: ended.signal.aborted }, 'subgraph request');
  }
}

function cacheAttributes(scope: RequestScope): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [result, n] of Object.entries(scope.cacheResults ?? {})) out[`c360.cache.${result}`] = n;
  return out;
}

function callAttributes(scope: RequestScope): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [system, n] of Object.entries(scope.backendCalls)) out[`c360.backend_calls.${system}`] = n;
  return out;
}
