import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../platform/metrics/registry.js';
import '../../subgraphs/shared/metrics/index.js';
import '../../gateway/src/request-observer.js';
import '../../gateway/src/subgraph-fetch-metrics.js';
import '../../gateway/src/plugins/fetch-cache.js';
import '../../gateway/src/plugins/fetch-dedup.js';
import '../../gateway/src/plugins/response-cache-metrics.js';

/** The Grafana dashboard asks only for metrics the processes register, and every name has the one prefix. */
describe('deploy/grafana/customer360.json', () => {
  const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/customer360.json', import.meta.url), 'utf8')) as { panels: { targets: { expr: string }[] }[] };

  it('queries only registered metrics', async () => {
    const registered = new Set((await metricsRegistry.getMetricsAsJSON()).map((m) => m.name));
    const asked = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\bc360_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')))));
    expect(asked.size).toBeGreaterThan(15);
    expect([...asked].filter((name) => !registered.has(name))).toEqual([]);
  });

  it('every metric of the registry carries the c360_ prefix', async () => {
    expect((await metricsRegistry.getMetricsAsJSON()).map((m) => m.name).filter((name) => !name.startsWith('c360_'))).toEqual([]);
  });
});
