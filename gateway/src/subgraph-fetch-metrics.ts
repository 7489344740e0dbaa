import { Histogram } from 'prom-client';
import { metricsRegistry } from '../../platform/metrics/registry.js';

/** How long subgraph fetches took on the wire (fetch cache hits and joined duplicates excluded), by subgraph and HTTP status (`error` when none came). */
export const subgraphFetchDurationSeconds = new Histogram({
  name: 'c360_gateway_subgraph_fetch_duration_seconds',
  help: 'Duration of gateway to subgraph fetches, in seconds, by subgraph and HTTP status.',
  labelNames: ['subgraph', 'status'] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
