export { metricsRegistry } from '../../../platform/metrics/registry.js';
export { backendCallsByClientTotal, backendCallsTotal, backendCallDurationSeconds, measureBackendCall, recordBackendCall, recordCount, startBackendCall } from './backend-metrics.js';
export {
  cacheRequestsTotal,
  cacheStaleServedTotal,
  cacheL2RequestsTotal,
  cacheRedisErrorsTotal,
  cacheBackendLoadsInFlight,
  cacheBudgetRejectionsTotal,
  cacheBackendConcurrencyLimit,
} from './cache-metrics.js';
export { backendCircuitState, backendReadsAbortedTotal, backendRetriesTotal } from './resilience-metrics.js';
