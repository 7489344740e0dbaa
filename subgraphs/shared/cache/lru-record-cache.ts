import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { BackendSystem } from '../../../platform/errors/backend-error.js';
import { componentLog, throttledWarning } from '../../../platform/logging/index.js';
import { countCacheResult } from '../../../platform/observability/request-scope.js';
import { cacheL2RequestsTotal, cacheRequestsTotal, cacheStaleServedTotal } from '../metrics/cache-metrics.js';
import { AdaptiveLimit } from './adaptive-limit.js';
import { ConcurrencyBudget } from './budget.js';
import { ADAPTIVE_BUDGET_FLOOR, ADAPTIVE_BUDGET_START, resolveCacheOptions, type LifetimeSettings, type RecordCacheOptions, type ResolvedCacheOptions } from './cache-options.js';
import { answersInKeyOrder, type GetManyOptions, type LoadResults, type LruRecordCache, recordCacheKey, type RecordCacheStats, type RecordKey, type RecordKind, type StaleObserver } from './record-cache.js';
import type { RedisEntry, RedisLayer } from './redis-layer.js';
import { decodeEntry, ENTRY_OVERHEAD, estimateSize, safeJson, type CacheEntry } from './cache-entry.js';
import { LoadBatch, type BatchItem, type BatchScope, type BatchSource } from './load-batch.js';

export { estimateSize } from './cache-entry.js';

/** Stale serves are expected now and then; many of them say a backend is failing or over its budget. */
const staleWarning = throttledWarning(componentLog('record-cache'));

class LruRecordCacheImpl implements LruRecordCache, BatchSource {
  readonly #options: ResolvedCacheOptions;
  readonly #lru: LRUCache<string, CacheEntry, LoadBatch>;
  readonly #budgets: Record<BackendSystem, ConcurrencyBudget>;
  readonly #redis: RedisLayer | undefined;
  /** Tags this cache's own invalidations so that it can ignore their echo from Redis. */
  readonly #origin = randomUUID();
  readonly #unsubscribe: () => void;
  /**
   * When each recently invalidated key was invalidated: a load that started before then must not
   * write its (possibly pre-write) answer to Redis. Bounded like the cache itself.
   */
  readonly #invalidatedAt: LRUCache<string, number>;

  constructor(options: RecordCacheOptions) {
    const resolved = resolveCacheOptions(options);
    this.#options = resolved;
    this.#redis = resolved.redis;
    const { now } = resolved;
    this.#lru = new LRUCache<string, CacheEntry, LoadBatch>({
      max: resolved.max,
      maxSize: resolved.maxSize,
      sizeCalculation: (entry) => entry.size,
      perf: { now },
      // Read the clock on every check: TTLs of a few seconds must not drift, and fake timers must see it.
      ttlResolution: 0,
      // Keep the stale copy when a refresh fails, so the next request can still serve it.
      noDeleteOnFetchRejection: true,
      // An invalidation or eviction during a load must not fail the requests waiting for it;
      // lru-cache then returns the answer to them without storing it.
      ignoreFetchAbort: true,
      fetchMethod: (ck, _stale, { options: fetchOptions, context }) => context.add(ck, fetchOptions),
    });
    this.#invalidatedAt = new LRUCache<string, number>({ max: Math.min(resolved.max, 10_000) });
    const budget = (backend: BackendSystem) => {
      const ceiling = resolved.budgets[backend];
      const limit =
        resolved.adaptiveBudgets && Number.isFinite(ceiling)
          ? new AdaptiveLimit({ initial: Math.min(ADAPTIVE_BUDGET_START, ceiling), min: Math.min(ADAPTIVE_BUDGET_FLOOR, ceiling), max: ceiling })
          : ceiling;
      return new ConcurrencyBudget(backend, limit, resolved.maxQueue, resolved.shareWeights);
    };
    this.#budgets = { odoo: budget('odoo'), salesforce: budget('salesforce'), servicedesk: budget('servicedesk') };
    this.#unsubscribe =
      this.#redis?.onInvalidate((keys, origin) => {
        if (origin !== this.#origin) this.#evict(keys);
      }) ?? (() => {});
  }

  getMany<T>(kind: RecordKind, keys: readonly RecordKey[], load: (missing: RecordKey[]) => Promise<LoadResults<T>>, observer: StaleObserver | undefined, options: GetManyOptions & { errorsPerKey: true }): Promise<(T | null | Error)[]>;
  getMany<T>(kind: RecordKind, keys: readonly RecordKey[], load: (missing: RecordKey[]) => Promise<LoadResults<T>>, observer?: StaleObserver, options?: GetManyOptions): Promise<(T | null)[]>;
  async getMany<T>(
    kind: RecordKind,
    keys: readonly RecordKey[],
    load: (missing: RecordKey[]) => Promise<LoadResults<T>>,
    observer?: StaleObserver,
    options?: GetManyOptions,
  ): Promise<(T | null | Error)[]> {
    if (keys.length === 0) return [];
    const tenant = this.#options.tenantOf(kind.backend);
    const unique = new Map<string, RecordKey>();
    for (const key of keys) unique.set(recordCacheKey(tenant, kind, key), key);
    const found = await this.#read(kind, unique, load, observer, options?.local === true);
    return answersInKeyOrder(keys, (key) => found.get(recordCacheKey(tenant, kind, key)) as T | Error | undefined, options?.errorsPerKey);
  }

  async invalidate(kind: RecordKind, keys: readonly RecordKey[]): Promise<void> {
    const tenant = this.#options.tenantOf(kind.backend);
    await this.#invalidateKeys([...new Set(keys.map((key) => recordCacheKey(tenant, kind, key)))]);
  }

  stats(): RecordCacheStats {
    const loads = {} as RecordCacheStats['loads'];
    for (const [backend, budget] of Object.entries(this.#budgets)) {
      loads[backend as BackendSystem] = { active: budget.active, queued: budget.queued, budget: budget.limit };
    }
    return { entries: this.#lru.size, approximateBytes: this.#lru.calculatedSize, loads };
  }

  clear(): void {
    this.#lru.clear();
  }

  close(): void {
    this.#unsubscribe();
  }

  /**
   * The heart of the cache: decides per key between fresh hit, stale serve and load, and loads
   * every key that needs it with one batch. Returns values by cache key, an Error for a key
   * whose load failed and that has no copy to serve stale.
   */
  async #read(
    kind: RecordKind,
    keys: Map<string, RecordKey>,
    load: (missing: RecordKey[]) => Promise<LoadResults<unknown>>,
    observer: StaleObserver | undefined,
    local = false,
  ): Promise<Map<string, unknown>> {
    const base = this.#options.settingsOf(kind);
    // A healthy change feed lengthens the TTL of the records stored since it became healthy.
    const extended = this.#options.feedLifetimes?.extended(kind, base);
    const settings = extended?.settings ?? base;
    const settingsOf = (entry: CacheEntry): LifetimeSettings => (extended && entry.storedAt >= extended.since ? extended.settings : base);
    const lifetimeMs = settings.ttlMs + settings.staleIfErrorMs;
    const now = this.#options.now();
    // Decided once per call, before any load starts, so that one call is consistent.
    const overBudget = this.#budgets[kind.backend].saturated;
    const batch = new LoadBatch({ kind, settings, base, since: extended?.since, lifetimeMs, load, local }, this);
    const out = new Map<string, unknown>();
    const waits: Promise<void>[] = [];
    const count = (result: 'hit' | 'miss' | 'stale') => {
      cacheRequestsTotal.inc({ lifetime: kind.lifetime, model: kind.model, result });
      countCacheResult(result);
    };
    // The record's own age, not the time it was served: one near the end of its TTL is fresh only briefly.
    const reportFresh = (key: RecordKey, entry: CacheEntry) => {
      if (observer?.fresh) observer.fresh(kind, key, Math.max(0, settingsOf(entry).ttlMs - Math.max(0, this.#options.now() - entry.storedAt)));
    };
    const serveStale = (ck: string, key: RecordKey, entry: CacheEntry, reason: 'revalidating' | 'backend-error' | 'over-budget') => {
      out.set(ck, entry.value);
      count('stale');
      cacheStaleServedTotal.inc({ model: kind.model, reason });
      staleWarning(`${kind.backend}:${kind.model}:${reason}`, { system: kind.backend, model: kind.model, reason }, `served ${kind.model} records stale (${reason})`);
      observer?.stale(kind, key, Math.max(0, this.#options.now() - entry.storedAt), reason);
      reportFresh(key, entry);
    };

    for (const [ck, key] of keys) {
      // allowStale returns the copy kept while a refresh is in flight, too.
      const entry = this.#lru.get(ck, { allowStale: true, noDeleteOnStaleGet: true });
      const age = entry ? now - entry.storedAt : Infinity;
      const own = entry ? settingsOf(entry) : settings;
      if (entry && age < own.ttlMs) {
        out.set(ck, entry.value);
        count('hit');
        reportFresh(key, entry);
        continue;
      }
      const revalidatable = entry !== undefined && age < own.ttlMs + own.staleWhileRevalidateMs && !observer?.requireFresh;
      const servable = entry !== undefined && age < own.ttlMs + own.staleIfErrorMs;
      if ((revalidatable && !overBudget) || (servable && overBudget)) {
        // Joins a refresh already in flight, or starts one in this batch; answers at once. Over
        // budget, the refresh waits for a free slot (one per record) while the stale copy is served:
        // without it a backend under steady load would never get its records refreshed.
        batch.want(ck, key, true);
        void this.#lru.fetch(ck, { context: batch, ttl: lifetimeMs, forceRefresh: true, allowStale: true });
        serveStale(ck, key, entry, overBudget ? 'over-budget' : 'revalidating');
        continue;
      }
      batch.want(ck, key);
      // forceRefresh: lru-cache counts an entry fresh for its whole lifetime; freshness is ours to judge.
      const fetched = this.#lru.fetch(ck, { context: batch, ttl: lifetimeMs, forceRefresh: true, allowStale: false });
      waits.push(
        fetched.then(
          (fresh) => {
            if (!fresh) throw new Error(`record cache: load of ${ck} settled without a value`);
            out.set(ck, fresh.value);
            count('miss');
            reportFresh(key, fresh);
          },
          (err: unknown) => {
            if (!servable) {
              count('miss');
              out.set(ck, err instanceof Error ? err : new Error(String(err)));
              return;
            }
            serveStale(ck, key, entry, 'backend-error');
          },
        ),
      );
    }
    void batch.run();
    await Promise.all(waits);
    return out;
  }

  /** Settles the items Redis has fresh; returns the rest. */
  async fromRedis(scope: BatchScope, items: BatchItem[]): Promise<BatchItem[]> {
    const redis = this.#redis;
    if (!redis) return items;
    const raw = await redis.getMany(items.map((item) => item.ck));
    const now = this.#options.now();
    const rest: BatchItem[] = [];
    items.forEach((item, i) => {
      const entry = decodeEntry(raw[i] ?? null);
      const age = entry ? now - entry.storedAt : Infinity;
      const ttlMs = entry && scope.since !== undefined && entry.storedAt >= scope.since ? scope.settings.ttlMs : scope.base.ttlMs;
      if (!entry || age >= ttlMs) {
        rest.push(item);
        cacheL2RequestsTotal.inc({ model: scope.kind.model, result: 'miss' });
        return;
      }
      cacheL2RequestsTotal.inc({ model: scope.kind.model, result: 'hit' });
      // The record is as old as its first load, not as its arrival here.
      item.options.ttl = Math.max(1, scope.lifetimeMs - Math.max(0, age));
      item.resolve(entry);
    });
    return rest;
  }

  /** Loads the items from the backend within its budget; returns what to write to Redis. */
  async fromBackend(scope: BatchScope, items: BatchItem[]): Promise<RedisEntry[]> {
    // A prime answers from records already read: no budget slot to wait for.
    const release = scope.local ? () => {} : await this.#budgets[scope.kind.backend].acquire();
    const startedAt = this.#options.now();
    let found: LoadResults<unknown>;
    try {
      found = await scope.load(items.map((item) => item.key));
    } catch (err) {
      release(false);
      throw err;
    }
    release();
    const toStore: RedisEntry[] = [];
    for (const item of items) {
      const value = found.get(item.key) ?? null;
      // This key's own call failed: it fails alone, and nothing is cached for it.
      if (value instanceof Error) {
        item.reject(value);
        continue;
      }
      // Serialized only to share it through Redis; without Redis its size is estimated without a copy.
      const json = this.#redis ? safeJson(value) : undefined;
      item.resolve({ value, storedAt: startedAt, size: (json?.length ?? estimateSize(value)) + ENTRY_OVERHEAD });
      // A key invalidated while its load ran may hold pre-write data: keep it out of Redis.
      const invalidatedAt = this.#invalidatedAt.get(item.ck);
      if (this.#redis && json !== undefined && (invalidatedAt === undefined || invalidatedAt < startedAt)) {
        toStore.push({ key: item.ck, value: `{"t":${startedAt},"v":${json}}`, ttlMs: scope.settings.ttlMs });
      }
    }
    return toStore;
  }

  /** Shares loaded records with the other replicas; Redis failures are the layer's to absorb. */
  async toRedis(entries: RedisEntry[]): Promise<void> {
    await this.#redis?.setMany(entries);
  }

  async #invalidateKeys(cks: string[]): Promise<void> {
    this.#evict(cks);
    await this.#redis?.invalidate(cks, this.#origin);
  }

  #evict(cks: readonly string[]): void {
    const now = this.#options.now();
    for (const ck of cks) {
      this.#invalidatedAt.set(ck, now);
      this.#lru.delete(ck);
    }
  }
}

/**
 * The cross-request record cache: lru-cache in process, optionally Redis between replicas, with
 * per-kind TTLs (from the schema's declared lifetimes), coalesced loads, stale-while-revalidate, stale-if-error and a concurrency budget
 * per backend. Throws a TypeError naming the bad option.
 */
export function createRecordCache(options: RecordCacheOptions): LruRecordCache {
  return new LruRecordCacheImpl(options);
}
