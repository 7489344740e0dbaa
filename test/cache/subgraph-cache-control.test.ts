import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { signPrincipalHeaders } from '../../platform/authz/principal-header.js';
import type { Principal } from '../../platform/authz/principal.js';
import { ROLE_SCOPES } from '../../platform/authz/roles.js';
import { lifetimeOf } from '../../platform/cache-lifetimes/index.js';
import { startSystem, type RunningSystem } from '../../scripts/system.js';
import { committedLifetimes } from '../../subgraphs/shared/cache/committed-lifetimes.js';
import type { LruRecordCache } from '../../subgraphs/shared/cache/record-cache.js';
import { findRecords, type AuthzRecords } from '../authz/records.js';
import { testSettings } from '../support/system.js';

/**
 * Subgraph answers carry a standard Cache-Control, so that Apollo Router's or Hive Gateway's cache
 * over our subgraphs keeps them as long as our caches would: over real HTTP, against subgraphs on
 * port 0 over the sandboxes, with the clock frozen so that ages are exact.
 */
type SubgraphName = keyof RunningSystem['subgraphs'];

let system: RunningSystem;
let records: AuthzRecords;
let keysDir: string;
const admin: Principal = { sub: 'cache-control-test', roles: ['admin'], scopes: new Set(ROLE_SCOPES.admin) };
const declared = (coordinate: string) => lifetimeOf(committedLifetimes(), coordinate)!.maxAge;

beforeAll(async () => {
  keysDir = mkdtempSync(join(tmpdir(), 'c360-cache-control-keys-'));
  system = await startSystem({ settings: testSettings(), gateway: false, devKeysDir: keysDir });
  records = await findRecords(system);
});
afterAll(async () => {
  await system?.close();
  rmSync(keysDir, { recursive: true, force: true });
});
beforeEach(() => {
  for (const cache of Object.values(system.caches)) (cache as LruRecordCache).clear();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-03-01T09:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

async function post(name: SubgraphName, query: string, variables: Record<string, unknown> = {}, principal: Principal = admin) {
  const res = await fetch(system.subgraphs[name].url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signPrincipalHeaders(principal, system.principalSecret) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown[]; extensions?: { freshForMs?: number; stale?: unknown[] } };
  return { status: res.status, cacheControl: res.headers.get('cache-control'), body };
}

const PRODUCT = 'query($sku: String!) { product(sku: $sku) { id name } }';
const STOCK = 'query($sku: String!) { product(sku: $sku) { availability { free } } }';

describe('Cache-Control of subgraph answers', () => {
  it('says max-age = the declared lifetime of what the answer holds, counting down with the records age', async () => {
    expect(declared('Product.availability')).toBe(5);
    expect(declared('Product')).toBe(600);
    const stock = await post('stock', STOCK, { sku: records.own.sku });
    expect(stock.body.data?.product?.availability?.free).toEqual(expect.any(Number));
    expect(stock.cacheControl).toBe(`public, max-age=${declared('Product.availability')}`);
    expect(stock.body.extensions?.freshForMs).toBe(declared('Product.availability') * 1000);
    const product = await post('stock', PRODUCT, { sku: records.own.sku });
    expect(product.cacheControl).toBe(`public, max-age=${declared('Product')}`);

    vi.setSystemTime(Date.now() + 3_500);
    // Floored: never promises more than what is left.
    expect((await post('stock', PRODUCT, { sku: records.own.sku })).cacheControl).toBe(`public, max-age=${declared('Product') - 4}`);
    expect((await post('stock', STOCK, { sku: records.own.sku })).cacheControl).toBe(`public, max-age=${declared('Product.availability') - 4}`);
  });

  it('takes the shortest lifetime of an entity fetch, as the gateway sends it', async () => {
    const entities = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { shipments { number status } } } }';
    const answer = await post('stock', entities, { r: [{ __typename: 'Order', id: records.own.orderId }] });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.cacheControl).toBe(`public, max-age=${declared('Order.shipments')}`);
  });

  it('is private where the rows depend on who asks: row-filtered root fields, and every answer to a partner', async () => {
    const order = await post('orders', 'query($id: ID!) { order(id: $id) { id status } }', { id: records.own.orderId });
    expect(order.body.data?.order?.status).toEqual(expect.any(String));
    expect(order.cacheControl).toBe(`private, max-age=${declared('Order')}`);

    const partner: Principal = { sub: 'reseller', roles: ['partner'], scopes: new Set(ROLE_SCOPES.partner), partnerId: records.reseller };
    const product = await post('stock', PRODUCT, { sku: records.own.sku }, partner);
    expect(product.cacheControl).toBe(`private, max-age=${declared('Product')}`);
  });

  it('is no-store for mutations, errors and stale data', async () => {
    const mutation = await post('orders', 'mutation($id: ID!) { cancelOrder(id: $id) { id } }', { id: 'not-a-number' });
    expect(mutation.cacheControl).toBe('no-store');

    const forbidden = await post('stock', 'query($sku: String!) { product(sku: $sku) { cost { amount } } }', { sku: records.own.sku }, { ...admin, scopes: new Set(ROLE_SCOPES.support_agent) });
    expect(forbidden.body.errors?.length).toBeGreaterThan(0);
    expect(forbidden.cacheControl).toBe('no-store');

    await post('stock', STOCK, { sku: records.own.sku });
    // Past the TTL, within stale-while-revalidate: the record is served stale and refreshed.
    vi.setSystemTime(Date.now() + declared('Product.availability') * 1000 + 1_000);
    const stale = await post('stock', STOCK, { sku: records.own.sku });
    expect(stale.body.extensions?.stale?.length).toBeGreaterThan(0);
    expect(stale.cacheControl).toBe('no-store');
  });
});
