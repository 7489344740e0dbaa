import { createHash } from 'node:crypto';
import { badInput } from '../../../platform/errors/graphql-errors.js';

/**
 * The one Relay paging codec of every connection (orders, invoices, cases, customers). Rules:
 * - `first` is an integer 1..100 (20 when absent); anything else is BAD_USER_INPUT `first`.
 * - A cursor names its list (a digest of the list's identity, such as `sale.order@<customer>`),
 *   the item's key and the item's position. A cursor that does not decode, or that belongs to
 *   another list, is BAD_USER_INPUT `after`, before any backend call.
 * - A page starts just after the cursor's item. When that item has left the list, it starts at
 *   the position the item had: nothing after it is skipped by its removal (items added before it
 *   since may show again). A list read page by page from the backend (customers) always starts
 *   at the cursor's position.
 */

/** Largest page a client may ask for. */
export const MAX_PAGE_SIZE = 100;
/** Page size when `first` is absent. */
export const DEFAULT_PAGE_SIZE = 20;

/** A decoded cursor: the key of the item and its position (0-based) when the cursor was made. */
export interface Cursor {
  key: string;
  index: number;
}

/** Checked paging arguments. */
export interface PageRequest {
  size: number;
  after: Cursor | null;
}

/** One page cut from a list held in memory. */
export interface Page<K> {
  keys: K[];
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

const CURSOR = /^([A-Za-z0-9_-]{11})\.(\d{1,9})\.([A-Za-z0-9_-]{1,64})$/;

/** The list's tag in its cursors: a digest, so that a cursor neither shows nor accepts another list's identity. */
function tag(list: string): string {
  return createHash('sha256').update(list).digest('base64url').slice(0, 11);
}

/** The cursor of the item with `key` at position `index` of `list`. */
export function encodeCursor(list: string, key: string | number, index: number): string {
  return Buffer.from(`${tag(list)}.${index}.${key}`, 'utf8').toString('base64url');
}

/** The cursor's item, or null when it is not a cursor of `list`. */
export function decodeCursor(list: string, cursor: string): Cursor | null {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const m = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || m[1] !== tag(list)) return null;
  return { key: m[3]!, index: Number(m[2]) };
}

/** Checks `first` and `after` of a connection over `list`; BAD_USER_INPUT names the one at fault. */
export function parsePage(list: string, first: number | null | undefined, after: string | null | undefined): PageRequest {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw badInput('first', `must be an integer between 1 and ${MAX_PAGE_SIZE}`);
  if (after === null || after === undefined) return { size, after: null };
  const cursor = typeof after === 'string' ? decodeCursor(list, after) : null;
  if (!cursor) throw badInput('after', 'is not a cursor of this list');
  return { size, after: cursor };
}

/** Where the page of a list read from the backend page by page starts (an offset). */
export function startOffset(request: PageRequest): number {
  return request.after ? request.after.index + 1 : 0;
}

/** Cuts the requested page out of a list held in memory (ids newest first). */
export function pageOf<K extends string | number>(list: string, keys: readonly K[], request: PageRequest): Page<K> {
  let start = 0;
  if (request.after) {
    const at = keys.findIndex((k) => String(k) === request.after!.key);
    start = at >= 0 ? at + 1 : Math.min(request.after.index, keys.length);
  }
  const slice = keys.slice(start, start + request.size);
  const cursors = slice.map((key, i) => encodeCursor(list, key, start + i));
  return { keys: slice, cursors, hasNextPage: start + slice.length < keys.length, endCursor: cursors.at(-1) ?? null, totalCount: keys.length };
}

/** The connection of a page whose nodes were loaded: edges keep the page's cursors, missing nodes are left out. */
export function connectionOf<K extends string | number, N>(page: Page<K>, nodes: readonly (N | null)[]) {
  const edges = nodes.flatMap((node, i) => (node === null ? [] : [{ cursor: page.cursors[i]!, node }]));
  return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor }, totalCount: page.totalCount };
}

/** The connection of a list with no rows. */
export function emptyConnection() {
  return { edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 };
}
