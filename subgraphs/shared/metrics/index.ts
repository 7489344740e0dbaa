export { metricsRegistry } from '../../../platform/metrics/registry.js';
export { backendCallsTotal, backendCallDurationSeconds, measureBackendCall, recordBackendCall } from './backend-metrics.js';
export {
  cacheRequestsTotal,
  cacheStaleServedTotal,
  cacheL2RequestsTotal,
  cacheRedisErrorsTotal,
  cacheBackendLoadsInFlight,
  cacheBudgetRejectionsTotal,
  cacheBackendConcurrencyLimit,
} from './cache-metrics.js';
