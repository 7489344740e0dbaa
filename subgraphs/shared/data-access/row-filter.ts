import type { Principal } from '../../../platform/authz/principal.js';
import type { RecordKey, RecordKind, StaleObserver } from '../cache/record-cache.js';
import { createOwnershipGuard, type Ownership } from '../ownership/ownership.js';
import type { StaleCollector } from '../server/context.js';

/** A record as the record cache names it. */
export interface RecordRef {
  kind: RecordKind;
  key: RecordKey;
}

/** The customer (Salesforce Account Id) a record belongs to, and the records read to find it out. */
export interface Owner {
  accountId: string | null;
  via: readonly RecordRef[];
}

/** A record of no customer: nobody restricted sees it. */
export const NO_OWNER: Owner = Object.freeze({ accountId: null, via: [] });

/**
 * The per-request row filter under the data-access layer. For an unrestricted principal it is
 * transparent: every check passes without a lookup and stale serves go straight to the response.
 * For a partner it decides which customers' rows may be shown, and holds back what the record
 * cache reports about a record (stale serves, freshness) until the record is shown: what is
 * never shown is never reported.
 */
export interface RowFilter {
  /** Whether rows are filtered at all (a partner principal). */
  readonly restricted: boolean;
  /** The observer the loaders of customer-owned kinds report to (the response's own collector when unrestricted). */
  readonly observer: StaleObserver;
  /** Whether the principal may see rows of this customer (batched lookups; no lookup when unrestricted). */
  canSee(accountId: string | null): Promise<boolean>;
  /** Records shown to the principal: what the cache reported about them goes into the response. */
  show(refs: readonly RecordRef[]): void;
}

interface Held {
  kind: RecordKind;
  key: RecordKey;
  stale: { ageMs: number; reason: Parameters<StaleObserver['stale']>[3] }[];
  freshUntil?: number;
}

const refId = (kind: RecordKind, key: RecordKey) => `${kind.backend}:${kind.model}:${String(key)}`;

/**
 * Creates the row filter of one request over the principal, the source of reseller assignments
 * and the response's stale collector. `now` is the collector's clock (freshness is held as a
 * deadline and handed on as what remains of it).
 */
export function createRowFilter(principal: Principal | null, ownership: Ownership | undefined, collector: StaleCollector, now: () => number = Date.now): RowFilter {
  const guard = createOwnershipGuard(principal, ownership);
  if (!guard.restricted) return { restricted: false, observer: collector, canSee: async () => true, show: () => {} };
  const held = new Map<string, Held>();
  const hold = (kind: RecordKind, key: RecordKey): Held => {
    const id = refId(kind, key);
    let entry = held.get(id);
    if (!entry) held.set(id, (entry = { kind, key, stale: [] }));
    return entry;
  };
  return {
    restricted: true,
    observer: {
      requireFresh: collector.requireFresh,
      stale(kind, key, ageMs, reason) {
        hold(kind, key).stale.push({ ageMs, reason });
      },
      fresh(kind, key, remainingMs) {
        if (!Number.isFinite(remainingMs)) return;
        const entry = hold(kind, key);
        const until = now() + Math.max(0, remainingMs);
        if (entry.freshUntil === undefined || until < entry.freshUntil) entry.freshUntil = until;
      },
    },
    canSee: (accountId) => guard.canSee(accountId),
    show(refs) {
      for (const ref of refs) {
        const id = refId(ref.kind, ref.key);
        const entry = held.get(id);
        if (!entry) continue;
        // Reported once: the same record shown again adds nothing.
        held.delete(id);
        for (const s of entry.stale) collector.stale(entry.kind, entry.key, s.ageMs, s.reason);
        if (entry.freshUntil !== undefined) collector.fresh?.(entry.kind, entry.key, entry.freshUntil - now());
      }
    },
  };
}
