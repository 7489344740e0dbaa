import { LRUCache } from 'lru-cache';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { responseCacheInvalidatedTotal } from './response-cache-metrics.js';
import { responseTags } from './response-cache-tags.js';
import {
  DEFAULT_UNKNOWN_STALE_WINDOW_SECONDS,
  DEFAULT_UNKNOWN_TTL_SECONDS,
  lifetimesWithRules,
  NO_LIFETIMES,
  operationStaleSeconds,
  operationTtlSeconds,
  type CacheLifetimes,
} from './response-cache-ttl.js';
import type { CachedResponse, CacheLookup, LoadedResponse, LoadResult, ResponseCacheOptions, ResponseToStore } from './response-cache-types.js';
import { TagIndex } from './tag-index.js';
import { TaggedCache } from './tagged-cache.js';
import { RESPONSE_INVALIDATION_CHANNEL } from './invalidation-publisher.js';

export type { CachedResponse, CacheLookup, LoadedResponse, LoadResult, ResponseCacheOptions, ResponseToStore, StaleWhileRevalidateOptions } from './response-cache-types.js';

/** What lru-cache's fetchMethod runs: the load of whoever started it. */
interface FetchContext {
  run(): Promise<CachedResponse | undefined>;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/**
 * The whole-response cache: bounded by entries and bytes, expiring each response at the smallest
 * TTL of the data it holds (bounded by the freshness the subgraphs report), keeping it a stale
 * window longer for stale-while-revalidate, evicting by entity tag. Concurrent identical misses
 * and refreshes are merged by lru-cache's `fetch()`; which invalidations a load raced is the
 * shared tagged-invalidation core's business ({@link TaggedCache}). Keys must carry the principal's visibility: the
 * cache itself never looks at who asks.
 */
export class ResponseCache extends TaggedCache {
  /** Lifetimes in force: the supergraph's declarations with the options' overrides. */
  readonly lifetimes: CacheLifetimes;
  readonly unknownTtlSeconds: number;
  /** Whether responses are served stale while refreshed. */
  readonly staleWhileRevalidate: boolean;
  readonly unknownStaleSeconds: number;
  readonly #now: () => number;
  readonly #entries: LRUCache<string, CachedResponse, FetchContext>;
  /** Keys of cached responses by tag and by entity type (for `Type:*` invalidations and entries). */
  readonly #tags = new TagIndex();
  /** The invalidation sequence at which each stored entry's load began. */
  readonly #loadedAt = new WeakMap<CachedResponse, number>();
  /** Keys with a load (miss or refresh) in flight. */
  readonly #loading = new Set<string>();
  /** Keys whose last refresh stored nothing: no new refresh before the time kept. */
  readonly #refreshBackoff = new LRUCache<string, number>({ max: 10_000 });
  readonly #refreshBackoffMs: number;
  readonly #entityTypes: ReadonlySet<string>;

  constructor(options: ResponseCacheOptions = {}) {
    super({ redisUrl: options.redisUrl, channel: options.redisChannel ?? RESPONSE_INVALIDATION_CHANNEL });
    const max = positiveInteger(options.max ?? 5000, 'max');
    const maxSize = positiveInteger(options.maxSizeBytes ?? 64 * 1024 * 1024, 'maxSizeBytes');
    this.unknownTtlSeconds = options.unknownTtlSeconds ?? DEFAULT_UNKNOWN_TTL_SECONDS;
    if (!Number.isFinite(this.unknownTtlSeconds) || this.unknownTtlSeconds < 0) {
      throw new TypeError(`unknownTtlSeconds must be a number of seconds >= 0, got ${String(options.unknownTtlSeconds)}`);
    }
    const swr = options.staleWhileRevalidate ?? true;
    if (typeof swr !== 'boolean' && (typeof swr !== 'object' || swr === null)) throw new TypeError('staleWhileRevalidate must be a boolean or an object');
    const swrOptions = typeof swr === 'object' ? swr : {};
    this.staleWhileRevalidate = swr !== false;
    this.lifetimes = lifetimesWithRules(options.lifetimes ?? NO_LIFETIMES, options.ttlSeconds, swrOptions.windowSeconds);
    this.unknownStaleSeconds = swrOptions.unknownWindowSeconds ?? DEFAULT_UNKNOWN_STALE_WINDOW_SECONDS;
    if (!Number.isFinite(this.unknownStaleSeconds) || this.unknownStaleSeconds < 0) {
      throw new TypeError(`staleWhileRevalidate.unknownWindowSeconds must be a number of seconds >= 0, got ${String(swrOptions.unknownWindowSeconds)}`);
    }
    this.#now = options.now ?? Date.now;
    this.#refreshBackoffMs = options.refreshBackoffMs ?? 1000;
    if (!Number.isFinite(this.#refreshBackoffMs) || this.#refreshBackoffMs < 0) {
      throw new TypeError(`refreshBackoffMs must be a number of ms >= 0, got ${String(options.refreshBackoffMs)}`);
    }
    this.#entityTypes = new Set(options.entityTypes ?? []);
    this.#entries = new LRUCache<string, CachedResponse, FetchContext>({
      max,
      maxSize,
      sizeCalculation: (entry, key) => entry.body.length + key.length + 64 * (entry.tags.length + 4),
      // Freshness is judged on our clock (`lookup`); lru-cache only keeps entries through their stale window.
      perf: { now: () => this.#now() },
      ttlResolution: 0,
      dispose: (entry, key) => this.#tags.remove(key, entry),
      // Indexed when lru-cache stores it. An invalidation of one of its tags between the load's
      // check and this moment would have found nothing to evict: check once more.
      onInsert: (entry, key) => {
        if (!isEntry(entry)) return;
        this.#tags.add(key, entry, entry.tags);
        const since = this.#loadedAt.get(entry);
        if (since !== undefined && this.ledger.invalidatedSince(entry.tags, since)) queueMicrotask(() => this.#entries.peek(key) === entry && this.#entries.delete(key));
      },
      // An invalidation that evicts a key's older copy while the key loads again deletes the key,
      // which aborts the load: the requests waiting for it must still get their answers (lru-cache
      // then stores nothing, and the load itself stores nothing that raced an invalidation).
      ignoreFetchAbort: true,
      fetchMethod: (_key, _stale, { context }) => context.run(),
    });
  }

  /** How many responses are cached. */
  get size(): number {
    return this.#entries.size;
  }

  /** The TTL in ms of an operation's response: the smallest declared lifetime of the data it selects. */
  ttlMs(schema: GraphQLSchema, document: DocumentNode): number {
    return operationTtlSeconds(schema, document, this.lifetimes, this.unknownTtlSeconds) * 1000;
  }

  /**
   * How long past its TTL an operation's response may be served stale while it is refreshed: the
   * smallest declared stale-while-revalidate window of the data it selects (`@staleWindow`, by
   * default its maxAge); 0 when stale-while-revalidate is off.
   */
  staleMs(schema: GraphQLSchema, document: DocumentNode): number {
    if (!this.staleWhileRevalidate) return 0;
    return operationStaleSeconds(schema, document, this.lifetimes, this.unknownStaleSeconds) * 1000;
  }

  /** The clock of the cache (epoch ms). */
  now(): number {
    return this.#now();
  }

  /** The entity tags of a response's data. */
  tags(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, data: Record<string, unknown> | null | undefined): Set<string> {
    return responseTags(schema, document, operationName, data, this.#entityTypes);
  }

  /** A fresh cached response for `key`, if any. */
  get(key: string): CachedResponse | undefined {
    const found = this.lookup(key);
    return found && !found.stale ? found.entry : undefined;
  }

  /**
   * The cached response for `key`: fresh, or past its TTL but within its stale window (then the
   * caller serves it flagged and calls `revalidate`); undefined when there is none or it is too old.
   */
  lookup(key: string): CacheLookup | undefined {
    const entry = this.#entries.get(key, { allowStale: true, noDeleteOnStaleGet: true });
    if (!entry) return undefined;
    const now = this.#now();
    if (now < entry.expiresAt) return { entry, stale: false };
    if (now < entry.staleUntil) return { entry, stale: true, ageMs: Math.max(0, now - entry.storedAt) };
    this.#entries.delete(key);
    return undefined;
  }

  /**
   * Runs `load` for a miss of `key`, merged with an identical miss in flight: the request that
   * joins one gets the response it stored; when that one stored nothing (errors, stale data, a
   * write raced it), the joiner runs its own load. A load that began before an invalidation of
   * one of its entities stores nothing.
   */
  async load<T>(key: string, load: () => Promise<LoadedResponse<T>>): Promise<LoadResult<T>> {
    let own: { outcome: T } | undefined;
    const context: FetchContext = {
      run: () =>
        this.#loadEntry(key, async () => {
          const loaded = await load();
          own = { outcome: loaded.outcome };
          return loaded.toStore;
        }),
    };
    let entry: CachedResponse | undefined;
    const since = this.ledger.sequence;
    try {
      // forceRefresh: an entry lru-cache still holds may be past its TTL on our clock (or a newer
      // answer replaces it); a load already in flight is joined all the same.
      entry = await this.#entries.fetch(key, { context, allowStale: false, forceRefresh: true });
    } catch (err) {
      // A joiner whose load an invalidation cut off (it deleted the key) runs its own below; any other failure is the load's.
      if (own === undefined && this.ledger.sequence === since) throw err;
    }
    if (own !== undefined) return { kind: 'own', outcome: own.outcome, stored: entry && this.#entries.peek(key) === entry ? entry : undefined };
    if (entry) return { kind: 'joined', entry };
    const loaded = await load();
    return { kind: 'own', outcome: loaded.outcome, stored: undefined };
  }

  /**
   * Begins the background refresh of a response served stale, unless a load of the key (a
   * refresh or a miss) is already running: concurrent stale hits share one refresh. The refresh
   * stores like a miss; one that stored nothing holds back the next for `refreshBackoffMs`, and
   * leaves the stale copy in place. Returns the refresh's outcome, or undefined when none began.
   */
  revalidate(key: string, load: () => Promise<ResponseToStore | undefined>): Promise<CachedResponse | undefined> | undefined {
    if (this.#loading.has(key)) return undefined;
    const heldUntil = this.#refreshBackoff.get(key);
    if (heldUntil !== undefined && this.#now() < heldUntil) return undefined;
    let refreshed!: (entry: CachedResponse | undefined) => void;
    const outcome = new Promise<CachedResponse | undefined>((resolve) => {
      refreshed = resolve;
    });
    const context: FetchContext = {
      run: async () => {
        let stored: CachedResponse | undefined;
        try {
          stored = await this.#loadEntry(key, load);
        } finally {
          if (stored) this.#refreshBackoff.delete(key);
          else if (this.#refreshBackoffMs > 0) this.#refreshBackoff.set(key, this.#now() + this.#refreshBackoffMs);
          // Once lru-cache has stored what this returns (a few microtasks on).
          setImmediate(() => refreshed(stored));
        }
        return stored;
      },
    };
    // The stale copy stays in place while the refresh runs, and after one that stored nothing.
    void this.#entries.fetch(key, { context, forceRefresh: true, allowStale: true, noDeleteOnFetchRejection: true, allowStaleOnFetchRejection: true }).catch(() => undefined);
    return outcome;
  }

  /** Empties the cache. */
  clear(): void {
    this.#entries.clear();
  }

  /** One load as lru-cache's fetchMethod runs it: what to store, kept in the LRU through its TTL plus stale window. */
  async #loadEntry(key: string, load: () => Promise<ResponseToStore | undefined>): Promise<CachedResponse | undefined> {
    const since = this.ledger.sequence;
    this.#loading.add(key);
    let response: ResponseToStore | undefined;
    try {
      response = await load();
    } finally {
      this.#loading.delete(key);
    }
    if (!response || !(response.ttlMs > 0)) return undefined;
    const tags = [...new Set(response.tags)];
    if (this.ledger.invalidatedSince(tags, since)) return undefined;
    const staleMs = response.staleMs !== undefined && response.staleMs > 0 ? response.staleMs : 0;
    const now = this.#now();
    const entry: CachedResponse = { body: response.body, headers: response.headers, tags, storedAt: now, expiresAt: now + response.ttlMs, staleUntil: now + response.ttlMs + staleMs, bare: response.bare };
    this.#loadedAt.set(entry, since);
    return entry;
  }

  protected evict(tags: readonly string[]): number {
    let evicted = 0;
    for (const key of this.#tags.keysFor(tags)) {
      if (this.#entries.delete(key)) evicted++;
    }
    responseCacheInvalidatedTotal.inc(evicted);
    return evicted;
  }
}

/** Whether a value lru-cache hands a hook is a stored response (not a load in flight). */
function isEntry(value: unknown): value is CachedResponse {
  return typeof value === 'object' && value !== null && !(value instanceof Promise) && typeof (value as CachedResponse).body === 'string';
}

/** Creates the whole-response cache. Throws a TypeError naming a bad option. */
export function createResponseCache(options: ResponseCacheOptions = {}): ResponseCache {
  return new ResponseCache(options);
}
