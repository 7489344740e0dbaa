import { Counter } from 'prom-client';
import { metricsRegistry } from '../../../platform/metrics/registry.js';

/** Whole-response cache lookups: `hit` (served fresh), `stale` (served past its TTL while it is refreshed) or `miss` (executed). */
export const responseCacheTotal = new Counter({
  name: 'c360_gateway_response_cache_total',
  help: 'Whole-response cache lookups of query operations, by result (hit, stale, miss).',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

/** Background refreshes of responses served stale: `stored`, `discarded` (not storable: errors, stale data, invalidated) or `failed`. */
export const responseCacheRefreshTotal = new Counter({
  name: 'c360_gateway_response_cache_refresh_total',
  help: 'Background refreshes of cached responses served stale, by outcome.',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

/** Cached responses evicted because a subgraph reported an entity they hold changed. */
export const responseCacheInvalidatedTotal = new Counter({
  name: 'c360_gateway_response_cache_invalidated_total',
  help: 'Cached responses evicted by entity invalidations.',
  registers: [metricsRegistry],
});
