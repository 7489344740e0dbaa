/**
 * Relay-style pages over an id list fetched from Odoo (newest first). Cursors name the last id
 * seen, so a page stays put when newer records are added before it.
 */

/** One page of ids and its paging facts. */
export interface IdPage<K> {
  ids: K[];
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

/** Largest page a client may ask for. */
export const MAX_PAGE_SIZE = 100;

/** Encodes a cursor for an id of a model. */
export function encodeCursor(model: string, id: number): string {
  return Buffer.from(`${model}:${id}`, 'utf8').toString('base64url');
}

/** Decodes a cursor of `model`, or null when it is not one. */
export function decodeCursor(model: string, cursor: string): number | null {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^(.+):([1-9]\d{0,15})$/.exec(text);
  if (!m || m[1] !== model) return null;
  const id = Number(m[2]);
  return Number.isSafeInteger(id) ? id : null;
}

/** Checked paging arguments. */
export interface PageArgs {
  size: number;
  afterId: number | null;
}

/** Checks `first` and `after` before any backend call; throws a RangeError naming the bad one. */
export function parsePageArgs(model: string, first: number | null | undefined, after: string | null | undefined): PageArgs {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) throw new RangeError(`first must be an integer between 0 and ${MAX_PAGE_SIZE}`);
  if (after === null || after === undefined) return { size, afterId: null };
  const afterId = decodeCursor(model, after);
  if (afterId === null) throw new RangeError('after is not a cursor of this list');
  return { size, afterId };
}

/**
 * Cuts a page out of `ids`. An `after` id no longer in the list is refused with a RangeError:
 * where its successors start is unknowable.
 */
export function pageOfIds(model: string, ids: readonly number[], args: PageArgs): IdPage<number> {
  let start = 0;
  if (args.afterId !== null) {
    const index = ids.indexOf(args.afterId);
    if (index < 0) throw new RangeError('after names a record no longer in this list');
    start = index + 1;
  }
  const slice = ids.slice(start, start + args.size);
  const cursors = slice.map((id) => encodeCursor(model, id));
  return { ids: slice, cursors, hasNextPage: start + args.size < ids.length, endCursor: cursors.at(-1) ?? null, totalCount: ids.length };
}
