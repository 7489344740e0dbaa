import type { LRUCache } from 'lru-cache';
import { detachedFromCaller } from '../../../platform/observability/request-scope.js';
import { withCacheResult } from '../../../platform/observability/tracing.js';
import type { CacheEntry } from './cache-entry.js';
import type { LifetimeSettings } from './cache-options.js';
import type { LoadResults, RecordKey, RecordKind } from './record-cache.js';
import type { RedisEntry } from './redis-layer.js';

export type FetchOptions = LRUCache.FetcherFetchOptions<string, CacheEntry, LoadBatch>;

/** Everything one batch load needs to know besides its keys. */
export interface BatchScope {
  kind: RecordKind;
  /** The lifetime of records loaded now: the long one while a change feed covers the kind. */
  settings: LifetimeSettings;
  /** The declared lifetime, for records stored before the feed's cover began. */
  base: LifetimeSettings;
  /** Since when a change feed covers the kind (epoch ms), when one does. */
  since?: number;
  /** How long an entry may stay in memory: its TTL plus the longest stale window. */
  lifetimeMs: number;
  load: (keys: RecordKey[]) => Promise<LoadResults<unknown>>;
  /** `load` calls no backend (see GetManyOptions.local). */
  local: boolean;
}

/** Where a batch reads what it misses: the shared Redis layer, then the backend (the record cache provides both). */
export interface BatchSource {
  fromRedis(scope: BatchScope, items: BatchItem[]): Promise<BatchItem[]>;
  fromBackend(scope: BatchScope, items: BatchItem[]): Promise<RedisEntry[]>;
  toRedis(entries: RedisEntry[]): Promise<void>;
}

export interface BatchItem {
  ck: string;
  key: RecordKey;
  options: FetchOptions;
  resolve(entry: CacheEntry): void;
  reject(err: unknown): void;
}

/**
 * The keys of one getMany call that lru-cache asked us to fetch. lru-cache calls `fetchMethod`
 * synchronously inside `fetch()`, and only for keys that are not already being fetched, so after
 * the getMany loop the batch holds exactly the keys no other request is loading; `run()` then
 * makes ONE Redis round trip and ONE backend call for them, and each key's fetch settles from it.
 */
export class LoadBatch {
  readonly #wanted = new Map<string, RecordKey>();
  readonly #items: BatchItem[] = [];
  /** Keys wanted only to refresh a copy served stale: nobody waits for them. */
  readonly #refreshes = new Set<string>();

  constructor(
    readonly scope: BatchScope,
    readonly cache: BatchSource,
  ) {}

  want(ck: string, key: RecordKey, refresh = false): void {
    this.#wanted.set(ck, key);
    if (refresh) this.#refreshes.add(ck);
  }

  /** The fetchMethod's side: registers the key and hands lru-cache its promise. */
  add(ck: string, options: FetchOptions): Promise<CacheEntry> {
    const key = this.#wanted.get(ck) ?? ck;
    return new Promise<CacheEntry>((resolve, reject) => this.#items.push({ ck, key, options, resolve, reject }));
  }

  async run(): Promise<void> {
    let pending = this.#items;
    if (pending.length === 0) return;
    try {
      if (!this.scope.local) pending = await this.cache.fromRedis(this.scope, pending);
      if (pending.length === 0) return;
      // A batch of refreshes only serves later requests: it must not end when this caller hangs up.
      const refreshes = pending.every((item) => this.#refreshes.has(item.ck));
      const load = () => withCacheResult(refreshes ? 'stale' : 'miss', () => this.cache.fromBackend(this.scope, pending));
      const loaded = await (refreshes ? detachedFromCaller(load) : load());
      if (loaded.length > 0) void this.cache.toRedis(loaded);
    } catch (err) {
      // Settling an already settled item is a no-op, so this rejects only what is still waiting.
      for (const item of pending) item.reject(err);
    }
  }
}
