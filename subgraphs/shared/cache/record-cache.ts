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
}

/**
 * The cross-request record cache below the loaders. Keyed by backend, model and key, never by
 * user: authorization applies above it.
 */
export interface RecordCache {
  /**
   * Records for `keys`, in key order, null where the backend has none. Cached keys are served from
   * the cache; the rest are fetched with ONE call to `load`, which returns what it found.
   */
  getMany<T>(
    kind: RecordKind,
    keys: readonly RecordKey[],
    load: (missing: RecordKey[]) => Promise<Map<RecordKey, T>>,
    observer?: StaleObserver,
    options?: GetManyOptions,
  ): Promise<(T | null)[]>;
  /** Evicts records (after a write that changed them), here and on every replica. */
  invalidate(kind: RecordKind, keys: readonly RecordKey[]): Promise<void>;
}

/** A cache that caches nothing: every call goes to the backend. */
export function createPassThroughCache(): RecordCache {
  return {
    async getMany<T>(_kind: RecordKind, keys: readonly RecordKey[], load: (missing: RecordKey[]) => Promise<Map<RecordKey, T>>) {
      if (keys.length === 0) return [];
      const unique = [...new Set(keys)];
      const found = await load(unique);
      return keys.map((key) => found.get(key) ?? null);
    },
    async invalidate() {},
  };
}
