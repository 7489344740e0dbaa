import { LRUCache } from 'lru-cache';
import { InvalidationLedger, typeOfTag, WILDCARD } from './invalidation-ledger.js';
import { Counter } from 'prom-client';
import { metricsRegistry } from '../../../platform/metrics/registry.js';
import type { DocumentNode, GraphQLSchema } from 'graphql';
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

/** Whole-response cache lookups: `hit` (served fresh), `stale` (served past its TTL while it is refreshed) or `miss` (executed). */
export const responseCacheTotal = new Counter({
  name: 'c360_gateway_response_cache_total',
  help: 'Whole-response cache lookups of query operations, by result (hit, stale, miss).',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

/** Background refreshes of responses served stale: `stored`, `discarded` (not storable: errors, stale data, invalidated) or `failed`. */
export const responseCacheRefreshTotal = new Counter({
  name: 'c360_gateway_response_cache_refresh_total',
  help: 'Background refreshes of cached responses served stale, by outcome.',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

/** Cached responses evicted because a subgraph reported an entity they hold changed. */
export const responseCacheInvalidatedTotal = new Counter({
  name: 'c360_gateway_response_cache_invalidated_total',
  help: 'Cached responses evicted by entity invalidations.',
  registers: [metricsRegistry],
});

/** Options of the whole-response cache. */
export interface ResponseCacheOptions {
  /** Most responses kept (default 5000). */
  max?: number;
  /** Most bytes of response bodies kept (default 64 MiB). */
  maxSizeBytes?: number;
  /**
   * The lifetimes the supergraph declares with `@cacheControl` and `@staleWindow`
   * (`cacheLifetimesOf(supergraphSdl)`); the gateway passes those of the supergraph it serves.
   * Without them every answer takes `unknownTtlSeconds`.
   */
  lifetimes?: CacheLifetimes;
  /** Overrides of the declared maxAge, in seconds by type or field coordinate. */
  ttlSeconds?: Record<string, number>;
  /** TTL in seconds of data whose lifetime is not declared (default 30). */
  unknownTtlSeconds?: number;
  /** Entity types whose ids tag responses; the gateway defaults them to the supergraph's types with a key. */
  entityTypes?: readonly string[];
  /** Redis URL: invalidations are broadcast on pub/sub so that every replica evicts (entries stay in process). */
  redisUrl?: string;
  /** Pub/sub channel of invalidations (default `c360:gateway:response-invalidate`). */
  redisChannel?: string;
  /**
   * Stale-while-revalidate (default on): a response past its TTL but within the stale window of
   * its data is served at once, flagged in `extensions.stale`, while one background execution
   * refreshes it. False turns it off; an object sets the windows.
   */
  staleWhileRevalidate?: boolean | StaleWhileRevalidateOptions;
  /**
   * After a refresh that could not be stored (its answer held records the subgraphs served stale,
   * typically over a backend's concurrency budget), how long stale hits of that response start no
   * new refresh, in ms (default 1000): each refresh is a whole execution.
   */
  refreshBackoffMs?: number;
  /** Clock in ms (default Date.now); tests pass fake time. */
  now?(): number;
}

/** The stale windows of the response cache. */
export interface StaleWhileRevalidateOptions {
  /**
   * Overrides of the declared stale-while-revalidate windows (`@staleWindow`, default maxAge), in
   * seconds past the TTL by type or field coordinate; a response takes the smallest window of what it selects.
   */
  windowSeconds?: Record<string, number>;
  /** Window in seconds of data whose lifetime is not declared (default 30). */
  unknownWindowSeconds?: number;
}

/** A stored response: its body and the headers it was sent with. */
export interface CachedResponse {
  body: string;
  headers: Record<string, string>;
  /** Entity tags of the data (`Order:42`, `Case:*`). */
  tags: readonly string[];
  /** When it was stored (the cache's clock, ms). */
  storedAt: number;
  /** Fresh until then. */
  expiresAt: number;
  /** Served stale (and refreshed) until then; equals `expiresAt` when it has no stale window. */
  staleUntil: number;
  /** The body is a JSON object without top-level `extensions`: a stale mark is appended without parsing it. */
  bare?: boolean;
}

/** What a lookup found: a fresh response, or one within its stale window and how old it is. */
export type CacheLookup = { entry: CachedResponse; stale: false } | { entry: CachedResponse; stale: true; ageMs: number };

/** What a finished request offers the cache. */
export interface ResponseToStore {
  body: string;
  headers: Record<string, string>;
  tags: Iterable<string>;
  ttlMs: number;
  /** How long past `ttlMs` it may be served stale while refreshed (default 0: never). */
  staleMs?: number;
  /** The body is a JSON object without top-level `extensions` (see {@link markStale}). */
  bare?: boolean;
}

/** What a miss's load returns: the outcome its requester answers with, and what the cache may keep of it. */
export interface LoadedResponse<T> {
  outcome: T;
  /** Undefined when the answer must not be stored (errors, stale data, a write in it). */
  toStore?: ResponseToStore;
}

/**
 * The result of {@link ResponseCache.load}: the caller's own load ran (`own`, with what was
 * stored, if anything), or it joined an identical load in flight and got the response it stored.
 */
export type LoadResult<T> = { kind: 'own'; outcome: T; stored: CachedResponse | undefined } | { kind: 'joined'; entry: CachedResponse };

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
 * shared {@link InvalidationLedger}'s business. Keys must carry the principal's visibility: the
 * cache itself never looks at who asks.
 */
export class ResponseCache {
  /** Lifetimes in force: the supergraph's declarations with the options' overrides. */
  readonly lifetimes: CacheLifetimes;
  readonly unknownTtlSeconds: number;
  /** Whether responses are served stale while refreshed. */
  readonly staleWhileRevalidate: boolean;
  readonly unknownStaleSeconds: number;
  readonly #now: () => number;
  readonly #entries: LRUCache<string, CachedResponse, FetchContext>;
  /** Keys of cached responses by tag, and by entity type (for `Type:*` invalidations and entries). */
  readonly #byTag = new Map<string, Set<string>>();
  readonly #byType = new Map<string, Set<string>>();
  /** The entry each key is indexed for (its tags). */
  readonly #indexed = new Map<string, CachedResponse>();
  /** The invalidation sequence at which each stored entry's load began. */
  readonly #loadedAt = new WeakMap<CachedResponse, number>();
  /** Keys with a load (miss or refresh) in flight. */
  readonly #loading = new Set<string>();
  /** Keys whose last refresh stored nothing: no new refresh before the time kept. */
  readonly #refreshBackoff = new LRUCache<string, number>({ max: 10_000 });
  readonly #refreshBackoffMs: number;
  readonly #ledger: InvalidationLedger;
  readonly #entityTypes: ReadonlySet<string>;

  constructor(options: ResponseCacheOptions = {}) {
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
      dispose: (entry, key) => this.#unindex(key, entry),
      // Indexed when lru-cache stores it. An invalidation of one of its tags between the load's
      // check and this moment would have found nothing to evict: check once more.
      onInsert: (entry, key) => {
        if (!isEntry(entry)) return;
        this.#index(key, entry);
        const since = this.#loadedAt.get(entry);
        if (since !== undefined && this.#ledger.invalidatedSince(entry.tags, since)) queueMicrotask(() => this.#entries.peek(key) === entry && this.#entries.delete(key));
      },
      fetchMethod: (_key, _stale, { context }) => context.run(),
    });
    this.#ledger = new InvalidationLedger({
      redisUrl: options.redisUrl,
      channel: options.redisChannel ?? 'c360:gateway:response-invalidate',
      evict: (tags) => this.#evict(tags),
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
    try {
      // forceRefresh: an entry lru-cache still holds may be past its TTL on our clock (or a newer
      // answer replaces it); a load already in flight is joined all the same.
      entry = await this.#entries.fetch(key, { context, allowStale: false, forceRefresh: true });
    } catch (err) {
      if (own === undefined) throw err;
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

  /**
   * Evicts every response holding one of `tags` (`Order:42`), and the responses holding an entity of
   * that type without its id (`Order:*`); `Order:*` itself evicts every Order. Broadcast to the other
   * replicas when Redis is configured.
   */
  invalidate(tags: Iterable<string>): number {
    return this.#ledger.invalidate(tags);
  }

  /** Resolves once the invalidations published so far reached Redis (see InvalidationChannel.settled). */
  published(): Promise<void> {
    return this.#ledger.published();
  }

  /** Resolves true once the invalidation channel is subscribed (true at once without Redis), false after `timeoutMs`. */
  ready(timeoutMs = 2000): Promise<boolean> {
    return this.#ledger.ready(timeoutMs);
  }

  /** Empties the cache. */
  clear(): void {
    this.#entries.clear();
  }

  /** Closes the Redis connections, if any. */
  async close(): Promise<void> {
    this.#ledger.close();
  }

  /** One load as lru-cache's fetchMethod runs it: what to store, kept in the LRU through its TTL plus stale window. */
  async #loadEntry(key: string, load: () => Promise<ResponseToStore | undefined>): Promise<CachedResponse | undefined> {
    const since = this.#ledger.sequence;
    this.#loading.add(key);
    let response: ResponseToStore | undefined;
    try {
      response = await load();
    } finally {
      this.#loading.delete(key);
    }
    if (!response || !(response.ttlMs > 0)) return undefined;
    const tags = [...new Set(response.tags)];
    if (this.#ledger.invalidatedSince(tags, since)) return undefined;
    const staleMs = response.staleMs !== undefined && response.staleMs > 0 ? response.staleMs : 0;
    const now = this.#now();
    const entry: CachedResponse = { body: response.body, headers: response.headers, tags, storedAt: now, expiresAt: now + response.ttlMs, staleUntil: now + response.ttlMs + staleMs, bare: response.bare };
    this.#loadedAt.set(entry, since);
    return entry;
  }

  #evict(tags: readonly string[]): number {
    const keys = new Set<string>();
    for (const tag of tags) {
      const type = typeOfTag(tag);
      const wildcard = `${type}:${WILDCARD}`;
      if (tag === wildcard) {
        for (const key of this.#byType.get(type) ?? []) keys.add(key);
      } else {
        for (const key of this.#byTag.get(tag) ?? []) keys.add(key);
        for (const key of this.#byTag.get(wildcard) ?? []) keys.add(key);
      }
    }
    let evicted = 0;
    for (const key of keys) {
      if (this.#entries.delete(key)) evicted++;
    }
    responseCacheInvalidatedTotal.inc(evicted);
    return evicted;
  }

  #index(key: string, entry: CachedResponse): void {
    const previous = this.#indexed.get(key);
    if (previous) this.#unindex(key, previous);
    this.#indexed.set(key, entry);
    for (const tag of entry.tags) {
      add(this.#byTag, tag, key);
      add(this.#byType, typeOfTag(tag), key);
    }
  }

  #unindex(key: string, entry: CachedResponse): void {
    if (this.#indexed.get(key) !== entry) return;
    this.#indexed.delete(key);
    for (const tag of entry.tags) {
      remove(this.#byTag, tag, key);
      remove(this.#byType, typeOfTag(tag), key);
    }
  }
}

/** Whether a value lru-cache hands a hook is a stored response (not a load in flight). */
function isEntry(value: unknown): value is CachedResponse {
  return typeof value === 'object' && value !== null && !(value instanceof Promise) && typeof (value as CachedResponse).body === 'string';
}

function add(index: Map<string, Set<string>>, name: string, key: string): void {
  let keys = index.get(name);
  if (!keys) index.set(name, (keys = new Set()));
  keys.add(key);
}

function remove(index: Map<string, Set<string>>, name: string, key: string): void {
  const keys = index.get(name);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(name);
}

/**
 * A cached body with `report` added to its `extensions.stale`; undefined when the body is not a
 * JSON object (then it must not be served stale: staleness is always visible). A `bare` body (a
 * JSON object with members and no top-level `extensions`, as the gateway stored it) gets the
 * member appended without being parsed.
 */
export function markStale(body: string, report: Record<string, unknown>, bare = false): string | undefined {
  if (bare && body.startsWith('{')) {
    // Apollo ends its JSON with a newline: append before the closing brace, keep what follows it.
    const close = body.lastIndexOf('}');
    if (close > 1 && body.slice(close + 1).trim() === '') return `${body.slice(0, close)},"extensions":{"stale":[${JSON.stringify(report)}]}}${body.slice(close + 1)}`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const result = parsed as { extensions?: Record<string, unknown> };
  const extensions = result.extensions && typeof result.extensions === 'object' ? result.extensions : {};
  const stale = Array.isArray(extensions.stale) ? extensions.stale : [];
  result.extensions = { ...extensions, stale: [...stale, report] };
  return JSON.stringify(result);
}

/** Creates the whole-response cache. Throws a TypeError naming a bad option. */
export function createResponseCache(options: ResponseCacheOptions = {}): ResponseCache {
  return new ResponseCache(options);
}
