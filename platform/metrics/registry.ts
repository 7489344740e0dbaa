import { Registry } from 'prom-client';

/**
 * The registry a subgraph serves at /metrics. One per process: every module registers its
 * metrics here once, at import, so that two caches or connectors in one process share series.
 */
export const metricsRegistry = new Registry();
