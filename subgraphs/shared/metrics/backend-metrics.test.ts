import { describe, expect, it } from 'vitest';
import { recordBackendCall } from './backend-metrics.js';
import { metricsRegistry } from '../../../platform/metrics/registry.js';
import './cache-metrics.js';

describe('metrics', () => {
  it('counts backend calls by system, model and method and times them by system and method', async () => {
    recordBackendCall('odoo', 'sale.order', 'read', 0.042);
    recordBackendCall('odoo', 'sale.order', 'read', 0.3);
    const text = await metricsRegistry.metrics();
    expect(text).toMatch(/backend_calls_total\{system="odoo",model="sale.order",method="read"\} 2/);
    expect(text).toMatch(/backend_call_duration_seconds_count\{system="odoo",method="read"\} 2/);
    expect(text).toMatch(/backend_call_duration_seconds_bucket\{le="0.05",system="odoo",method="read"\} 1/);
  });

  it('registers the cache metrics on the same registry', async () => {
    const names = (await metricsRegistry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'cache_requests_total',
        'cache_stale_served_total',
        'cache_l2_requests_total',
        'cache_redis_errors_total',
        'cache_backend_loads_in_flight',
        'cache_budget_rejections_total',
      ]),
    );
  });
});
