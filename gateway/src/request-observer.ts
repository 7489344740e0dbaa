import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram } from 'prom-client';
import { httpFailureBody, sendJson } from '../../platform/http/apollo-http.js';
import { componentLogger, requestLogger, writeInfoLine } from '../../platform/logging/index.js';
import { metricsRegistry } from '../../platform/metrics/registry.js';
import { clientClassOf } from '../../platform/observability/client-class.js';
import { inHandedOnSpan, SpanKind, SpanStatusCode } from '../../platform/observability/tracing.js';
import type { Answer, Exchange, RequestReport } from './pipeline/stage.js';

/** Requests answered on /graphql, by operation name and type and by outcome (`ok`, `partial`, `client_error`, `server_error`). */
export const gatewayRequestsTotal = new Counter({
  name: 'c360_gateway_requests_total',
  help: 'GraphQL requests answered by the gateway, by operation name, operation type and outcome.',
  labelNames: ['operation_name', 'operation_type', 'outcome'] as const,
  registers: [metricsRegistry],
});

/** How long the gateway took to answer, from the request's arrival to the last byte written. */
export const gatewayRequestDurationSeconds = new Histogram({
  name: 'c360_gateway_request_duration_seconds',
  help: 'Time to answer a GraphQL request at the gateway, in seconds, by operation name, operation type and outcome.',
  labelNames: ['operation_name', 'operation_type', 'outcome'] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** Most distinct operation names used as a label; later ones count as `(other)` (clients name operations freely). */
export const MAX_OPERATION_NAMES = 200;
const operationNames = new Set<string>();

/** The operation name as a bounded label. */
export function operationNameLabel(name: string | undefined): string {
  if (!name) return '(anonymous)';
  if (operationNames.has(name)) return name;
  if (operationNames.size >= MAX_OPERATION_NAMES || name.length > 100) return '(other)';
  operationNames.add(name);
  return name;
}

/** Sends an answer; the pipeline hands what it answered to the observer. */
export type Responder = (exchange: Exchange) => Promise<Answer>;

/**
 * Runs one GraphQL request in its span (`gateway request`, the root of the request's trace,
 * handed on in the exchange: each subgraph fetch's span, and every subgraph and backend span, are
 * below it), and when it has been answered writes its one log line and its metrics:
 *
 * `{ msg: "request", requestId, traceId?, operationName, operationType, sub, roles, clientClass,
 *    status, outcome, durationMs, errors: [codes], cache: hit|stale|miss, backendCalls: { odoo: n },
 *    subgraphFetches, cost? }`
 *
 * Never a token, a header or a variable: what identifies the caller is the token's `sub` and roles.
 * An unexpected failure is logged in full (with the request id) and answered 500 here.
 *
 * The gateway's request needs no AsyncLocalStorage scope (the subgraphs' do): its stages and data
 * sources have the exchange and the context, which carry the request id and the report. On Node 20
 * a scope would put hooks on every promise of the process (measured only within noise); lines that
 * Apollo's own logger writes carry no request id.
 */
export function observeRequest(req: IncomingMessage, res: ServerResponse, requestId: string, respond: Responder): Promise<void> {
  const started = performance.now();
  const report: RequestReport = { backendCalls: {}, subgraphFetches: 0 };
  return inHandedOnSpan('gateway request', { kind: SpanKind.SERVER, attributes: { 'c360.component': 'gateway', 'c360.request_id': requestId, 'http.request.method': req.method ?? 'GET' } }, async (span) => {
    const exchange: Exchange = span ? { req, requestId, report, span } : { req, requestId, report };
    let status: number;
    let answer: Answer | undefined;
    try {
      answer = await respond(exchange);
      status = answer.status;
    } catch (err) {
      status = (err as { status?: number }).status ?? 500;
      if (status >= 500) requestLogger('gateway', requestId).error({ err }, 'request failed');
      sendJson(res, status, httpFailureBody(status), { 'x-request-id': requestId });
    }
    const errors = answer && 'body' in answer ? errorCodesOf(answer.body) : status >= 400 ? [status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST'] : [];
    const outcome = status >= 500 ? 'server_error' : status >= 400 ? 'client_error' : errors.length > 0 ? 'partial' : 'ok';
    const operationName = exchange.params?.operationName ?? exchange.operation?.definition.name?.value;
    const operationType = exchange.operation?.definition.operation ?? 'unknown';
    const cache = answer?.headers['x-cache'];
    const seconds = (performance.now() - started) / 1000;
    const labels = { operation_name: operationNameLabel(operationName), operation_type: operationType, outcome };
    gatewayRequestsTotal.inc(labels);
    gatewayRequestDurationSeconds.observe(labels, seconds);
    const principal = exchange.principal;
    const traceId = span?.spanContext().traceId;
    if (span) {
      span.setAttributes({ 'http.response.status_code': status, 'graphql.operation.type': operationType, 'c360.outcome': outcome, ...(operationName ? { 'graphql.operation.name': operationName } : {}), ...(cache ? { 'c360.cache': cache } : {}) });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    const log = componentLogger('gateway');
    if (!log.isLevelEnabled('info')) return;
    // Built field by field rather than from spreads: one object per request line.
    const line: Record<string, unknown> = { requestId };
    if (traceId) line.traceId = traceId;
    line.operationName = operationName;
    line.operationType = operationType;
    if (principal) {
      line.sub = principal.sub;
      line.roles = principal.roles;
      line.clientClass = clientClassOf(principal);
    }
    line.status = status;
    line.outcome = outcome;
    line.durationMs = Math.round(seconds * 10_000) / 10;
    line.errors = errors;
    if (cache) line.cache = cache;
    line.backendCalls = report.backendCalls;
    line.subgraphFetches = report.subgraphFetches;
    if (exchange.cost !== undefined) line.cost = { estimated: exchange.cost.estimate.bySystem, estimatedTotal: exchange.cost.estimate.total };
    writeInfoLine(log, line, 'request');
  });
}

/**
 * The distinct `extensions.code` values of an answer's errors, read without parsing the body:
 * Apollo writes `errors` first, before `data` (as do the gateway's own refusals), so only that
 * part is scanned, and a `code` field in the data is never taken for an error code.
 */
export function errorCodesOf(body: string): string[] {
  if (!body.startsWith('{"errors":')) return [];
  const end = body.indexOf('],"data":');
  const errors = end === -1 ? body : body.slice(0, end);
  const codes = new Set<string>();
  for (const match of errors.matchAll(/"code":"([A-Z][A-Z0-9_]{0,63})"/g)) codes.add(match[1]!);
  return [...codes];
}
