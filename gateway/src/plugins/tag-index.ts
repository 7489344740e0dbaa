import { typeOfTag, WILDCARD } from './invalidation-ledger.js';

/**
 * Which cache keys hold which entity tags (`Order:42`, `Case:*`), and which hold some entity of a
 * type: what a tag invalidation must evict. Each key is indexed for one set of tags at a time.
 */
export class TagIndex {
  readonly #byTag = new Map<string, Set<string>>();
  readonly #byType = new Map<string, Set<string>>();
  /** The tags each key is indexed for, by the entry they came with. */
  readonly #indexed = new Map<string, { owner: object; tags: readonly string[] }>();

  /** Indexes `key` for the tags of `owner` (the stored entry), replacing what it was indexed for. */
  add(key: string, owner: object, tags: readonly string[]): void {
    const previous = this.#indexed.get(key);
    if (previous) this.remove(key, previous.owner);
    this.#indexed.set(key, { owner, tags });
    for (const tag of tags) {
      put(this.#byTag, tag, key);
      put(this.#byType, typeOfTag(tag), key);
    }
  }

  /** Forgets `key` if it is still indexed for `owner` (a replaced entry's disposal leaves its successor alone). */
  remove(key: string, owner: object): void {
    const current = this.#indexed.get(key);
    if (current?.owner !== owner) return;
    this.#indexed.delete(key);
    for (const tag of current.tags) {
      drop(this.#byTag, tag, key);
      drop(this.#byType, typeOfTag(tag), key);
    }
  }

  /**
   * The keys `tags` invalidate: for `Order:42` those holding it and those holding an Order without
   * its id (`Order:*`); for `Order:*` every key holding an Order.
   */
  keysFor(tags: readonly string[]): Set<string> {
    const keys = new Set<string>();
    for (const tag of tags) {
      const type = typeOfTag(tag);
      const wildcard = `${type}:${WILDCARD}`;
      if (tag === wildcard) {
        for (const key of this.#byType.get(type) ?? []) keys.add(key);
      } else {
        for (const key of this.#byTag.get(tag) ?? []) keys.add(key);
        for (const key of this.#byTag.get(wildcard) ?? []) keys.add(key);
      }
    }
    return keys;
  }
}

function put(index: Map<string, Set<string>>, name: string, key: string): void {
  let keys = index.get(name);
  if (!keys) index.set(name, (keys = new Set()));
  keys.add(key);
}

function drop(index: Map<string, Set<string>>, name: string, key: string): void {
  const keys = index.get(name);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(name);
}
