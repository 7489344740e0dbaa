import type { BackendSystem } from '../../../platform/errors/backend-error.js';

/** What kind of record a cache entry holds: its backend, model or object, and whose lifetime it takes. */
export interface RecordKind {
  backend: BackendSystem;
  /** Odoo model, Salesforce object or Zendesk resource (`sale.order`, `Account`, `ticket`). */
  model: string;
  /**
   * The schema type or field coordinate (`Order`, `Product.availability`, `Customer.orders`) whose
   * `@cacheControl(maxAge:)` and `@staleWindow` are these records' TTL and stale windows: the
   * lifetime of what the records answer, declared once in the subgraph SDL.
   */
  lifetime: string;
}

/** A record key: an id, or a typed lookup value such as a ref or a number. */
export type RecordKey = string | number;

/** Receives notice of records served stale (for `extensions.stale`) and of how long served records stay fresh. */
export interface StaleObserver {
  stale(kind: RecordKind, key: RecordKey, ageMs: number, reason: 'revalidating' | 'backend-error' | 'over-budget'): void;
  /**
   * Called for every record served from the cache or just loaded into it, with how long it stays
   * fresh: its TTL minus its age (0 once past the TTL). Lets a response say how long what it
   * holds is fresh (`extensions.freshForMs`), so that caches above never outlive the records.
   */
  fresh?(kind: RecordKind, key: RecordKey, remainingMs: number): void;
  /**
   * The reader does not take records past their TTL while the backend can be asked: they are
   * loaded, not served stale while revalidating (a record served over the concurrency budget, or
   * when the backend fails, still is). Set for the gateway's refreshes of cached responses.
   */
  readonly requireFresh?: boolean;
}

/** Options of one `getMany`. */
export interface GetManyOptions {
  /**
   * `load` answers from records already read (priming the cache with what a list read brought):
   * it takes no slot of the backend's concurrency budget and nothing is looked up in Redis first.
   */
  local?: boolean;
  /**
   * A key whose load failed answers its Error in its place (DataLoader's contract: an Error for
   * one key rejects only that key) rather than failing the whole call. Without it the first
   * failed key's error rejects the call.
   */
  errorsPerKey?: boolean;
}

/**
 * What a batch load answers: the record of each key it found (absent: the backend has none), or
 * an Error for a key whose own call failed (a per-record endpoint answering 429 for one of many),
 * which fails that key alone and is never cached.
 */
export type LoadResults<T> = Map<RecordKey, T | Error>;

/**
 * The cross-request record cache below the loaders. Keyed by backend, model and key, never by
 * user: authorization applies above it.
 */
export interface RecordCache {
  /**
   * Records for `keys`, in key order, null where the backend has none. Cached keys are served from
   * the cache; the rest are fetched with ONE call to `load`, which returns what it found. With
   * `errorsPerKey`, a key that failed answers its Error in its place.
   */
  getMany<T>(
    kind: RecordKind,
    keys: readonly RecordKey[],
    load: (missing: RecordKey[]) => Promise<LoadResults<T>>,
    observer: StaleObserver | undefined,
    options: GetManyOptions & { errorsPerKey: true },
  ): Promise<(T | null | Error)[]>;
  getMany<T>(
    kind: RecordKind,
    keys: readonly RecordKey[],
    load: (missing: RecordKey[]) => Promise<LoadResults<T>>,
    observer?: StaleObserver,
    options?: GetManyOptions,
  ): Promise<(T | null)[]>;
  /** Evicts records (after a write that changed them), here and on every replica. */
  invalidate(kind: RecordKind, keys: readonly RecordKey[]): Promise<void>;
}

/**
 * The answers of `getMany` in key order from what was found by key: null for a key without a
 * record; an Error in place with `errorsPerKey`, else the first Error thrown.
 */
export function answersInKeyOrder<T>(keys: readonly RecordKey[], answerOf: (key: RecordKey) => T | Error | null | undefined, errorsPerKey: boolean | undefined): (T | null | Error)[] {
  const out = keys.map((key) => answerOf(key) ?? null);
  if (!errorsPerKey) {
    const failed = out.find((value) => value instanceof Error);
    if (failed) throw failed;
  }
  return out;
}

/** A cache that caches nothing: every call goes to the backend. */
export function createPassThroughCache(): RecordCache {
  return {
    async getMany<T>(_kind: RecordKind, keys: readonly RecordKey[], load: (missing: RecordKey[]) => Promise<LoadResults<T>>, _observer?: StaleObserver, options?: GetManyOptions) {
      if (keys.length === 0) return [];
      const unique = [...new Set(keys)];
      const found = await load(unique);
      return answersInKeyOrder(keys, (key) => found.get(key), options?.errorsPerKey) as (T | null)[];
    },
    async invalidate() {},
  } as RecordCache;
}

/** Cache key of a record: backend, tenant, model and key; never a user. */
export function recordCacheKey(tenant: string, kind: Pick<RecordKind, 'backend' | 'model'>, key: RecordKey): string {
  return `${kind.backend}:${tenant}:${kind.model}:${key}`;
}

/** What `stats()` reports. */
export interface RecordCacheStats {
  /** Entries in memory (in-flight loads included). */
  entries: number;
  /** Approximate bytes in memory. */
  approximateBytes: number;
  /** Backend loads running and waiting, and the budget as it stands now, per backend. */
  loads: Record<BackendSystem, { active: number; queued: number; budget: number }>;
}

/** The record cache with its operational extras. */
export interface LruRecordCache extends RecordCache {
  /** Sizes and budget use, for diagnostics. */
  stats(): RecordCacheStats;
  /** Drops every in-memory entry (Redis is left alone). */
  clear(): void;
  /** Stops listening to invalidations from other replicas; the Redis layer is the caller's to close. */
  close(): void;
}
