import { isIdType, isTextType, type SfObject } from './schema.js';

/** A stored record: canonical field names to values; `Id` is always the 18-character id. */
export type SfRecord = Record<string, unknown>;

/** Sees every stored change of a store, as it is made. */
export interface StoreObserver {
  created(object: string, record: SfRecord): void;
  /** A field of an existing record is about to change from `previous` to `value`. */
  changed(object: string, id: string, field: string, previous: unknown, value: unknown): void;
  deleted(object: string, record: SfRecord): void;
}

/**
 * The records of one sObject, in creation order, with equality indexes on the fields the
 * metadata marks `indexed` (so that by-id and by-parent reads never scan).
 */
export class ObjectStore {
  readonly sobject: SfObject;
  private readonly byId = new Map<string, SfRecord>();
  /** field name -> index key -> ids */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  /** Sees every change (set after the seeded records are loaded, so that loading is not a change). */
  observer: StoreObserver | undefined;

  constructor(sobject: SfObject) {
    this.sobject = sobject;
    for (const f of sobject.fields) if (f.indexed && f.name !== 'Id') this.indexes.set(f.name, new Map());
  }

  get size(): number {
    return this.byId.size;
  }

  /** Records in creation order (ids grow with creation, so this is also Id order). */
  all(): IterableIterator<SfRecord> {
    return this.byId.values();
  }

  get(id18: string): SfRecord | undefined {
    return this.byId.get(id18);
  }

  has(id18: string): boolean {
    return this.byId.has(id18);
  }

  /** Whether `field = value` can be answered from an index. */
  isIndexed(fieldName: string): boolean {
    return fieldName === 'Id' || this.indexes.has(fieldName);
  }

  /** Ids whose `field` equals `value` (case-insensitively for text), in creation order; undefined when not indexed. */
  lookup(fieldName: string, value: unknown): string[] | undefined {
    if (fieldName === 'Id') return typeof value === 'string' && this.byId.has(value) ? [value] : [];
    const index = this.indexes.get(fieldName);
    if (!index) return undefined;
    const ids = index.get(this.indexKey(fieldName, value));
    return ids ? [...ids] : [];
  }

  insert(record: SfRecord): void {
    const id = record.Id as string;
    this.byId.set(id, record);
    for (const [fieldName, index] of this.indexes) this.addToIndex(index, this.indexKey(fieldName, record[fieldName]), id);
    this.observer?.created(this.sobject.name, record);
  }

  /** Applies changed values, keeping the indexes right. */
  update(id: string, patch: SfRecord): SfRecord | undefined {
    const record = this.byId.get(id);
    if (!record) return undefined;
    for (const [fieldName, value] of Object.entries(patch)) {
      this.observer?.changed(this.sobject.name, id, fieldName, record[fieldName], value);
      const index = this.indexes.get(fieldName);
      if (index) {
        const oldKey = this.indexKey(fieldName, record[fieldName]);
        const set = index.get(oldKey);
        set?.delete(id);
        if (set && set.size === 0) index.delete(oldKey);
        this.addToIndex(index, this.indexKey(fieldName, value), id);
      }
      record[fieldName] = value;
    }
    return record;
  }

  delete(id: string): SfRecord | undefined {
    const record = this.byId.get(id);
    if (!record) return undefined;
    this.observer?.deleted(this.sobject.name, record);
    this.byId.delete(id);
    for (const [fieldName, index] of this.indexes) {
      const key = this.indexKey(fieldName, record[fieldName]);
      const set = index.get(key);
      set?.delete(id);
      if (set && set.size === 0) index.delete(key);
    }
    return record;
  }

  private addToIndex(index: Map<string, Set<string>>, key: string, id: string): void {
    let set = index.get(key);
    if (!set) index.set(key, (set = new Set()));
    set.add(id);
  }

  private indexKey(fieldName: string, value: unknown): string {
    if (value === null || value === undefined) return '\u0000null';
    const f = this.sobject.fieldsByLower.get(fieldName.toLowerCase());
    if (f && isTextType(f.type) && !isIdType(f.type)) return String(value).toLowerCase();
    return String(value);
  }
}
