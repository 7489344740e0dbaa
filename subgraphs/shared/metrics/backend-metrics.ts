import { Counter, Histogram } from 'prom-client';
import type { BackendSystem } from '../../../platform/errors/backend-error.js';
import { metricsRegistry } from '../../../platform/metrics/registry.js';
import { countBackendCall, currentScope } from '../../../platform/observability/request-scope.js';
import { callContextAttributes, SpanKind, SpanStatusCode, tracingEnabled } from '../../../platform/observability/tracing.js';
import { trace, context } from '@opentelemetry/api';

/** Calls made to a system of record, by model or object and method (`sale.order`, `read`). */
export const backendCallsTotal = new Counter({
  name: 'c360_backend_calls_total',
  help: 'Calls made to a system of record.',
  labelNames: ['system', 'model', 'method'] as const,
  registers: [metricsRegistry],
});

/**
 * Calls made to a system of record by the kind of client they were made for (`support_agent`,
 * `partner:<id>`, `internal` outside any request): who costs the ERP what.
 */
export const backendCallsByClientTotal = new Counter({
  name: 'c360_backend_calls_by_client_total',
  help: 'Calls made to a system of record, by client class (role, or partner:<id> for resellers).',
  labelNames: ['system', 'client_class'] as const,
  registers: [metricsRegistry],
});

/** How long backend calls took, retries included. */
export const backendCallDurationSeconds = new Histogram({
  name: 'c360_backend_call_duration_seconds',
  help: 'Duration of calls to a system of record, in seconds.',
  labelNames: ['system', 'method'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** Records one backend call; connectors call it once per wire call. */
export function recordBackendCall(system: BackendSystem, model: string, method: string, seconds: number): void {
  backendCallsTotal.inc({ system, model, method });
  backendCallsByClientTotal.inc({ system, client_class: currentScope()?.clientClass ?? 'internal' });
  countBackendCall(system);
  // The model is left out of the histogram on purpose: model x method buckets would multiply series.
  backendCallDurationSeconds.observe({ system, method }, seconds);
}

/** How a backend call ended, for its span. */
export interface BackendCallOutcome {
  /** Records the answer holds, when known. */
  records?: number;
  error?: unknown;
}

/**
 * Starts one wire call: returns what to call when it ends, which records it (metrics, the
 * request's tally) and ends its span (`<system> <model>.<method>`, a child of the caller's span,
 * with the system, model, method, record count, attempt and cache result as attributes).
 */
export function startBackendCall(system: BackendSystem, model: string, method: string): (outcome?: BackendCallOutcome) => void {
  const started = performance.now();
  const span = tracingEnabled()
    ? trace.getTracer('customer360').startSpan(
        `${system} ${model}.${method}`,
        { kind: SpanKind.CLIENT, attributes: { 'c360.backend.system': system, 'c360.backend.model': model, 'c360.backend.method': method, ...callContextAttributes() } },
        context.active(),
      )
    : undefined;
  let ended = false;
  return (outcome = {}) => {
    if (ended) return;
    ended = true;
    recordBackendCall(system, model, method, (performance.now() - started) / 1000);
    if (!span) return;
    if (outcome.records !== undefined) span.setAttribute('c360.backend.records', outcome.records);
    if (outcome.error !== undefined) {
      span.recordException(outcome.error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error instanceof Error ? outcome.error.message : String(outcome.error) });
    }
    span.end();
  };
}

/** Runs one wire call and records it with its duration, whether it succeeds or fails. */
export async function measureBackendCall<T>(system: BackendSystem, model: string, method: string, call: () => Promise<T>): Promise<T> {
  const done = startBackendCall(system, model, method);
  try {
    const result = await call();
    done(tracingEnabled() ? { records: recordCount(result) } : undefined);
    return result;
  } catch (error) {
    done({ error });
    throw error;
  }
}

/** How many records an answer holds: a list's length, or the length of the first list in an object (`{ tickets: [...] }`, `{ records: [...] }`). */
export function recordCount(answer: unknown): number | undefined {
  if (Array.isArray(answer)) return answer.length;
  if (answer && typeof answer === 'object') {
    for (const value of Object.values(answer)) if (Array.isArray(value)) return value.length;
    return 1;
  }
  return undefined;
}
