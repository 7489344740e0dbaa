import { ChangeLog } from '../common/changes.js';
import type { SandboxBackend, SandboxRequest } from '../common/server.js';
import type { WorldOptions } from '../world/skeleton.js';
import { ZENDESK_ORDER_NUMBER_FIELD_ID, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_OAUTH_TOKEN, ZENDESK_SANDBOX_TOKEN } from './credentials.js';
import { PaginationError, paginate, parseListSort, parsePageRequest, pageUrl, sortRecords, MAX_PAGE_SIZE } from './pagination.js';
import type { ZdComment, ZdTicket } from './records.js';
import { BodyError, badRequest, invalidEndpoint, json, notFound, readJsonBody, type Reply } from './replies.js';
import { createZendeskFeeds, type ZendeskFeedOptions } from './feeds.js';
import { runSearch } from './search.js';
import { createTicketWrites } from './ticket-writes.js';
import type { ZendeskWebhookFeed } from './webhook-feed.js';
import type { WebhookStore } from './webhook-store.js';
import { buildZendeskWorld, type ZendeskWorld } from './world.js';

/** Settings of the Zendesk sandbox backend. */
export interface ZendeskBackendOptions extends WorldOptions, ZendeskFeedOptions {
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
  readonly changes: ChangeLog;
  /** The webhook feed (its `idle()` resolves once every queued request is sent). */
  readonly webhooks: ZendeskWebhookFeed;
  /** The account's webhooks. */
  readonly webhookStore: WebhookStore;
}

const SEARCH_RESULT_LIMIT = 1000;
const MAX_SHOW_MANY = 100;

const idList = (raw: string | null): number[] =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^\d+$/.test(s))
    .map(Number);

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
  const changes = new ChangeLog({ entityKey: 'object', ...options.changeRetention });
  const writes = createTicketWrites({ world: () => world, now, ttlMs, log: changes });
  const feeds = createZendeskFeeds(() => world, changes, writes, options);
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
      if (parts.length === 1 && method === 'POST') return writes.createTicket(req);
      if (parts.length === 2 && second === 'show_many' && method === 'GET') {
        const ids = idList(req.query.get('ids'));
        if (ids.length > MAX_SHOW_MANY) return badRequest('InvalidValue', `ids: at most ${MAX_SHOW_MANY} ids at a time`);
        return showMany(req, 'tickets.show_many', 'tickets', ids.map((id) => world.tickets.get(id)).filter((t): t is ZdTicket => !!t));
      }
      if (parts.length === 2 && isId(second) && method === 'GET') return showTicket(req, Number(second));
      if (parts.length === 2 && isId(second) && method === 'PUT') return writes.updateTicket(req, Number(second));
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
    if (resource === 'webhooks') {
      const reply = feeds.store.route(req, parts.slice(1), () => readJsonBody(req));
      if (reply) return reply;
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
    changes,
    webhooks: feeds.webhooks,
    webhookStore: feeds.store,
    ...feeds.backend,
    isWrite: (req) => backend.isApiCall!(req) && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method),
    isApiCall: (req) => req.path.startsWith('/api/v2/') || req.path === '/api/v2',
    handle(req) {
      if (!backend.isApiCall!(req)) return invalidEndpoint();
      if (!authenticated(req.headers.authorization)) return json(401, { error: "Couldn't authenticate you" });
      const headers = rateHeaders();
      const path = req.path.slice('/api/v2/'.length).replace(/\.json$/, '').replace(/\/+$/, '');
      const parts = path.split('/').filter(Boolean);
      let reply: Reply;
      try {
        reply = changes.run('api', () => route(req, parts), { actorId: world.apiUser.id });
      } catch (err) {
        if (err instanceof BodyError) reply = badRequest('InvalidJSON', err.message);
        else if (err instanceof PaginationError) reply = badRequest('InvalidPaginationParameter', err.message);
        else throw err;
      }
      return { ...reply, headers: { ...headers, ...reply.headers } };
    },
    reset() {
      world = buildZendeskWorld(options);
      writes.resetIdempotency();
      feeds.webhooks.resetCounts();
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
