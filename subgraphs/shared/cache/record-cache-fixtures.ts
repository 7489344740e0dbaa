import { vi } from 'vitest';
import type { cacheRequestsTotal, cacheStaleServedTotal } from '../metrics/cache-metrics.js';
import { createRecordCache } from './lru-record-cache.js';
import { withOverrides, type LifetimeOverrides } from '../../../platform/cache-lifetimes/index.js';
import type { RecordCacheOptions } from './cache-options.js';
import { committedLifetimes } from './committed-lifetimes.js';
import type { RecordKey, RecordKind, StaleObserver } from './record-cache.js';

/** Fixtures of the record cache's tests. */
export const orders: RecordKind = { backend: 'odoo', model: 'sale.order', lifetime: 'Order' };
export const stock: RecordKind = { backend: 'odoo', model: 'stock.quant', lifetime: 'StockAvailability' };
/** Id lists are cached like records, under a kind keyed by the list's filter value, with the list field's lifetime. */
export const orderIds: RecordKind = { backend: 'odoo', model: 'sale.order@partner_id', lifetime: 'Customer.orders' };

/** The committed lifetimes with some changed (seconds). */
export const lives = (overrides: LifetimeOverrides) => withOverrides(committedLifetimes(), overrides);

export interface Rec {
  id: RecordKey;
  v: number;
}

/** A load that records every batch it was asked for and answers version `version` of each id. */
export function recordingLoad(options: { missing?: RecordKey[] } = {}) {
  const batches: RecordKey[][] = [];
  let version = 1;
  const load = vi.fn(async (keys: RecordKey[]) => {
    batches.push([...keys]);
    return new Map(keys.filter((k) => !options.missing?.includes(k)).map((k) => [k, { id: k, v: version }] as const));
  });
  return { load, batches, bump: () => (version += 1) };
}

export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function observer() {
  const seen: Array<{ key: RecordKey; ageMs: number; reason: string }> = [];
  const obs: StaleObserver = { stale: (_kind, key, ageMs, reason) => seen.push({ key, ageMs, reason }) };
  return { obs, seen };
}

export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

export function cache(options: Partial<RecordCacheOptions> = {}) {
  return createRecordCache({ tenant: 'retail', ...options });
}

export async function counterValue(counter: typeof cacheRequestsTotal | typeof cacheStaleServedTotal, labels: Record<string, string>) {
  const { values } = await counter.get();
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k as never] === l))?.value ?? 0;
}
