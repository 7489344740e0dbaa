import { describe, expect, it } from 'vitest';
import { recordBackendCall } from './backend-metrics.js';
import { metricsRegistry } from '../../../platform/metrics/registry.js';
import './cache-metrics.js';

describe('metrics', () => {
  it('counts backend calls by system, model and method and times them by system and method', async () => {
    recordBackendCall('odoo', 'sale.order', 'read', 0.042);
    recordBackendCall('odoo', 'sale.order', 'read', 0.3);
    const text = await metricsRegistry.metrics();
    expect(text).toMatch(/c360_backend_calls_total\{system="odoo",model="sale.order",method="read"\} 2/);
    expect(text).toMatch(/c360_backend_call_duration_seconds_count\{system="odoo",method="read"\} 2/);
    expect(text).toMatch(/c360_backend_call_duration_seconds_bucket\{le="0.05",system="odoo",method="read"\} 1/);
  });

  it('registers the cache metrics on the same registry', async () => {
    const names = (await metricsRegistry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'c360_cache_requests_total',
        'c360_cache_stale_served_total',
        'c360_cache_l2_requests_total',
        'c360_cache_redis_errors_total',
        'c360_cache_backend_loads_in_flight',
        'c360_cache_budget_rejections_total',
      ]),
    );
  });
});
