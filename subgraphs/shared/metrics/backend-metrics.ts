import { Counter, Histogram } from 'prom-client';
import type { BackendSystem } from '../../../platform/errors/backend-error.js';
import { metricsRegistry } from '../../../platform/metrics/registry.js';

/** Calls made to a system of record, by model or object and method (`sale.order`, `read`). */
export const backendCallsTotal = new Counter({
  name: 'backend_calls_total',
  help: 'Calls made to a system of record.',
  labelNames: ['system', 'model', 'method'] as const,
  registers: [metricsRegistry],
});

/** How long backend calls took, retries included. */
export const backendCallDurationSeconds = new Histogram({
  name: 'backend_call_duration_seconds',
  help: 'Duration of calls to a system of record, in seconds.',
  labelNames: ['system', 'method'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** Records one backend call; connectors call it once per wire call. */
export function recordBackendCall(system: BackendSystem, model: string, method: string, seconds: number): void {
  backendCallsTotal.inc({ system, model, method });
  // The model is left out of the histogram on purpose: model x method buckets would multiply series.
  backendCallDurationSeconds.observe({ system, method }, seconds);
}

/** Runs one wire call and records it with its duration, whether it succeeds or fails. */
export async function measureBackendCall<T>(system: BackendSystem, model: string, method: string, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await call();
  } finally {
    recordBackendCall(system, model, method, (performance.now() - started) / 1000);
  }
}
