import type { Index } from './types.js';

/** Equality indexes of the ORM's tables: a lone id is kept as a number, more ids as a Set. */

const EMPTY: ReadonlySet<number> = new Set<number>();

/** The key a stored value is indexed under: every empty value is `false`, as Odoo stores it. */
export const indexKey = (v: unknown): unknown => (v === undefined || v === null || v === '' ? false : v);

/** Adds an id under a key. */
export function indexAdd(index: Index, key: unknown, id: number): void {
  const cur = index.get(key);
  if (cur === undefined) index.set(key, id);
  else if (typeof cur === 'number') {
    if (cur !== id) index.set(key, new Set([cur, id]));
  } else cur.add(id);
}

/** Removes an id from a key. */
export function indexDelete(index: Index, key: unknown, id: number): void {
  const cur = index.get(key);
  if (cur === undefined) return;
  if (typeof cur === 'number') {
    if (cur === id) index.delete(key);
  } else {
    cur.delete(id);
    if (cur.size === 0) index.delete(key);
  }
}

/** The ids under a key (a Set shared with the index when there are several: do not mutate). */
export function indexGet(index: Index, key: unknown): ReadonlySet<number> {
  const cur = index.get(key);
  if (cur === undefined) return EMPTY;
  return typeof cur === 'number' ? new Set([cur]) : cur;
}
