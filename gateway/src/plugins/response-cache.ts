import { LRUCache } from 'lru-cache';
import { createInvalidationChannel, type InvalidationChannel } from './invalidation-channel.js';
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
  name: 'gateway_response_cache_total',
  help: 'Whole-response cache lookups of query operations, by result (hit, stale, miss).',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

/** Background refreshes of responses served stale: `stored`, `discarded` (not storable: errors, stale data, invalidated) or `failed`. */
export const responseCacheRefreshTotal = new Counter({
  name: 'gateway_response_cache_refresh_total',
  help: 'Background refreshes of cached responses served stale, by outcome.',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

/** Cached responses evicted because a subgraph reported an entity they hold changed. */
export const responseCacheInvalidatedTotal = new Counter({
  name: 'gateway_response_cache_invalidated_total',
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

/** A miss being executed: store its response with `finish`, or pass undefined when it must not be stored. */
export interface PendingResponse {
  /** Stores the response unless an entity it holds was invalidated since the miss began; returns what was stored. */
  finish(response: ResponseToStore | undefined): CachedResponse | undefined;
}

const WILDCARD = '*';

function typeOfTag(tag: string): string {
  const colon = tag.indexOf(':');
  return colon < 0 ? tag : tag.slice(0, colon);
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/**
 * The whole-response cache: bounded by entries and bytes, expiring each response at the smallest
 * TTL of the data it holds (bounded by the freshness the subgraphs report), keeping it a stale
 * window longer for stale-while-revalidate, evicting by entity tag, and merging concurrent
 * identical misses and refreshes. Keys must carry the principal's visibility: the cache itself
 * never looks at who asks.
 */
export class ResponseCache {
  /** Lifetimes in force: the supergraph's declarations with the options' overrides. */
  readonly lifetimes: CacheLifetimes;
  readonly unknownTtlSeconds: number;
  /** Whether responses are served stale while refreshed. */
  readonly staleWhileRevalidate: boolean;
  readonly unknownStaleSeconds: number;
  readonly #now: () => number;
  readonly #entries: LRUCache<string, CachedResponse>;
  /** Keys of cached responses by tag, and by entity type (for `Type:*` invalidations and entries). */
  readonly #byTag = new Map<string, Set<string>>();
  readonly #byType = new Map<string, Set<string>>();
  /** Misses being executed, so that identical concurrent requests wait for one execution. */
  readonly #pending = new Map<string, Promise<CachedResponse | undefined>>();
  /** Keys whose last refresh stored nothing: no new refresh before the time kept. */
  readonly #refreshBackoff = new LRUCache<string, number>({ max: 10_000 });
  readonly #refreshBackoffMs: number;
  /** Invalidation sequence: a miss that began before an invalidation of one of its tags must not store. */
  #sequence = 0;
  readonly #invalidatedAt: LRUCache<string, number>;
  /** Highest sequence forgotten by `#invalidatedAt`: misses older than it store nothing. */
  #forgottenSequence = 0;
  readonly #channel: InvalidationChannel;
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
    this.#entries = new LRUCache<string, CachedResponse>({
      max,
      maxSize,
      sizeCalculation: (entry, key) => entry.body.length + key.length + 64 * (entry.tags.length + 4),
      dispose: (entry, key) => this.#unindex(key, entry),
    });
    this.#invalidatedAt = new LRUCache<string, number>({
      max: 10_000,
      dispose: (sequence, _tag, reason) => {
        if (reason === 'evict' && sequence > this.#forgottenSequence) this.#forgottenSequence = sequence;
      },
    });
    this.#channel = createInvalidationChannel(options.redisUrl, options.redisChannel ?? 'c360:gateway:response-invalidate', (tags) => this.#evict(tags));
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
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const now = this.#now();
    if (now < entry.expiresAt) return { entry, stale: false };
    if (now < entry.staleUntil) return { entry, stale: true, ageMs: Math.max(0, now - entry.storedAt) };
    this.#entries.delete(key);
    return undefined;
  }

  /**
   * Begins the background refresh of a response served stale, unless one (or a miss of the same
   * key) is already executing: concurrent stale hits share one refresh. The refresh stores like a
   * miss (nothing when an entity it holds was invalidated meanwhile). A refresh that stored
   * nothing holds back the next one for `refreshBackoffMs`.
   */
  revalidate(key: string): PendingResponse | undefined {
    if (this.#pending.has(key)) return undefined;
    const heldUntil = this.#refreshBackoff.get(key);
    if (heldUntil !== undefined && this.#now() < heldUntil) return undefined;
    const pending = this.begin(key);
    let done = false;
    return {
      finish: (response) => {
        if (done) return undefined;
        done = true;
        const stored = pending.finish(response);
        if (stored) this.#refreshBackoff.delete(key);
        else if (this.#refreshBackoffMs > 0) this.#refreshBackoff.set(key, this.#now() + this.#refreshBackoffMs);
        return stored;
      },
    };
  }

  /**
   * When an identical request is executing right now, its outcome: the response it stored, or
   * undefined when it stored none (errors, stale data), in which case the caller executes itself.
   */
  join(key: string): Promise<CachedResponse | undefined> | undefined {
    return this.#pending.get(key);
  }

  /** Begins a miss: identical requests arriving meanwhile `join` it. */
  begin(key: string): PendingResponse {
    const since = this.#sequence;
    let settle: ((entry: CachedResponse | undefined) => void) | undefined;
    if (!this.#pending.has(key)) {
      let resolve!: (entry: CachedResponse | undefined) => void;
      const promise = new Promise<CachedResponse | undefined>((r) => {
        resolve = r;
      });
      this.#pending.set(key, promise);
      settle = (entry) => {
        if (this.#pending.get(key) === promise) this.#pending.delete(key);
        resolve(entry);
      };
    }
    let done = false;
    return {
      finish: (response) => {
        if (done) return undefined;
        done = true;
        const stored = response ? this.#store(key, response, since) : undefined;
        settle?.(stored);
        return stored;
      },
    };
  }

  /**
   * Evicts every response holding one of `tags` (`Order:42`), and the responses holding an entity of
   * that type without its id (`Order:*`); `Order:*` itself evicts every Order. Broadcast to the other
   * replicas when Redis is configured.
   */
  invalidate(tags: Iterable<string>): number {
    const unique = [...new Set(tags)];
    if (unique.length === 0) return 0;
    const evicted = this.#evict(unique);
    this.#channel.publish(unique);
    return evicted;
  }

  /** Resolves once the invalidations published so far reached Redis (see InvalidationChannel.settled). */
  published(): Promise<void> {
    return this.#channel.settled();
  }

  /** Resolves true once the invalidation channel is subscribed (true at once without Redis), false after `timeoutMs`. */
  ready(timeoutMs = 2000): Promise<boolean> {
    return this.#channel.ready(timeoutMs);
  }

  /** Empties the cache. */
  clear(): void {
    this.#entries.clear();
  }

  /** Closes the Redis connections, if any. */
  async close(): Promise<void> {
    this.#channel.close();
  }

  #store(key: string, response: ResponseToStore, since: number): CachedResponse | undefined {
    if (!(response.ttlMs > 0)) return undefined;
    const tags = [...new Set(response.tags)];
    if (this.#invalidatedSince(tags, since)) return undefined;
    const staleMs = response.staleMs !== undefined && response.staleMs > 0 ? response.staleMs : 0;
    const now = this.#now();
    const entry: CachedResponse = { body: response.body, headers: response.headers, tags, storedAt: now, expiresAt: now + response.ttlMs, staleUntil: now + response.ttlMs + staleMs, bare: response.bare };
    // Delete first so that the old entry's index is dropped before the new one is indexed.
    this.#entries.delete(key);
    // Kept through the stale window; whether it is fresh is decided by `lookup` on our clock.
    this.#entries.set(key, entry, { ttl: Math.ceil(response.ttlMs + staleMs) });
    // An entry over the size bound is not kept; then it must not be indexed either.
    if (this.#entries.peek(key) !== entry) return undefined;
    for (const tag of tags) {
      this.#add(this.#byTag, tag, key);
      this.#add(this.#byType, typeOfTag(tag), key);
    }
    return entry;
  }

  #invalidatedSince(tags: readonly string[], since: number): boolean {
    if (this.#sequence === since) return false;
    if (this.#forgottenSequence > since) return true;
    for (const tag of tags) {
      const type = typeOfTag(tag);
      const touched = tag.endsWith(`:${WILDCARD}`)
        ? (this.#invalidatedAt.get(`type:${type}`) ?? 0)
        : Math.max(this.#invalidatedAt.get(`tag:${tag}`) ?? 0, this.#invalidatedAt.get(`tag:${type}:${WILDCARD}`) ?? 0);
      if (touched > since) return true;
    }
    return false;
  }

  #evict(tags: readonly string[]): number {
    const sequence = ++this.#sequence;
    const keys = new Set<string>();
    for (const tag of tags) {
      const type = typeOfTag(tag);
      this.#invalidatedAt.set(`tag:${tag}`, sequence);
      this.#invalidatedAt.set(`type:${type}`, sequence);
      const wildcard = `${type}:${WILDCARD}`;
      if (tag === wildcard) {
        for (const key of this.#byType.get(type) ?? []) keys.add(key);
      } else {
        for (const key of this.#byTag.get(tag) ?? []) keys.add(key);
        for (const key of this.#byTag.get(wildcard) ?? []) keys.add(key);
      }
    }
    for (const key of keys) this.#entries.delete(key);
    responseCacheInvalidatedTotal.inc(keys.size);
    return keys.size;
  }

  #add(index: Map<string, Set<string>>, name: string, key: string): void {
    let keys = index.get(name);
    if (!keys) index.set(name, (keys = new Set()));
    keys.add(key);
  }

  #unindex(key: string, entry: CachedResponse): void {
    for (const tag of entry.tags) {
      this.#remove(this.#byTag, tag, key);
      this.#remove(this.#byType, typeOfTag(tag), key);
    }
  }

  #remove(index: Map<string, Set<string>>, name: string, key: string): void {
    const keys = index.get(name);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) index.delete(name);
  }
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
