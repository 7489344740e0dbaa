import type { BackendSystem } from '../../../platform/errors/backend-error.js';
import { lifetimeOf, type CacheLifetimes } from '../../../platform/cache-lifetimes/index.js';
import { committedLifetimes } from './committed-lifetimes.js';
import type { RecordKind } from './record-cache.js';
import type { RedisLayer } from './redis-layer.js';
import { DEFAULT_SHARE_WEIGHTS, SHARE_GROUPS, type ShareWeights } from './fair-share.js';

/** How long records of one kind live, all in milliseconds: its schema coordinate's declared lifetime. */
export interface LifetimeSettings {
  /** How long a record is fresh: served without asking anyone. */
  ttlMs: number;
  /**
   * How long past `ttlMs` a record is still served at once while one background load refreshes
   * it (stale-while-revalidate). 0 turns it off: a record past its TTL waits for the backend.
   */
  staleWhileRevalidateMs: number;
  /**
   * How long past `ttlMs` a record may still be served when the backend fails or the backend's
   * concurrency budget is spent (stale-if-error). Never shorter than `staleWhileRevalidateMs`:
   * the larger of the two applies.
   */
  staleIfErrorMs: number;
}

/** Longer lifetimes while a change feed announces every change of a kind (see subgraphs/shared/feeds). */
export interface FeedLifetimes {
  /**
   * The long lifetime of `kind` while a healthy feed covers it, and since when it covers it (epoch
   * ms): a record stored before `since` may have missed an event and keeps `base`. Undefined when
   * no healthy feed covers the kind.
   */
  extended(kind: RecordKind, base: LifetimeSettings): { settings: LifetimeSettings; since: number } | undefined;
}

/** The settings of `createRecordCache`. */
export interface RecordCacheOptions {
  /**
   * The tenant in every key (the Odoo database, the Salesforce org, the Zendesk subdomain), so
   * that two deployments sharing one Redis never read each other's records.
   */
  tenant: string;
  /** A different tenant for some backends (e.g. `{ odoo: 'retail', servicedesk: 'retail-support' }`). */
  tenants?: Partial<Record<BackendSystem, string>>;
  /** Most entries kept in memory (default 50 000). Must be a positive integer: no unbounded cache. */
  max?: number;
  /** Most approximate bytes kept in memory, measured as JSON length (default 64 MiB). */
  maxSize?: number;
  /**
   * The declared lifetimes each record kind takes its TTL and stale windows from, by the schema
   * coordinate it names (default: the committed supergraph's `@cacheControl` and `@staleWindow`).
   * Pass `withOverrides(...)` of them to change some.
   */
  lifetimes?: CacheLifetimes;
  /**
   * Most backend loads this cache runs at once per backend: the ceiling of the concurrency budget
   * (default 32 each). At the budget, records with a stale copy are served stale ('over-budget')
   * and the rest wait in a queue.
   */
  budgets?: Partial<Record<BackendSystem, number>>;
  /**
   * Whether each budget adapts to its backend's latency (default true): it starts at 8 (or the
   * ceiling, when lower), grows toward the ceiling while the backend answers as fast as usual and
   * shrinks, down to 2, when it slows down (see AdaptiveLimit). False holds it at the ceiling.
   */
  adaptiveBudgets?: boolean;
  /** Most loads waiting for a budget slot per backend; past it a load fails UNAVAILABLE (default 1000). */
  maxQueue?: number;
  /**
   * The weights each budget's slots are shared with between client classes under contention
   * (default DEFAULT_SHARE_WEIGHTS: support, CRM and admin 4 each, each partner 1, the rest 1).
   */
  shareWeights?: ShareWeights;
  /** The shared second level; without it the cache is in process only. */
  redis?: RedisLayer;
  /** Long lifetimes for the kinds a healthy change feed covers (default none: the declared TTLs alone). */
  feedLifetimes?: FeedLifetimes;
  /** The clock, in epoch milliseconds (default `Date.now`); Redis entries carry it across replicas. */
  now?: () => number;
}

/** Default ceiling of the concurrency budget per backend. */
export const DEFAULT_BUDGET = 32;
/** Where an adaptive budget starts, and its floor (both capped by the ceiling). */
export const ADAPTIVE_BUDGET_START = 4;
export const ADAPTIVE_BUDGET_FLOOR = 2;

const BACKENDS: readonly BackendSystem[] = ['odoo', 'salesforce', 'servicedesk'];

/** Options after defaults and validation. */
export interface ResolvedCacheOptions {
  tenantOf: (backend: BackendSystem) => string;
  max: number;
  maxSize: number;
  /** The lifetime of a kind's records; throws a TypeError when its coordinate declares none. */
  settingsOf(kind: RecordKind): LifetimeSettings;
  budgets: Record<BackendSystem, number>;
  adaptiveBudgets: boolean;
  maxQueue: number;
  shareWeights: ShareWeights;
  redis: RedisLayer | undefined;
  feedLifetimes: FeedLifetimes | undefined;
  now: () => number;
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isNonNegativeInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Applies defaults and checks every option, throwing a TypeError that names the bad one. */
export function resolveCacheOptions(options: RecordCacheOptions): ResolvedCacheOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('record cache options must be an object');
  const { tenant } = options;
  if (typeof tenant !== 'string' || tenant === '') throw new TypeError(`tenant must be a non-empty string, got ${describe(tenant)}`);
  const tenants: Record<BackendSystem, string> = { odoo: tenant, salesforce: tenant, servicedesk: tenant };
  for (const [backend, value] of Object.entries(options.tenants ?? {})) {
    if (!BACKENDS.includes(backend as BackendSystem)) throw new TypeError(`tenants.${backend} is not a backend (${BACKENDS.join(', ')})`);
    if (typeof value !== 'string' || value === '') throw new TypeError(`tenants.${backend} must be a non-empty string, got ${describe(value)}`);
    tenants[backend as BackendSystem] = value;
  }

  // An unbounded cache is refused, as lru-cache itself does: both bounds must be finite.
  const max = options.max ?? 50_000;
  if (!isPositiveInt(max)) throw new TypeError(`max must be a positive integer (an unbounded cache is refused), got ${describe(max)}`);
  const maxSize = options.maxSize ?? 64 * 1024 * 1024;
  if (!isPositiveInt(maxSize)) throw new TypeError(`maxSize must be a positive integer of bytes (an unbounded cache is refused), got ${describe(maxSize)}`);

  const lifetimes = options.lifetimes ?? committedLifetimes();
  if (typeof lifetimes !== 'object' || lifetimes === null || !(lifetimes.hints instanceof Map)) throw new TypeError('lifetimes must come from cacheLifetimesOf()');
  const byCoordinate = new Map<string, LifetimeSettings>();
  const settingsOf = (kind: RecordKind): LifetimeSettings => {
    let settings = byCoordinate.get(kind.lifetime);
    if (settings) return settings;
    const lifetime = lifetimeOf(lifetimes, kind.lifetime);
    // A record cached for 0 s would be loaded on every read: the kind names the wrong coordinate.
    if (!lifetime || lifetime.maxAge <= 0) {
      throw new TypeError(`record kind ${kind.backend}:${kind.model} takes the lifetime of ${kind.lifetime}, which declares no @cacheControl(maxAge:) above 0`);
    }
    settings = { ttlMs: lifetime.maxAge * 1000, staleWhileRevalidateMs: lifetime.staleWhileRevalidate * 1000, staleIfErrorMs: lifetime.staleIfError * 1000 };
    byCoordinate.set(kind.lifetime, settings);
    return settings;
  };

  const budgets: Record<BackendSystem, number> = { odoo: DEFAULT_BUDGET, salesforce: DEFAULT_BUDGET, servicedesk: DEFAULT_BUDGET };
  for (const [backend, value] of Object.entries(options.budgets ?? {})) {
    if (!BACKENDS.includes(backend as BackendSystem)) throw new TypeError(`budgets.${backend} is not a backend (${BACKENDS.join(', ')})`);
    if (!isPositiveInt(value) && value !== Infinity) throw new TypeError(`budgets.${backend} must be a positive integer or Infinity, got ${describe(value)}`);
    budgets[backend as BackendSystem] = value;
  }
  const adaptiveBudgets = options.adaptiveBudgets ?? true;
  if (typeof adaptiveBudgets !== 'boolean') throw new TypeError(`adaptiveBudgets must be a boolean, got ${describe(adaptiveBudgets)}`);
  const maxQueue = options.maxQueue ?? 1000;
  if (!isNonNegativeInt(maxQueue)) throw new TypeError(`maxQueue must be a non-negative integer, got ${describe(maxQueue)}`);

  const shareWeights = options.shareWeights ?? DEFAULT_SHARE_WEIGHTS;
  for (const group of SHARE_GROUPS) {
    if (!isPositiveInt(shareWeights[group])) throw new TypeError(`shareWeights.${group} must be a positive integer, got ${describe(shareWeights[group])}`);
  }

  const { redis } = options;
  if (redis !== undefined && (typeof redis !== 'object' || typeof redis.getMany !== 'function')) {
    throw new TypeError('redis must be a layer from createRedisLayer()');
  }
  const now = options.now ?? (() => Date.now());
  if (typeof now !== 'function') throw new TypeError('now must be a function returning epoch milliseconds');

  const { feedLifetimes } = options;
  if (feedLifetimes !== undefined && typeof feedLifetimes?.extended !== 'function') throw new TypeError('feedLifetimes must have extended(kind, base)');
  return { tenantOf: (backend) => tenants[backend], max, maxSize, settingsOf, budgets, adaptiveBudgets, maxQueue, shareWeights, redis, feedLifetimes, now };
}
