import { createHash } from 'node:crypto';
import type { SandboxBackend, SandboxRequest, SandboxResponse } from '../common/server.js';
import type { WorldOptions } from '../world/skeleton.js';
import { ZENDESK_ORDER_NUMBER_FIELD_ID, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_OAUTH_TOKEN, ZENDESK_SANDBOX_TOKEN } from './credentials.js';
import { PaginationError, paginate, parseListSort, parsePageRequest, pageUrl, sortRecords, MAX_PAGE_SIZE } from './pagination.js';
import { PRIORITY_ORDER, STATUS_ORDER, TICKET_TYPES, type ZdComment, type ZdCustomFieldValue, type ZdTicket, type ZdTicketPriority, type ZdTicketStatus, type ZdTicketType } from './records.js';
import { runSearch } from './search.js';
import { buildZendeskWorld, type ZendeskWorld } from './world.js';

/** Settings of the Zendesk sandbox backend. */
export interface ZendeskBackendOptions extends WorldOptions {
  /** Accepted API user and token (basic `email/token:token`). */
  email?: string;
  apiToken?: string;
  /** Accepted OAuth bearer token. */
  oauthToken?: string;
  /** Idempotency keys are kept this long (default 2 hours, as Zendesk). */
  idempotencyTtlMs?: number;
  /** Requests per minute announced in `x-rate-limit` (default 700). */
  rateLimitPerMinute?: number;
  /** Wall clock, for idempotency-key expiry and the per-minute rate counter (tests inject a fake). */
  now?: () => number;
}

/** The Zendesk backend plus its current world (replaced on reset). */
export interface ZendeskBackend extends SandboxBackend {
  readonly world: ZendeskWorld;
}

const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' };
const SEARCH_RESULT_LIMIT = 1000;
const MAX_SHOW_MANY = 100;

type Reply = SandboxResponse;
const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({ status, headers: { ...JSON_TYPE, ...headers }, body });
const notFound = (): Reply => json(404, { error: 'RecordNotFound', description: 'Not found' });
const invalidEndpoint = (): Reply => json(404, { error: 'InvalidEndpoint', description: 'Not found' });
const badRequest = (error: string, description: string): Reply => json(400, { error, description });
type Details = Record<string, { description: string; error: string }[]>;
const recordInvalid = (details: Details): Reply => json(422, { error: 'RecordInvalid', description: 'Record validation errors', details });

/** A request body that could not be read as the JSON Zendesk expects. */
class BodyError extends Error {}

function readJsonBody(req: SandboxRequest): Record<string, unknown> {
  const text = req.body.toString('utf8');
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new BodyError('The request body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BodyError('The request body must be a JSON object');
  return value as Record<string, unknown>;
}

const idList = (raw: string | null): number[] =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^\d+$/.test(s))
    .map(Number);

const stableJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );

/** Creates the Zendesk Support API v2 backend for createSandboxServer(). */
export function createZendeskBackend(options: ZendeskBackendOptions = {}): ZendeskBackend {
  const email = (options.email ?? ZENDESK_SANDBOX_EMAIL).toLowerCase();
  const apiToken = options.apiToken ?? ZENDESK_SANDBOX_TOKEN;
  const oauthToken = options.oauthToken ?? ZENDESK_SANDBOX_OAUTH_TOKEN;
  const ttlMs = options.idempotencyTtlMs ?? 2 * 3600_000;
  const perMinute = options.rateLimitPerMinute ?? 700;
  const now = options.now ?? Date.now;
  const orderFieldId = ZENDESK_ORDER_NUMBER_FIELD_ID;

  let world = buildZendeskWorld(options);
  let idempotency = new Map<string, { hash: string; reply: Reply; expiresAt: number }>();
  let minuteStart = 0;
  let minuteCalls = 0;

  const expectedBasic = `${email}/token:${apiToken}`;
  const authenticated = (header: string | undefined): boolean => {
    if (!header) return false;
    const space = header.indexOf(' ');
    if (space < 0) return false;
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (scheme === 'bearer') return value === oauthToken;
    if (scheme !== 'basic') return false;
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const sep = decoded.indexOf('/token:');
    if (sep < 0) return false;
    return `${decoded.slice(0, sep).toLowerCase()}${decoded.slice(sep)}` === expectedBasic;
  };

  const rateHeaders = (): Record<string, string> => {
    const t = now();
    if (t - minuteStart >= 60_000) {
      minuteStart = t;
      minuteCalls = 0;
    }
    minuteCalls += 1;
    return { 'x-rate-limit': String(perMinute), 'x-rate-limit-remaining': String(Math.max(0, perMinute - minuteCalls)) };
  };

  // ---- tickets ----------------------------------------------------------------------------------

  const showTicket = (req: SandboxRequest, id: number): Reply => {
    const ticket = world.tickets.get(id);
    req.count('tickets.show', ticket ? 1 : 0);
    return ticket ? json(200, { ticket }) : notFound();
  };

  const showMany = <T>(req: SandboxRequest, operation: string, key: string, found: T[]): Reply => {
    req.count(operation, found.length);
    return json(200, { [key]: found, next_page: null, previous_page: null, count: found.length });
  };

  const listTickets = (req: SandboxRequest, operation: string, tickets: ZdTicket[], presorted: boolean): Reply => {
    const sort = parseListSort<ZdTicket>(req.query);
    const page = parsePageRequest(req.query);
    const sorted = presorted && !req.query.has('sort') && !req.query.has('sort_by') && !req.query.has('sort_order') ? tickets : sortRecords(tickets, sort);
    const { records, extra } = paginate(req, sorted, sort, page);
    req.count(operation, records.length);
    return json(200, { tickets: records, ...extra });
  };

  const listComments = (req: SandboxRequest, ticketId: number): Reply => {
    const ticket = world.tickets.get(ticketId);
    if (!ticket) {
      req.count('tickets.comments', 0);
      return notFound();
    }
    const sort = parseListSort<ZdComment & { updated_at: string }>(req.query);
    const page = parsePageRequest(req.query);
    const comments = world.commentsOf(ticketId).map((c) => ({ ...c, updated_at: c.created_at }));
    const { records, extra } = paginate(req, sortRecords(comments, sort), sort, page);
    req.count('tickets.comments', records.length);
    return json(200, { comments: records.map(({ updated_at: _u, ...c }) => c), ...extra });
  };

  /** Reads `custom_fields: [{id, value}]`; unknown field ids are ignored, as Zendesk does. */
  const readCustomFields = (raw: unknown, details: Details, current: ZdCustomFieldValue[] = []): ZdCustomFieldValue[] => {
    const fields = current.map((f) => ({ ...f }));
    if (raw === undefined) return fields;
    if (!Array.isArray(raw)) {
      details.custom_fields = [{ description: 'Custom fields: must be an array of {id, value}', error: 'InvalidValue' }];
      return fields;
    }
    for (const entry of raw) {
      const id = Number((entry as { id?: unknown })?.id);
      const value = (entry as { value?: unknown })?.value;
      if (id !== orderFieldId) continue;
      if (value !== null && typeof value !== 'string' && typeof value !== 'number') {
        details.custom_fields = [{ description: `Custom field ${id}: value must be text`, error: 'InvalidValue' }];
        continue;
      }
      const existing = fields.find((f) => f.id === id);
      const text = value === null || value === '' ? null : String(value);
      if (existing) existing.value = text;
      else fields.push({ id, value: text });
    }
    return fields;
  };

  const readEnum = <T extends string>(raw: unknown, allowed: readonly T[], field: string, label: string, details: Details): T | null | undefined => {
    if (raw === undefined) return undefined;
    if (raw === null || raw === '') return null;
    if (typeof raw === 'string' && (allowed as readonly string[]).includes(raw.toLowerCase())) return raw.toLowerCase() as T;
    details[field] = [{ description: `${label}: ${String(raw)} is not valid`, error: 'InvalidValue' }];
    return undefined;
  };

  const readTags = (raw: unknown, details: Details): string[] | undefined => {
    if (raw === undefined) return undefined;
    if (!Array.isArray(raw) || raw.some((t) => typeof t !== 'string')) {
      details.tags = [{ description: 'Tags: must be an array of strings', error: 'InvalidValue' }];
      return undefined;
    }
    return [...new Set((raw as string[]).map((t) => t.trim().toLowerCase().replace(/\s+/g, '_')).filter(Boolean))];
  };

  const readComment = (raw: unknown, details: Details): { body: string; isPublic: boolean } | undefined => {
    if (raw === undefined || raw === null) return undefined;
    const c = raw as { body?: unknown; html_body?: unknown; public?: unknown };
    const body = typeof c.body === 'string' ? c.body : typeof c.html_body === 'string' ? c.html_body.replace(/<[^>]*>/g, '') : '';
    if (typeof raw !== 'object' || body.trim() === '') {
      details.comment = [{ description: 'Comment: body cannot be blank', error: 'BlankValue' }];
      return undefined;
    }
    if (c.public !== undefined && typeof c.public !== 'boolean') {
      details.comment = [{ description: 'Comment: public must be true or false', error: 'InvalidValue' }];
      return undefined;
    }
    return { body, isPublic: c.public !== false };
  };

  const audit = (ticket: ZdTicket, comment: ZdComment | null, events: Record<string, unknown>[]) => ({
    id: comment ? comment.audit_id : ticket.id * 1000 + 999,
    ticket_id: ticket.id,
    created_at: ticket.updated_at,
    author_id: world.apiUser.id,
    metadata: { system: {}, custom: {} },
    events: [
      ...(comment
        ? [{ id: comment.id, type: 'Comment', author_id: comment.author_id, body: comment.body, html_body: comment.html_body, plain_body: comment.plain_body, public: comment.public, attachments: [], audit_id: comment.audit_id }]
        : []),
      ...events,
    ],
    via: { channel: 'api', source: { from: {}, to: {}, rel: null } },
  });

  const createTicket = (req: SandboxRequest): Reply => {
    const key = req.headers['idempotency-key'];
    const idempotencyKey = Array.isArray(key) ? key[0] : key;
    const body = readJsonBody(req);
    const hash = createHash('sha256').update(stableJson(body)).digest('hex');
    if (idempotencyKey) {
      const seen = idempotency.get(idempotencyKey);
      if (seen && seen.expiresAt <= now()) idempotency.delete(idempotencyKey);
      else if (seen) {
        req.count('tickets.create', 0);
        if (seen.hash !== hash) {
          return json(400, { error: 'IdempotentRequestError', description: 'The request body does not match the original request made with this Idempotency-Key' }, { 'x-idempotency-lookup': 'hit' });
        }
        return { ...seen.reply, headers: { ...seen.reply.headers, 'x-idempotency-lookup': 'hit' } };
      }
    }
    const reply = validateAndCreate(req, body);
    if (idempotencyKey && reply.status === 201) idempotency.set(idempotencyKey, { hash, reply, expiresAt: now() + ttlMs });
    return idempotencyKey ? { ...reply, headers: { ...reply.headers, 'x-idempotency-lookup': 'miss' } } : reply;
  };

  const validateAndCreate = (req: SandboxRequest, body: Record<string, unknown>): Reply => {
    const raw = body.ticket as Record<string, unknown> | undefined;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      req.count('tickets.create', 0);
      return badRequest('ParameterMissing', 'param is missing or the value is empty: ticket');
    }
    const details: Details = {};
    const comment = readComment(raw.comment, details);
    if (!comment && !details.comment) details.description = [{ description: 'Description: cannot be blank', error: 'BlankValue' }];
    const priority = readEnum<ZdTicketPriority>(raw.priority, PRIORITY_ORDER, 'priority', 'Priority', details);
    const type = readEnum<ZdTicketType>(raw.type, TICKET_TYPES, 'type', 'Type', details);
    let status = readEnum<ZdTicketStatus>(raw.status, STATUS_ORDER, 'status', 'Status', details);
    if (status === 'closed') {
      details.status = [{ description: 'Status: closed is not valid for a new ticket', error: 'InvalidValue' }];
      status = undefined;
    }
    const tags = readTags(raw.tags, details);
    const customFields = readCustomFields(raw.custom_fields, details, [{ id: orderFieldId, value: null }]);
    if (raw.subject !== undefined && raw.subject !== null && typeof raw.subject !== 'string') details.subject = [{ description: 'Subject: must be text', error: 'InvalidValue' }];

    let organizationId: number | null = null;
    if (raw.organization_id !== undefined && raw.organization_id !== null) {
      const id = Number(raw.organization_id);
      if (!world.organizations.has(id)) details.organization_id = [{ description: `Organization: ${String(raw.organization_id)} does not exist`, error: 'InvalidValue' }];
      else organizationId = id;
    }
    let requesterId = world.apiUser.id;
    let newRequester: { name: string; email: string } | null = null;
    if (raw.requester_id !== undefined && raw.requester_id !== null) {
      const user = world.users.get(Number(raw.requester_id));
      if (!user) details.requester = [{ description: `Requester: ${String(raw.requester_id)} does not exist`, error: 'InvalidValue' }];
      else requesterId = user.id;
    } else if (raw.requester !== undefined) {
      const r = raw.requester as { name?: unknown; email?: unknown } | null;
      const mail = typeof r?.email === 'string' ? r.email.trim() : '';
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(mail)) details.requester = [{ description: 'Requester: email is invalid', error: 'InvalidValue' }];
      else {
        const existing = world.usersByEmail.get(mail.toLowerCase());
        if (existing) requesterId = existing.id;
        else newRequester = { name: typeof r?.name === 'string' && r.name.trim() ? r.name.trim() : mail.split('@')[0]!, email: mail };
      }
    }
    let assigneeId: number | null = null;
    if (raw.assignee_id !== undefined && raw.assignee_id !== null) {
      const agent = world.users.get(Number(raw.assignee_id));
      if (!agent || agent.role === 'end-user') details.assignee_id = [{ description: `Assignee: ${String(raw.assignee_id)} is not an agent`, error: 'InvalidValue' }];
      else assigneeId = agent.id;
    }
    if (Object.keys(details).length > 0 || !comment) {
      req.count('tickets.create', 0);
      return recordInvalid(details);
    }
    if (newRequester) requesterId = world.insertUser(newRequester.name, newRequester.email, organizationId).id;
    if (organizationId === null) organizationId = world.users.get(requesterId)?.organization_id ?? null;
    const { ticket, comment: first } = world.insertTicket({
      subject: typeof raw.subject === 'string' && raw.subject.trim() ? raw.subject : null,
      body: comment.body,
      isPublic: comment.isPublic,
      requesterId,
      submitterId: world.apiUser.id,
      organizationId,
      priority: priority ?? null,
      type: type ?? null,
      status: status ?? (assigneeId !== null ? 'open' : 'new'),
      externalId: typeof raw.external_id === 'string' ? raw.external_id : null,
      tags: tags ?? [],
      customFields,
      assigneeId,
    });
    req.count('tickets.create', 1);
    const events = [
      { id: first.audit_id * 10 + 1, type: 'Create', field_name: 'status', value: ticket.status },
      { id: first.audit_id * 10 + 2, type: 'Create', field_name: 'subject', value: ticket.subject },
    ];
    return json(201, { ticket, audit: audit(ticket, first, events) }, { Location: ticket.url });
  };

  const updateTicket = (req: SandboxRequest, id: number): Reply => {
    const body = readJsonBody(req);
    const ticket = world.tickets.get(id);
    if (!ticket) {
      req.count('tickets.update', 0);
      return notFound();
    }
    const raw = body.ticket as Record<string, unknown> | undefined;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      req.count('tickets.update', 0);
      return badRequest('ParameterMissing', 'param is missing or the value is empty: ticket');
    }
    if (ticket.status === 'closed') {
      req.count('tickets.update', 0);
      return recordInvalid({ status: [{ description: 'Status: closed prevents ticket update', error: 'ClosedPreventsUpdate' }] });
    }
    const details: Details = {};
    const comment = readComment(raw.comment, details);
    const priority = readEnum<ZdTicketPriority>(raw.priority, PRIORITY_ORDER, 'priority', 'Priority', details);
    const type = readEnum<ZdTicketType>(raw.type, TICKET_TYPES, 'type', 'Type', details);
    const status = readEnum<ZdTicketStatus>(raw.status, STATUS_ORDER, 'status', 'Status', details);
    if (status === 'closed') details.status = [{ description: 'Status: closed cannot be set through the API; solve the ticket instead', error: 'InvalidValue' }];
    if (raw.status === null) details.status = [{ description: 'Status: cannot be blank', error: 'BlankValue' }];
    const tags = readTags(raw.tags, details);
    const customFields = readCustomFields(raw.custom_fields, details, ticket.custom_fields);
    if (Object.keys(details).length > 0) {
      req.count('tickets.update', 0);
      return recordInvalid(details);
    }
    const events: Record<string, unknown>[] = [];
    const change = <K extends keyof ZdTicket>(field: K, value: ZdTicket[K] | undefined) => {
      if (value === undefined || ticket[field] === value) return;
      events.push({ id: ticket.id * 10_000 + events.length, type: 'Change', field_name: field, value, previous_value: ticket[field] });
      ticket[field] = value;
    };
    change('priority', priority);
    change('type', type);
    change('status', status ?? undefined);
    if (typeof raw.subject === 'string' && raw.subject.trim()) {
      change('subject', raw.subject);
      ticket.raw_subject = ticket.subject;
    }
    if (tags) ticket.tags = tags;
    if (raw.custom_fields !== undefined) {
      ticket.custom_fields = customFields;
      ticket.fields = customFields.map((f) => ({ ...f }));
    }
    let added: ZdComment | null = null;
    if (comment) {
      const author = typeof (raw.comment as { author_id?: unknown }).author_id === 'number' ? (raw.comment as { author_id: number }).author_id : world.apiUser.id;
      added = world.appendComment(ticket, comment.body, comment.isPublic, world.users.has(author) ? author : world.apiUser.id);
    } else {
      ticket.updated_at = world.tick();
    }
    req.count('tickets.update', 1);
    return json(200, { ticket, audit: audit(ticket, added, events) });
  };

  // ---- search -----------------------------------------------------------------------------------

  const search = (req: SandboxRequest, countOnly: boolean): Reply => {
    const query = req.query.get('query');
    if (query === null || query.trim() === '') {
      req.count(countOnly ? 'search.count' : 'search.query', 0);
      return badRequest('InvalidSearchQuery', 'The query parameter is required');
    }
    const matches = runSearch(world, query, {
      orderFieldId,
      sortBy: req.query.get('sort_by'),
      sortOrder: req.query.get('sort_order'),
      filterType: req.query.get('filter[type]'),
    });
    if (countOnly) {
      req.count('search.count', 0);
      return json(200, { count: matches.length });
    }
    const page = Number(req.query.get('page') ?? '1');
    const perPage = Math.min(MAX_PAGE_SIZE, Number(req.query.get('per_page') ?? String(MAX_PAGE_SIZE)));
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(perPage) || perPage < 1) {
      req.count('search.query', 0);
      return badRequest('InvalidPaginationParameter', 'page and per_page must be positive integers');
    }
    const start = (page - 1) * perPage;
    if (start >= SEARCH_RESULT_LIMIT) {
      req.count('search.query', 0);
      return json(422, { error: 'InvalidPaginationParameter', description: `Search results are limited to ${SEARCH_RESULT_LIMIT} records; narrow the query instead of paging further` });
    }
    const reachable = Math.min(matches.length, SEARCH_RESULT_LIMIT);
    const results = matches.slice(start, Math.min(start + perPage, reachable)).map((m) => ({ ...m.record, result_type: m.result_type }));
    req.count('search.query', results.length);
    return json(200, {
      results,
      facets: null,
      next_page: start + perPage < reachable ? pageUrl(req, { page: String(page + 1), per_page: String(perPage) }) : null,
      previous_page: page > 1 ? pageUrl(req, { page: String(page - 1), per_page: String(perPage) }) : null,
      count: matches.length,
    });
  };

  // ---- routing ----------------------------------------------------------------------------------

  const route = (req: SandboxRequest, parts: string[]): Reply => {
    const [resource, second, third] = parts;
    const isId = (s: string | undefined) => s !== undefined && /^\d+$/.test(s);
    const method = req.method;
    if (resource === 'tickets') {
      if (parts.length === 1 && method === 'GET') return listTickets(req, 'tickets.list', [...world.tickets.values()], true);
      if (parts.length === 1 && method === 'POST') return createTicket(req);
      if (parts.length === 2 && second === 'show_many' && method === 'GET') {
        const ids = idList(req.query.get('ids'));
        if (ids.length > MAX_SHOW_MANY) return badRequest('InvalidValue', `ids: at most ${MAX_SHOW_MANY} ids at a time`);
        return showMany(req, 'tickets.show_many', 'tickets', ids.map((id) => world.tickets.get(id)).filter((t): t is ZdTicket => !!t));
      }
      if (parts.length === 2 && isId(second) && method === 'GET') return showTicket(req, Number(second));
      if (parts.length === 2 && isId(second) && method === 'PUT') return updateTicket(req, Number(second));
      if (parts.length === 3 && isId(second) && third === 'comments' && method === 'GET') return listComments(req, Number(second));
    }
    if (resource === 'organizations' && method === 'GET') {
      if (parts.length === 1) {
        const sort = parseListSort<{ id: number; created_at: string; updated_at: string }>(req.query);
        const { records, extra } = paginate(req, sortRecords([...world.organizations.values()], sort), sort, parsePageRequest(req.query));
        req.count('organizations.list', records.length);
        return json(200, { organizations: records, ...extra });
      }
      if (parts.length === 2 && second === 'show_many') {
        const ids = idList(req.query.get('ids'));
        const externalIds = (req.query.get('external_ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        if (ids.length + externalIds.length > MAX_SHOW_MANY) return badRequest('InvalidValue', `ids: at most ${MAX_SHOW_MANY} ids at a time`);
        const found = [...ids.map((id) => world.organizations.get(id)), ...externalIds.map((x) => world.organizationsByExternalId.get(x))];
        return showMany(req, 'organizations.show_many', 'organizations', found.filter((o) => !!o));
      }
      if (parts.length === 2 && second === 'search') {
        const externalId = req.query.get('external_id');
        const name = req.query.get('name');
        if (externalId === null && name === null) return badRequest('InvalidParameter', 'external_id or name is required');
        const found = externalId !== null
          ? [world.organizationsByExternalId.get(externalId)].filter((o) => !!o)
          : [...world.organizations.values()].filter((o) => o.name.toLowerCase() === name!.toLowerCase());
        req.count('organizations.search', found.length);
        return json(200, { organizations: found, next_page: null, previous_page: null, count: found.length });
      }
      if (parts.length === 2 && isId(second)) {
        const org = world.organizations.get(Number(second));
        req.count('organizations.show', org ? 1 : 0);
        return org ? json(200, { organization: org }) : notFound();
      }
      if (parts.length === 3 && isId(second) && third === 'tickets') {
        const orgId = Number(second);
        if (!world.organizations.has(orgId)) {
          req.count('organizations.tickets', 0);
          return notFound();
        }
        const tickets = (world.ticketIdsByOrganization.get(orgId) ?? []).map((id) => world.tickets.get(id)!);
        return listTickets(req, 'organizations.tickets', tickets, true);
      }
    }
    if (resource === 'users' && method === 'GET') {
      if (parts.length === 2 && second === 'me') {
        req.count('users.me', 1);
        return json(200, { user: world.apiUser });
      }
      if (parts.length === 2 && second === 'show_many') {
        const ids = idList(req.query.get('ids'));
        if (ids.length > MAX_SHOW_MANY) return badRequest('InvalidValue', `ids: at most ${MAX_SHOW_MANY} ids at a time`);
        return showMany(req, 'users.show_many', 'users', ids.map((id) => world.users.get(id)).filter((u) => !!u));
      }
      if (parts.length === 2 && isId(second)) {
        const user = world.users.get(Number(second));
        req.count('users.show', user ? 1 : 0);
        return user ? json(200, { user }) : notFound();
      }
    }
    if (resource === 'ticket_fields' && parts.length === 1 && method === 'GET') {
      req.count('ticket_fields.list', world.ticketFields.length);
      return json(200, { ticket_fields: world.ticketFields, next_page: null, previous_page: null, count: world.ticketFields.length });
    }
    if (resource === 'search' && method === 'GET') {
      if (parts.length === 1) return search(req, false);
      if (parts.length === 2 && second === 'count') return search(req, true);
    }
    return invalidEndpoint();
  };

  const backend: ZendeskBackend = {
    name: 'zendesk',
    get world() {
      return world;
    },
    isApiCall: (req) => req.path.startsWith('/api/v2/') || req.path === '/api/v2',
    handle(req) {
      if (!backend.isApiCall!(req)) return invalidEndpoint();
      if (!authenticated(req.headers.authorization)) return json(401, { error: "Couldn't authenticate you" });
      const headers = rateHeaders();
      const path = req.path.slice('/api/v2/'.length).replace(/\.json$/, '').replace(/\/+$/, '');
      const parts = path.split('/').filter(Boolean);
      let reply: Reply;
      try {
        reply = route(req, parts);
      } catch (err) {
        if (err instanceof BodyError) reply = badRequest('InvalidJSON', err.message);
        else if (err instanceof PaginationError) reply = badRequest('InvalidPaginationParameter', err.message);
        else throw err;
      }
      return { ...reply, headers: { ...headers, ...reply.headers } };
    },
    reset() {
      world = buildZendeskWorld(options);
      idempotency = new Map();
    },
    serverError: () => json(500, { error: 'InternalServerError', description: 'Something went wrong on our side. Please try again.' }),
    rateLimited: (_req, retryAfterSeconds) =>
      json(
        429,
        { error: 'TooManyRequests', description: 'Number of allowed API requests per minute exceeded' },
        { 'Retry-After': String(retryAfterSeconds), 'x-rate-limit': String(perMinute), 'x-rate-limit-remaining': '0' },
      ),
  };
  return backend;
}
