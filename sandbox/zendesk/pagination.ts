import type { SandboxRequest } from '../common/server.js';

/** Zendesk's caps: 100 records a page; offset pagination stops at 10,000 records. */
export const MAX_PAGE_SIZE = 100;
export const OFFSET_RECORD_LIMIT = 10_000;

/** A list request: cursor (`page[size]`, `page[after]`, `page[before]`) or offset (`page`, `per_page`). */
export type PageRequest =
  | { mode: 'cursor'; size: number; after: string | null; before: string | null }
  | { mode: 'offset'; page: number; perPage: number };

/** A sort key of a record: the sorted value, then the id as tie-breaker. */
export type SortKey = [string | number, number];

/** What a list endpoint sorts by. */
export interface ListSort<T> {
  key(record: T): SortKey;
  descending: boolean;
}

/** The error answer Zendesk gives to bad paging parameters. */
export class PaginationError extends Error {
  constructor(message: string) {
    super(message);
  }
}

const positiveInt = (raw: string | null, name: string): number | null => {
  if (raw === null || raw === '') return null;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new PaginationError(`${name} must be a positive integer`);
  return Number(raw);
};

/** Reads the paging parameters of a list request. */
export function parsePageRequest(query: URLSearchParams): PageRequest {
  const size = query.get('page[size]');
  const after = query.get('page[after]');
  const before = query.get('page[before]');
  if (size !== null || after !== null || before !== null) {
    const n = positiveInt(size, 'page[size]') ?? MAX_PAGE_SIZE;
    if (n > MAX_PAGE_SIZE) throw new PaginationError(`page[size] must be less than or equal to ${MAX_PAGE_SIZE}`);
    return { mode: 'cursor', size: n, after: after || null, before: before || null };
  }
  const rawPage = query.get('page');
  const page = positiveInt(rawPage, 'page') ?? 1;
  const perPage = Math.min(MAX_PAGE_SIZE, positiveInt(query.get('per_page'), 'per_page') ?? MAX_PAGE_SIZE);
  if ((page - 1) * perPage >= OFFSET_RECORD_LIMIT) {
    throw new PaginationError(`Offset pagination is limited to the first ${OFFSET_RECORD_LIMIT} records; use cursor pagination (page[size]) instead`);
  }
  return { mode: 'offset', page, perPage };
}

/** Reads `sort` (cursor: `created_at`, `-updated_at`, ...) or `sort_by`/`sort_order` (offset) for a record list. */
export function parseListSort<T extends { id: number; created_at: string; updated_at: string }>(query: URLSearchParams, defaultDescending = false): ListSort<T> {
  let field = 'id';
  let descending = defaultDescending;
  const sort = query.get('sort');
  if (sort) {
    descending = sort.startsWith('-');
    field = sort.replace(/^-/, '');
  } else if (query.get('sort_by')) {
    field = query.get('sort_by')!;
    const order = query.get('sort_order');
    if (order) descending = order === 'desc';
  } else if (query.get('sort_order')) {
    descending = query.get('sort_order') === 'desc';
  }
  switch (field) {
    case 'id':
      return { key: (r) => [r.id, r.id], descending };
    case 'created_at':
      return { key: (r) => [r.created_at, r.id], descending };
    case 'updated_at':
      return { key: (r) => [r.updated_at, r.id], descending };
    default:
      throw new PaginationError(`sort must be one of id, created_at, updated_at (optionally prefixed with -), got "${field}"`);
  }
}

const compareKeys = (a: SortKey, b: SortKey): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]);

/** Sorts records by a list sort. */
export function sortRecords<T>(records: readonly T[], sort: ListSort<T>): T[] {
  const sign = sort.descending ? -1 : 1;
  return [...records].sort((a, b) => sign * compareKeys(sort.key(a), sort.key(b)));
}

const encodeCursor = (key: SortKey) => Buffer.from(JSON.stringify(key)).toString('base64url');
const decodeCursor = (cursor: string): SortKey => {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === 2 && (typeof key[0] === 'string' || typeof key[0] === 'number') && typeof key[1] === 'number') return key as SortKey;
  } catch {
    // fall through
  }
  throw new PaginationError('page[after] or page[before] is not a valid cursor');
};

/** The absolute URL of the same list with other paging parameters (links must be absolute: clients follow them as is). */
export function pageUrl(req: SandboxRequest, params: Record<string, string>): string {
  const query = new URLSearchParams();
  for (const [key, value] of req.query) {
    if (key === 'page' || key === 'per_page' || key.startsWith('page[')) continue;
    query.append(key, value);
  }
  for (const [key, value] of Object.entries(params)) query.set(key, value);
  const host = req.headers.host ?? '127.0.0.1';
  return `http://${host}${req.path}?${query.toString()}`;
}

/** One page of a sorted list and the paging members Zendesk adds next to it. */
export function paginate<T>(req: SandboxRequest, sorted: readonly T[], sort: ListSort<T>, page: PageRequest): { records: T[]; extra: Record<string, unknown> } {
  if (page.mode === 'offset') {
    const start = (page.page - 1) * page.perPage;
    const records = sorted.slice(start, start + page.perPage);
    const hasNext = start + page.perPage < sorted.length && start + page.perPage < OFFSET_RECORD_LIMIT;
    return {
      records,
      extra: {
        next_page: hasNext ? pageUrl(req, { page: String(page.page + 1), per_page: String(page.perPage) }) : null,
        previous_page: page.page > 1 ? pageUrl(req, { page: String(page.page - 1), per_page: String(page.perPage) }) : null,
        count: sorted.length,
      },
    };
  }
  const sign = sort.descending ? -1 : 1;
  let records: T[];
  let more: boolean;
  if (page.before) {
    const bound = decodeCursor(page.before);
    const end = sorted.findIndex((r) => sign * compareKeys(sort.key(r), bound) >= 0);
    const stop = end === -1 ? sorted.length : end;
    records = sorted.slice(Math.max(0, stop - page.size), stop);
    more = stop - page.size > 0;
  } else {
    let start = 0;
    if (page.after) {
      const bound = decodeCursor(page.after);
      start = sorted.findIndex((r) => sign * compareKeys(sort.key(r), bound) > 0);
      if (start === -1) start = sorted.length;
    }
    records = sorted.slice(start, start + page.size);
    more = start + page.size < sorted.length;
  }
  if (records.length === 0) {
    // Past the end: Zendesk answers an empty page whose links are null.
    return { records, extra: { meta: { has_more: false, after_cursor: null, before_cursor: null }, links: { prev: null, next: null } } };
  }
  const afterCursor = encodeCursor(sort.key(records[records.length - 1]!));
  const beforeCursor = encodeCursor(sort.key(records[0]!));
  const size = String(page.size);
  return {
    records,
    extra: {
      // The last non-empty page still links to a next page (which is empty): Zendesk does so, and clients must stop on has_more.
      meta: { has_more: more, after_cursor: afterCursor, before_cursor: beforeCursor },
      links: {
        prev: pageUrl(req, { 'page[size]': size, 'page[before]': beforeCursor }),
        next: pageUrl(req, { 'page[size]': size, 'page[after]': afterCursor }),
      },
    },
  };
}
