import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../../../platform/metrics/registry.js';

/** Read attempts repeated after a transient failure, by system. */
export const backendRetriesTotal = new Counter({
  name: 'c360_backend_retries_total',
  help: 'Backend read attempts repeated after a transient failure.',
  labelNames: ['system'] as const,
  registers: [metricsRegistry],
});

/** The circuit breaker of each system: 0 closed, 1 half-open (one trial call), 2 open (calls refused). */
export const backendCircuitState = new Gauge({
  name: 'c360_backend_circuit_state',
  help: 'Circuit breaker state per system: 0 closed, 1 half-open, 2 open.',
  labelNames: ['system'] as const,
  registers: [metricsRegistry],
});

/** Backend reads ended by their overall deadline or because the request they served ended, by reason. */
export const backendReadsAbortedTotal = new Counter({
  name: 'c360_backend_reads_aborted_total',
  help: 'Backend reads abandoned before an answer: reason deadline (BACKEND_DEADLINE_MS) or caller_gone (the request ended).',
  labelNames: ['system', 'reason'] as const,
  registers: [metricsRegistry],
});
