import type DataLoader from 'dataloader';
import type { RecordKey, RecordKind } from '../cache/record-cache.js';
import type { Owner, RecordRef, RowFilter } from './row-filter.js';

/**
 * What resolvers read records through: DataLoader's reading half, answering only records the
 * principal may see (null otherwise, the answer for a record that does not exist).
 */
export interface RowLoader<K, V> {
  load(key: K): Promise<V | null>;
  /** In key order; an Error where that key's batch failed. */
  loadMany(keys: readonly K[]): Promise<(V | null | Error)[]>;
  /** Puts a record this request already holds into the loader (it is still filtered when read). */
  prime(key: K, value: V): void;
  clear(key: K): void;
  /** Checks a record read elsewhere (fresh, before a write): the record, or null when the principal may not see it. */
  admit(key: K, record: V | null): Promise<V | null>;
}

/**
 * How a customer-owned kind finds its owner: from the record (an order's partner), or from the
 * key alone (a list keyed by a partner id), which is then looked up while the record loads.
 */
export type OwnerRule<K, V> =
  | { kind: RecordKind; byKey(key: K): Owner | Promise<Owner> }
  | { kind: RecordKind; byRecord(record: V, key: K): Owner | Promise<Owner> };

/** Ownership found from the key (the record's own fields are not needed). */
export function ownedByKey<K, V>(kind: RecordKind, byKey: (key: K) => Owner | Promise<Owner>): OwnerRule<K, V> {
  return { kind, byKey };
}

/** Ownership found from the record's fields. */
export function ownedByRecord<K, V>(kind: RecordKind, byRecord: (record: V, key: K) => Owner | Promise<Owner>): OwnerRule<K, V> {
  return { kind, byRecord };
}

/** A loader whose every record is answered as it is (a class: nothing to make per request but the instance). */
class PassThrough<K, V> implements RowLoader<K, V> {
  constructor(private readonly raw: DataLoader<K, V | null>) {}
  load(key: K): Promise<V | null> {
    return this.raw.load(key);
  }
  loadMany(keys: readonly K[]): Promise<(V | null | Error)[]> {
    return this.raw.loadMany(keys);
  }
  prime(key: K, value: V): void {
    this.raw.prime(key, value);
  }
  clear(key: K): void {
    this.raw.clear(key);
  }
  admit(_key: K, record: V | null): Promise<V | null> {
    return Promise.resolve(record);
  }
}

function passThrough<K, V>(raw: DataLoader<K, V | null>): RowLoader<K, V> {
  return new PassThrough(raw);
}

/** Catalog data (products, stock, warehouses, sales reps): visible to every principal. */
export function sharedLoader<K, V>(raw: DataLoader<K, V | null>): RowLoader<K, V> {
  return passThrough(raw);
}

/**
 * A customer-owned kind read through the row filter. Unrestricted principals get the loader
 * itself (no lookup, the same batches). For a partner, a record is answered only when its owner
 * is one of the partner's customers; owner lookups go through DataLoaders, so they batch like
 * the records do.
 */
export function ownedLoader<K extends RecordKey, V>(rows: RowFilter, raw: DataLoader<K, V | null>, rule: OwnerRule<K, V>): RowLoader<K, V> {
  if (!rows.restricted) return passThrough(raw);
  const decide = async (key: K, record: V | null, keyOwner: Promise<Owner> | undefined): Promise<V | null> => {
    if (record === null || record === undefined) return null;
    const owner = keyOwner ? await keyOwner : await (rule as Extract<OwnerRule<K, V>, { byRecord: unknown }>).byRecord(record, key);
    if (!(await rows.canSee(owner.accountId))) return null;
    rows.show([{ kind: rule.kind, key }, ...owner.via]);
    return record;
  };
  const ownerOfKey = (key: K): Promise<Owner> | undefined => {
    if (!('byKey' in rule)) return undefined;
    const owner = Promise.resolve(rule.byKey(key));
    // Awaited only when the record exists; a failure then surfaces there.
    owner.catch(() => {});
    return owner;
  };
  const load = async (key: K) => {
    const keyOwner = ownerOfKey(key);
    return decide(key, await raw.load(key), keyOwner);
  };
  return {
    load,
    loadMany: (keys) => Promise.all(keys.map((key) => load(key).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))))),
    prime: (key, value) => void raw.prime(key, value),
    clear: (key) => void raw.clear(key),
    admit: (key, record) => decide(key, record, ownerOfKey(key)),
  };
}

/**
 * A list whose members belong to customers of their own (an order's invoices found by origin,
 * the tickets citing an order number). A restricted principal gets the members it may see; the
 * list's own cache reports are shown when one of them is.
 */
export function ownedMembers<K extends RecordKey, M>(rows: RowFilter, raw: DataLoader<K, M[] | null>, kind: RecordKind, ownerOf: (member: M) => Owner | Promise<Owner>): RowLoader<K, M[]> {
  if (!rows.restricted) return passThrough(raw);
  const keep = async (key: K, members: M[] | null): Promise<M[] | null> => {
    if (!members) return members;
    const owners = await Promise.all(members.map((m) => ownerOf(m)));
    const seen = await Promise.all(owners.map((o) => rows.canSee(o.accountId)));
    const shown = owners.filter((_o, i) => seen[i]);
    if (shown.length > 0) rows.show([{ kind, key } as RecordRef, ...shown.flatMap((o) => o.via)]);
    return members.filter((_m, i) => seen[i]);
  };
  const load = async (key: K) => keep(key, await raw.load(key));
  return {
    load,
    loadMany: (keys) => Promise.all(keys.map((key) => load(key).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))))),
    prime: (key, value) => void raw.prime(key, value),
    clear: (key) => void raw.clear(key),
    admit: keep,
  };
}
