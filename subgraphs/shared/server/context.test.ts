import { describe, expect, it } from 'vitest';
import type { RecordKind } from '../cache/record-cache.js';
import { REQUIRE_FRESH_HEADER } from '../../../platform/http/internal-headers.js';
import { baseContext, createStaleCollector } from './context.js';

const orders: RecordKind = { backend: 'odoo', model: 'sale.order', lifetime: 'Order' };
const products: RecordKind = { backend: 'odoo', model: 'product.product', lifetime: 'Product' };

describe('createStaleCollector', () => {
  it('reports no freshness when no record came through the record cache', () => {
    expect(createStaleCollector().freshForMs?.()).toBeUndefined();
  });

  it('keeps the earliest freshness deadline and reports it relative to when the answer is sent', () => {
    let now = 10_000;
    const collector = createStaleCollector(() => now);
    collector.fresh?.(products, 7, 600_000);
    collector.fresh?.(orders, 42, 3_000);
    collector.fresh?.(orders, 43, 30_000);
    expect(collector.freshForMs?.()).toBe(3_000);
    now += 1_000;
    // A record read later but expiring sooner still wins.
    collector.fresh?.(orders, 44, 1_500);
    expect(collector.freshForMs?.()).toBe(1_500);
    now += 5_000;
    expect(collector.freshForMs?.()).toBe(0);
  });

  it('still collects stale serves', () => {
    const collector = createStaleCollector();
    collector.stale(orders, 42, 31_000, 'revalidating');
    expect(collector.entries).toEqual([{ model: 'odoo:sale.order', key: 42, ageMs: 31_000, reason: 'revalidating' }]);
  });
});

describe('baseContext', () => {
  it('requires fresh records only when the gateway asks for them', () => {
    const anyone = () => null;
    expect(baseContext(anyone, {}).stale.requireFresh).toBe(false);
    expect(baseContext(anyone, { [REQUIRE_FRESH_HEADER]: '1' }).stale.requireFresh).toBe(true);
    expect(baseContext(anyone, { [REQUIRE_FRESH_HEADER]: 'yes' }).stale.requireFresh).toBe(false);
  });
});
