import { collectDefaultMetrics, Registry } from 'prom-client';

/** The prefix of every metric name of the project. */
export const METRIC_PREFIX = 'c360_';

/**
 * The registry the gateway serves at /metrics. One per process: every module registers its
 * metrics here once, at import, so that two caches or connectors in one process share series.
 * It holds the process and Node.js metrics too (CPU, memory, event loop lag, GC, handles), under
 * the same prefix (`c360_process_cpu_seconds_total`, `c360_nodejs_eventloop_lag_seconds`).
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: METRIC_PREFIX });
