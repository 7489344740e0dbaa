import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '../../../platform/metrics/registry.js';

/** Record-cache lookups per key: `hit` (fresh in memory), `miss` (Redis or backend), `stale`; `lifetime` is the kind's schema coordinate. */
export const cacheRequestsTotal = new Counter({
  name: 'c360_cache_requests_total',
  help: 'Record cache lookups, one per key, by the schema coordinate whose lifetime the records take.',
  labelNames: ['lifetime', 'model', 'result'] as const,
  registers: [metricsRegistry],
});

/** Records served past their TTL, by reason (`revalidating`, `backend-error`, `over-budget`). */
export const cacheStaleServedTotal = new Counter({
  name: 'c360_cache_stale_served_total',
  help: 'Records served stale, by reason.',
  labelNames: ['model', 'reason'] as const,
  registers: [metricsRegistry],
});

/** Lookups in the shared Redis layer after an in-memory miss. */
export const cacheL2RequestsTotal = new Counter({
  name: 'c360_cache_l2_requests_total',
  help: 'Shared (Redis) cache lookups after an in-memory miss, one per key.',
  labelNames: ['model', 'result'] as const,
  registers: [metricsRegistry],
});

/** Redis failures; the cache carries on without Redis when they happen. */
export const cacheRedisErrorsTotal = new Counter({
  name: 'c360_cache_redis_errors_total',
  help: 'Failed Redis operations of the shared cache layer.',
  labelNames: ['operation'] as const,
  registers: [metricsRegistry],
});

/** Backend loads the cache has in flight, per system (compare with its concurrency budget). */
export const cacheBackendLoadsInFlight = new Gauge({
  name: 'c360_cache_backend_loads_in_flight',
  help: 'Backend loads started by the record cache and not yet finished.',
  labelNames: ['system'] as const,
  registers: [metricsRegistry],
});

/** The concurrency budget per system now: fixed, or adapted to the backend's latency. */
export const cacheBackendConcurrencyLimit = new Gauge({
  name: 'c360_cache_backend_concurrency_limit',
  help: 'Most backend loads the record cache runs at once per system, as the budget stands now.',
  labelNames: ['system'] as const,
  registers: [metricsRegistry],
});

/**
 * Loads refused because the budget queue of a backend was full, by the share they were for
 * (`support`, `crm`, `admin`, `other`, `partner:<id>`): refused on arrival, or pushed out of the
 * queue by another share's load.
 */
export const cacheBudgetRejectionsTotal = new Counter({
  name: 'c360_cache_budget_rejections_total',
  help: 'Backend loads refused because the concurrency budget queue was full, by share.',
  labelNames: ['system', 'share'] as const,
  registers: [metricsRegistry],
});

/** Loads waiting for a budget slot now, per system and share. */
export const cacheBudgetQueued = new Gauge({
  name: 'c360_cache_budget_queued',
  help: 'Backend loads waiting for a concurrency budget slot, by share.',
  labelNames: ['system', 'share'] as const,
  registers: [metricsRegistry],
});

/** How long loads waited for a budget slot (0 for those that found one free), per system and share. */
export const cacheBudgetWaitSeconds = new Histogram({
  name: 'c360_cache_budget_wait_seconds',
  help: 'Time backend loads waited for a concurrency budget slot, by share.',
  labelNames: ['system', 'share'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});
