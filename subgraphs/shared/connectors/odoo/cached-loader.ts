import DataLoader from 'dataloader';
import type { RecordCache, RecordKey, RecordKind, StaleObserver } from '../../cache/record-cache.js';

/** Largest number of keys one Odoo call carries (a search_read on `id in [...]` has no hard limit; this bounds payloads). */
export const ODOO_MAX_BATCH = 500;

/**
 * A per-request DataLoader that reads through the record cache: keys batched in one tick become
 * one `cache.getMany`, whose misses become one backend call. Results come back in key order,
 * null where the backend has no record.
 */
export function createCachedLoader<K extends RecordKey, V>(
  cache: RecordCache,
  kind: RecordKind,
  load: (keys: K[]) => Promise<Map<K, V>>,
  stale: StaleObserver,
  maxBatchSize = ODOO_MAX_BATCH,
): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(
    (keys) => cache.getMany<V>(kind, keys, (missing) => load(missing as K[]) as Promise<Map<RecordKey, V>>, stale),
    { maxBatchSize },
  );
}
