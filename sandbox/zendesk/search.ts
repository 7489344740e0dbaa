import { PRIORITY_ORDER, STATUS_ORDER, type ZdOrganization, type ZdTicket, type ZdUser } from './records.js';
import type { ZendeskWorld } from './world.js';

/**
 * The Zendesk search query language, as far as the sandbox needs it:
 * - `key:value`, `key<value`, `key>value`, `key<=value`, `key>=value`; values may be quoted (`key:"two words"`);
 * - `-key:value` and `-word` negate;
 * - bare words match the start of a word in the subject or description (`top` matches "Toppings", not "Desktop");
 *   a trailing `*` is a wildcard; `"a phrase"` matches the exact phrase;
 * - terms with different keywords combine with AND; the same keyword repeated with `:` combines with OR
 *   (`status:open status:pending`, `organization:1 organization:2`, `custom_field_X:a custom_field_X:b`);
 *   comparisons (`<`, `>`, `<=`, `>=`), negations and bare words each apply (AND);
 * - `type:ticket|user|organization` restricts the result types; `order_by:created|updated|priority|status|ticket_type`
 *   with `sort:asc|desc` orders them.
 */
export interface SearchTerm {
  negated: boolean;
  key: string | null;
  op: ':' | '<' | '>' | '<=' | '>=' | null;
  value: string;
  /** True for a quoted value or phrase. */
  quoted: boolean;
}

/** A parsed query. */
export interface ParsedQuery {
  types: Set<'ticket' | 'user' | 'organization'>;
  terms: SearchTerm[];
  orderBy: string | null;
  sortDescending: boolean | null;
}

const TERM = /^(-?)([A-Za-z_][A-Za-z0-9_]*)(<=|>=|:|<|>)(?:"([^"]*)"?|(\S*))/;
const PHRASE = /^(-?)"([^"]*)"?/;
const WORD = /^(-?)(\S+)/;

/** Splits a query into terms. Never throws: any text is a query. */
export function parseSearchQuery(query: string): ParsedQuery {
  const terms: SearchTerm[] = [];
  let rest = query.trim();
  while (rest.length > 0) {
    let m: RegExpExecArray | null;
    if ((m = TERM.exec(rest))) {
      const quoted = m[4] !== undefined;
      terms.push({ negated: m[1] === '-', key: m[2]!.toLowerCase(), op: m[3] as SearchTerm['op'], value: quoted ? m[4]! : m[5]!, quoted });
    } else if ((m = PHRASE.exec(rest))) {
      terms.push({ negated: m[1] === '-', key: null, op: null, value: m[2]!, quoted: true });
    } else {
      m = WORD.exec(rest)!;
      terms.push({ negated: m[1] === '-', key: null, op: null, value: m[2]!, quoted: false });
    }
    rest = rest.slice(m[0].length).trimStart();
  }
  const types = new Set<'ticket' | 'user' | 'organization'>();
  let orderBy: string | null = null;
  let sortDescending: boolean | null = null;
  const filters: SearchTerm[] = [];
  for (const term of terms) {
    if (term.key === 'type' && term.op === ':' && !term.negated) {
      const type = term.value.toLowerCase();
      if (type === 'ticket' || type === 'user' || type === 'organization') types.add(type);
      else types.add('none' as 'ticket'); // an unknown type matches nothing
    } else if (term.key === 'order_by' && term.op === ':') {
      orderBy = term.value.toLowerCase();
    } else if (term.key === 'sort' && term.op === ':') {
      sortDescending = term.value.toLowerCase() !== 'asc';
    } else if (term.value !== '' || term.quoted) {
      filters.push(term);
    }
  }
  return { types, terms: filters, orderBy, sortDescending };
}

const words = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}_@.]+/u).filter(Boolean);
const norm = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();

/** Free text: a phrase must appear as is; a word must start a word (a trailing `*` is the same prefix match). */
function textMatches(term: SearchTerm, haystack: string): boolean {
  if (term.quoted) {
    const phrase = norm(term.value);
    return phrase === '' || norm(haystack).includes(phrase);
  }
  const needle = term.value.toLowerCase().replace(/\*+$/, '');
  if (needle === '') return true;
  const hay = words(haystack);
  // A needle with separators (e.g. "S00042," or "a-b") matches when each of its parts starts a word, in order.
  const parts = words(needle);
  if (parts.length === 0) return norm(haystack).includes(needle);
  if (parts.length === 1) return hay.some((w) => w.startsWith(parts[0]!));
  return norm(haystack).includes(norm(needle));
}

const compare = (a: number, b: number, op: SearchTerm['op']) =>
  op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : op === '>=' ? a >= b : a === b;

function orderedMatch(order: readonly string[], actual: string | null, term: SearchTerm): boolean {
  const wanted = term.value.toLowerCase();
  if (term.op === ':') return (actual ?? 'none') === wanted || (wanted === 'none' && actual === null);
  const a = actual === null ? -1 : order.indexOf(actual);
  const b = order.indexOf(wanted);
  if (b === -1 || a === -1) return false;
  return compare(a, b, term.op);
}

/** Date comparisons: `created>2026-01-01`, `updated<2026-10-01T00:00:00Z`. */
function dateMatch(actual: string, term: SearchTerm): boolean {
  const wanted = Date.parse(term.value);
  if (Number.isNaN(wanted)) return false;
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(term.value);
  const value = Date.parse(actual);
  if (term.op === ':') return dayOnly ? actual.slice(0, 10) === term.value : value === wanted;
  return compare(value, wanted, term.op);
}

const idOrText = (value: string, id: number | null, ...texts: (string | null | undefined)[]) => {
  const v = value.toLowerCase();
  if (v === 'none') return id === null;
  if (/^\d+$/.test(v)) return id !== null && String(id) === v;
  return texts.some((t) => t !== null && t !== undefined && norm(t) === norm(value));
};

type Matcher<T> = (record: T, term: SearchTerm) => boolean | undefined;

function ticketMatcher(world: ZendeskWorld): Matcher<ZdTicket> {
  const user = (id: number | null) => (id === null ? undefined : world.users.get(id));
  return (t, term) => {
    const key = term.key!;
    if (key.startsWith('custom_field_')) {
      const fieldId = Number(key.slice('custom_field_'.length));
      const value = t.custom_fields.find((f) => f.id === fieldId)?.value;
      if (term.value.toLowerCase() === 'none') return value === null || value === undefined || value === '';
      return value !== null && value !== undefined && norm(String(value)) === norm(term.value);
    }
    switch (key) {
      case 'status':
        return orderedMatch(STATUS_ORDER, t.status, term);
      case 'priority':
        return orderedMatch(PRIORITY_ORDER, t.priority, term);
      case 'ticket_type':
        return (t.type ?? 'none') === term.value.toLowerCase();
      case 'organization': {
        const org = t.organization_id === null ? undefined : world.organizations.get(t.organization_id);
        return idOrText(term.value, t.organization_id, org?.name);
      }
      case 'requester':
      case 'submitter':
      case 'assignee': {
        const id = key === 'requester' ? t.requester_id : key === 'submitter' ? t.submitter_id : t.assignee_id;
        const u = user(id);
        return idOrText(term.value, id, u?.email, u?.name);
      }
      case 'tags':
      case 'tag':
        return term.value.toLowerCase() === 'none' ? t.tags.length === 0 : t.tags.includes(term.value.toLowerCase());
      case 'created':
        return dateMatch(t.created_at, term);
      case 'updated':
        return dateMatch(t.updated_at, term);
      case 'subject':
        return textMatches({ ...term, key: null }, t.subject ?? '');
      case 'description':
        return textMatches({ ...term, key: null }, t.description);
      case 'external_id':
        return (t.external_id ?? 'none') === term.value;
      case 'id':
        return String(t.id) === term.value;
      default:
        return undefined;
    }
  };
}

const orgMatcher: Matcher<ZdOrganization> = (o, term) => {
  switch (term.key) {
    case 'name':
      return textMatches({ ...term, key: null }, o.name);
    case 'external_id':
      return (o.external_id ?? 'none') === term.value;
    case 'tags':
    case 'tag':
      return o.tags.includes(term.value.toLowerCase());
    case 'created':
      return dateMatch(o.created_at, term);
    case 'updated':
      return dateMatch(o.updated_at, term);
    default:
      return undefined;
  }
};

function userMatcher(world: ZendeskWorld): Matcher<ZdUser> {
  return (u, term) => {
    switch (term.key) {
      case 'name':
        return textMatches({ ...term, key: null }, u.name);
      case 'email':
        return norm(u.email) === norm(term.value);
      case 'role':
        return u.role === term.value.toLowerCase();
      case 'organization': {
        const org = u.organization_id === null ? undefined : world.organizations.get(u.organization_id);
        return idOrText(term.value, u.organization_id, org?.name);
      }
      case 'external_id':
        return (u.external_id ?? 'none') === term.value;
      case 'created':
        return dateMatch(u.created_at, term);
      default:
        return undefined;
    }
  };
}

/** Whether a record matches every term group (an unknown keyword for the record's type matches nothing). */
function matches<T>(record: T, terms: SearchTerm[], matcher: Matcher<T>, text: (r: T) => string): boolean {
  const orGroups = new Map<string, boolean>();
  for (const term of terms) {
    let ok: boolean | undefined;
    if (term.key === null) ok = textMatches(term, text(record));
    else ok = matcher(record, term);
    if (ok === undefined) return false;
    if (term.negated) {
      if (ok) return false;
      continue;
    }
    if (term.key !== null && term.op === ':') {
      // Repeated keywords OR together: remember whether any value of this keyword matched.
      orGroups.set(term.key, (orGroups.get(term.key) ?? false) || ok);
      continue;
    }
    if (!ok) return false;
  }
  for (const ok of orGroups.values()) if (!ok) return false;
  return true;
}

/** Narrows the tickets to scan through the indexes when the query names an organization, requester or order number. */
function candidateTickets(world: ZendeskWorld, terms: SearchTerm[], orderFieldKey: string): Iterable<ZdTicket> {
  const positive = terms.filter((t) => !t.negated && t.op === ':');
  const byKey = (key: string) => positive.filter((t) => t.key === key);
  const collect = (ids: number[]) => [...new Set(ids)].sort((a, b) => a - b).map((id) => world.tickets.get(id)!).filter(Boolean);
  const orgTerms = byKey('organization');
  if (orgTerms.length > 0 && orgTerms.every((t) => /^\d+$/.test(t.value))) {
    return collect(orgTerms.flatMap((t) => world.ticketIdsByOrganization.get(Number(t.value)) ?? []));
  }
  const orderTerms = byKey(orderFieldKey);
  if (orderTerms.length > 0 && orderTerms.every((t) => t.value.toLowerCase() !== 'none')) {
    return collect(orderTerms.flatMap((t) => world.ticketIdsByOrderNumber.get(norm(t.value).toUpperCase()) ?? []));
  }
  const requesterTerms = byKey('requester');
  if (requesterTerms.length > 0 && requesterTerms.every((t) => t.value.toLowerCase() !== 'none')) {
    const ids = requesterTerms.flatMap((t) => {
      const user = /^\d+$/.test(t.value) ? world.users.get(Number(t.value)) : world.usersByEmail.get(t.value.toLowerCase());
      return user ? (world.ticketIdsByRequester.get(user.id) ?? []) : [];
    });
    if (ids.length > 0 || requesterTerms.every((t) => /^\d+$/.test(t.value) || t.value.includes('@'))) return collect(ids);
  }
  return world.tickets.values();
}

/** A search match: its `result_type` and record (the wire result is the record plus `result_type`). */
export type SearchMatch = { result_type: 'ticket'; record: ZdTicket } | { result_type: 'user'; record: ZdUser } | { result_type: 'organization'; record: ZdOrganization };

const SORT_FIELDS: Record<string, (t: ZdTicket) => string | number> = {
  created: (t) => t.created_at,
  created_at: (t) => t.created_at,
  updated: (t) => t.updated_at,
  updated_at: (t) => t.updated_at,
  priority: (t) => PRIORITY_ORDER.indexOf(t.priority ?? ('' as never)),
  status: (t) => STATUS_ORDER.indexOf(t.status),
  ticket_type: (t) => t.type ?? '',
};

/** Runs a query over the world; returns every match in result order (the caller pages and caps them). */
export function runSearch(
  world: ZendeskWorld,
  query: string,
  options: { orderFieldId: number; sortBy?: string | null; sortOrder?: string | null; filterType?: string | null },
): SearchMatch[] {
  const parsed = parseSearchQuery(query);
  if (options.filterType) parsed.types.add(options.filterType.toLowerCase() as 'ticket');
  const wants = (type: 'ticket' | 'user' | 'organization') => parsed.types.size === 0 || parsed.types.has(type);
  const results: SearchMatch[] = [];

  if (wants('ticket')) {
    const matcher = ticketMatcher(world);
    const found: ZdTicket[] = [];
    for (const t of candidateTickets(world, parsed.terms, `custom_field_${options.orderFieldId}`)) {
      if (matches(t, parsed.terms, matcher, (r) => `${r.subject ?? ''} ${r.description}`)) found.push(t);
    }
    // Default order: newest first (a stable stand-in for Zendesk's relevance).
    const field = SORT_FIELDS[parsed.orderBy ?? options.sortBy ?? 'created_at'] ?? SORT_FIELDS.created_at!;
    const descending = parsed.sortDescending ?? (options.sortOrder ? options.sortOrder !== 'asc' : true);
    const sign = descending ? -1 : 1;
    found.sort((a, b) => {
      const x = field(a);
      const y = field(b);
      return sign * (x < y ? -1 : x > y ? 1 : a.id - b.id);
    });
    for (const t of found) results.push({ result_type: 'ticket', record: t });
  }
  if (wants('user')) {
    const matcher = userMatcher(world);
    for (const u of world.users.values()) {
      if (matches(u, parsed.terms, matcher, (r) => `${r.name} ${r.email}`)) results.push({ result_type: 'user', record: u });
    }
  }
  if (wants('organization')) {
    for (const o of world.organizations.values()) {
      if (matches(o, parsed.terms, orgMatcher, (r) => `${r.name} ${r.details}`)) results.push({ result_type: 'organization', record: o });
    }
  }
  return results;
}
