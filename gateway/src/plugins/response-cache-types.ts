import type { CacheLifetimes } from './response-cache-ttl.js';

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
