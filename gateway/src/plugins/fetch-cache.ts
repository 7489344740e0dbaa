import { LRUCache } from 'lru-cache';
import { TaggedCache } from './tagged-cache.js';
import { FETCH_INVALIDATION_CHANNEL } from './invalidation-publisher.js';
import { Counter } from 'prom-client';
import { metricsRegistry } from '../../../platform/metrics/registry.js';

/** Subgraph fetch cache lookups by subgraph and result (`hit`: served without calling the subgraph, `miss`). */
export const subgraphFetchCacheTotal = new Counter({
  name: 'c360_gateway_subgraph_fetch_cache_total',
  help: 'Subgraph fetch cache lookups of query fetches, by subgraph and result (hit, miss).',
  labelNames: ['subgraph', 'result'] as const,
  registers: [metricsRegistry],
});

/** Options of the subgraph fetch cache. */
export interface FetchCacheOptions {
  /** Most fetch answers kept (default 5000). */
  max?: number;
  /** Most bytes of fetch bodies and answers kept (default 64 MiB). */
  maxSizeBytes?: number;
  /** Redis URL: invalidations are broadcast on pub/sub so that every replica evicts (entries stay in process). */
  redisUrl?: string;
  /** Pub/sub channel of invalidations (default `c360:gateway:fetch-invalidate`). */
  redisChannel?: string;
  /** Clock in ms (default Date.now); tests pass fake time. */
  now?(): number;
}

/** One cached fetch answer, split around its `extensions.freshForMs` so that a hit rewrites it without parsing. */
interface FetchEntry {
  subgraph: string;
  /** The fetch body (query and variables) it answers. */
  body: string;
  /** The answer up to the value of `freshForMs` (the last key of the last object). */
  head: string;
  storedAt: number;
  freshForMs: number;
}

/** The tail every stored answer ends with after its `freshForMs` value. */
const TAIL = '}}';
const FRESH_KEY = '"freshForMs":';
/** `"freshForMs":<number>}}` closing a JSON text (a trailing newline allowed). */
const FRESH_TAIL = /"freshForMs":-?[0-9.eE+-]+\}\}\s*$/;

function lastKey(value: object): string | undefined {
  let last: string | undefined;
  for (const key in value) last = key;
  return last;
}

/** A pending store: offered once the answer is read; refused when an invalidation came in between. */
export interface PendingFetch {
  /**
   * Stores the answer (parsed from JSON) when it may be stored; returns whether it was. The
   * answer is copied at once: the caller may hand it on to be mutated. `text`, the JSON it was
   * parsed from, spares serializing it again.
   */
  finish(answer: unknown, text?: string): boolean;
}

/** The key of one subgraph fetch: subgraph, what the principal may see, exact body (query, variables). */
export function fetchCacheKey(subgraph: string, visibilityKey: string, body: string): string {
  return `${subgraph}\u0000${visibilityKey}\u0000${body}`;
}

/**
 * The answer (parsed from JSON) in its stored form when it may be cached: no errors, no
 * `extensions.stale`, no `extensions.invalidate`, and `extensions.freshForMs` > 0. Else undefined.
 */
export function storableAnswer(parsed: unknown, text?: string): { head: string; freshForMs: number } | undefined {
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const { extensions, ...rest } = parsed as { errors?: unknown; extensions?: Record<string, unknown> };
  if ((rest.errors !== undefined && !(Array.isArray(rest.errors) && rest.errors.length === 0)) || !extensions || typeof extensions !== 'object') return undefined;
  const { freshForMs, stale, invalidate, ...others } = extensions;
  if (typeof freshForMs !== 'number' || !Number.isFinite(freshForMs) || freshForMs <= 0) return undefined;
  if (stale !== undefined && !(Array.isArray(stale) && stale.length === 0)) return undefined;
  if (invalidate !== undefined && !(Array.isArray(invalidate) && invalidate.length === 0)) return undefined;
  // The subgraph's own text when freshForMs is already its last value: no serialization.
  if (text !== undefined && lastKey(parsed) === 'extensions' && lastKey(extensions) === 'freshForMs') {
    const tail = FRESH_TAIL.exec(text);
    if (tail) return { head: text.slice(0, tail.index + FRESH_KEY.length), freshForMs };
  }
  // freshForMs last, so that a hit writes its remaining freshness between `head` and TAIL.
  const full = JSON.stringify({ ...rest, extensions: { ...others, freshForMs: 0 } });
  return { head: full.slice(0, -(1 + TAIL.length)), freshForMs };
}

/** The ids whose JSON string text marks the entries an invalidation tag evicts; undefined: evict all. */
function needlesOf(tags: Iterable<string>): string[] | undefined {
  const needles: string[] = [];
  for (const tag of tags) {
    const colon = tag.indexOf(':');
    const id = colon < 0 ? '' : tag.slice(colon + 1);
    // A tag without an id (`Order:*`, `Order`) may concern any entry.
    if (id === '' || id === '*') return undefined;
    needles.push(JSON.stringify(id));
  }
  return needles;
}

/**
 * Cache of subgraph query fetch answers (an entity cache at the fetch level): each answer is kept
 * as long as the subgraph said its records stay fresh (`extensions.freshForMs`), never longer, and
 * a hit reports the freshness it has left. Invalidation is by id text: a tag `Order:42` evicts every
 * entry whose fetch body or answer contains `"42"` (coarse: over-evicts, never under-evicts).
 * Keys must carry the principal's visibility: the cache never looks at who asks.
 */
export class FetchCache extends TaggedCache {
  readonly #now: () => number;
  readonly #entries: LRUCache<string, FetchEntry>;

  constructor(options: FetchCacheOptions = {}) {
    super({ redisUrl: options.redisUrl, channel: options.redisChannel ?? FETCH_INVALIDATION_CHANNEL });
    const max = options.max ?? 5000;
    const maxSize = options.maxSizeBytes ?? 64 * 1024 * 1024;
    if (!Number.isSafeInteger(max) || max <= 0) throw new TypeError(`fetchCache.max must be a positive integer, got ${String(max)}`);
    if (!Number.isSafeInteger(maxSize) || maxSize <= 0) throw new TypeError(`fetchCache.maxSizeBytes must be a positive integer, got ${String(maxSize)}`);
    this.#now = options.now ?? Date.now;
    this.#entries = new LRUCache<string, FetchEntry>({
      max,
      maxSize,
      sizeCalculation: (entry, key) => entry.head.length + entry.body.length + key.length + 128,
    });
  }

  /** Counts invalidations seen (here or from other replicas): fetches of different generations must not share an answer. */
  get generation(): number {
    return this.ledger.sequence;
  }

  /** How many answers are cached. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * A fresh cached answer as a new string (each caller parses its own copy), with
   * `extensions.freshForMs` reduced by its age; undefined when there is none or it expired.
   */
  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const left = entry.freshForMs - (this.#now() - entry.storedAt);
    if (!(left > 0)) {
      this.#entries.delete(key);
      return undefined;
    }
    return `${entry.head}${Math.floor(left)}${TAIL}`;
  }

  /** Begins a miss of `key` for a fetch with `body`; `finish` stores its answer unless an invalidation came meanwhile. */
  begin(subgraph: string, key: string, body: string): PendingFetch {
    const since = this.ledger.sequence;
    return {
      finish: (answer, text) => {
        // Any fetch in flight during a write may have read before it (a list it holds may have changed
        // without naming the written id): it stores nothing.
        if (this.ledger.sequence !== since) return false;
        const stored = storableAnswer(answer, text);
        if (!stored) return false;
        const now = this.#now();
        this.#entries.set(key, { subgraph, body, head: stored.head, storedAt: now, freshForMs: stored.freshForMs }, { ttl: Math.ceil(stored.freshForMs) });
        return this.#entries.peek(key) !== undefined;
      },
    };
  }

  /** Empties the cache. */
  clear(): void {
    this.#entries.clear();
  }

  /**
   * Invalidation is by id text: a tag `Order:42` evicts every entry whose fetch body or answer
   * contains `"42"` as a JSON string; a tag without an id evicts everything.
   */
  protected evict(tags: readonly string[]): number {
    const needles = needlesOf(tags);
    if (!needles) {
      const size = this.#entries.size;
      this.#entries.clear();
      return size;
    }
    const doomed: string[] = [];
    for (const [key, entry] of this.#entries.entries()) {
      if (needles.some((needle) => entry.body.includes(needle) || entry.head.includes(needle))) doomed.push(key);
    }
    for (const key of doomed) this.#entries.delete(key);
    return doomed.length;
  }
}

/** Creates the subgraph fetch cache. Throws a TypeError naming a bad option. */
export function createFetchCache(options: FetchCacheOptions = {}): FetchCache {
  return new FetchCache(options);
}
