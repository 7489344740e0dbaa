import DataLoader from 'dataloader';
import type { LoadResults, RecordCache, RecordKey, RecordKind, StaleObserver } from './record-cache.js';

/** Largest number of keys one backend call carries by default (an Odoo search_read on `id in [...]` has no hard limit; this bounds payloads). */
export const DEFAULT_MAX_BATCH = 500;

/**
 * A per-request DataLoader that reads through the record cache: keys batched in one tick become
 * one `cache.getMany`, whose misses become one backend call. Results come back in key order,
 * null where the backend has no record; a key that `load` answers with an Error rejects alone.
 */
export function createCachedLoader<K extends RecordKey, V>(
  cache: RecordCache,
  kind: RecordKind,
  load: (keys: K[]) => Promise<Map<K, V | Error>>,
  stale: StaleObserver,
  maxBatchSize = DEFAULT_MAX_BATCH,
): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(
    // An Error for one key (its own call failed) rejects only that key's load.
    (keys) => cache.getMany<V>(kind, keys, (missing) => load(missing as K[]) as Promise<LoadResults<V>>, stale, { errorsPerKey: true }),
    { maxBatchSize },
  );
}

/**
 * When records were last invalidated through `invalidateRecords`, per cache (monotonic ms): a
 * prime must not put back a record that a write changed after the prime's data was read. The
 * cache guards its own loads this way; a prime is a load that starts after its data was read.
 */
const invalidations = new WeakMap<RecordCache, Map<string, number>>();
/** Longer than any read can take (timeouts and retries included). */
const REMEMBER_INVALIDATIONS_MS = 120_000;

const logKey = (kind: RecordKind, key: RecordKey) => `${kind.backend}:${kind.model}:${key}`;

/** A monotonic clock for `primeRecords(..., readStartedAt)`. */
export function monotonicNow(): number {
  return performance.now();
}

/** Evicts records after a write (`cache.invalidate`), and keeps primes from putting back what the write changed. */
export async function invalidateRecords(cache: RecordCache, kind: RecordKind, keys: readonly RecordKey[]): Promise<void> {
  if (keys.length === 0) return;
  let log = invalidations.get(cache);
  if (!log) invalidations.set(cache, (log = new Map()));
  const now = monotonicNow();
  for (const [key, at] of log) {
    // Insertion order is time order (re-inserted keys move to the end): stop at the first recent one.
    if (now - at < REMEMBER_INVALIDATIONS_MS) break;
    log.delete(key);
  }
  for (const key of keys) {
    log.delete(logKey(kind, key));
    log.set(logKey(kind, key), now);
  }
  await cache.invalidate(kind, keys);
}

/**
 * Puts records just read from a backend into the record cache, so that a list read with its records
 * (a customer's orders) serves later lookups of those records by id or name without a call.
 * The cache has no write API: the records go in as the answer of a load that needs no backend.
 * Keys are registered synchronously, so a request asking for them a moment later joins this
 * load; keys still fresh in the cache are left as they are, and keys invalidated since
 * `readStartedAt` (their data may predate a write) are left out. A prime takes no slot of the
 * backend's concurrency budget: a request joining it never waits for a slot for data already read.
 */
export function primeRecords<K extends RecordKey, V>(cache: RecordCache, kind: RecordKind, records: ReadonlyMap<K, V>, readStartedAt: number): void {
  const log = invalidations.get(cache);
  const keys = [...records.keys()].filter((key) => (log?.get(logKey(kind, key)) ?? -Infinity) < readStartedAt);
  if (keys.length === 0) return;
  cache.getMany<V>(kind, keys, async () => records as ReadonlyMap<RecordKey, V> as Map<RecordKey, V>, undefined, { local: true }).catch(() => {
    // Nothing here calls a backend; a request that joined this load would get any error itself.
  });
}
