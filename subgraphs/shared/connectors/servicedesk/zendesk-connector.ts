import { BackendError } from '../../../../platform/errors/backend-error.js';
import { measureBackendCall } from '../../metrics/backend-metrics.js';
import { isOk, sharedHttpClient, type HttpAnswer, type HttpHeaders } from '../../../../platform/http/client.js';
import { createResilience, networkError } from '../resilience.js';
import { zendeskCallLabel } from './call-label.js';
import type {
  AddedComment,
  CreatedTicket,
  ServiceDeskConnector,
  ZendeskComment,
  ZendeskOrganization,
  ZendeskTicket,
} from './types.js';
import { zendeskError } from './zendesk-errors.js';
import { ticketQueryForValues } from './zendesk-search.js';
import { zendeskSettings } from './zendesk-settings.js';

import { type CursorPage, EXTERNAL_ID_SCAN_PAGES, ORGS_PER_COUNT_QUERY, PAGE_SIZE, SEARCH_RESULT_CAP, SHOW_MANY_MAX, type SearchPage, VALUES_PER_QUERY, type ZendeskConnectorOptions, allOrThrow, chunk, mapBounded, newestFirst, orderNumberOf, settled, uniquePositiveInts } from './zendesk-support.js';
export { DEFAULT_ORDER_NUMBER_FIELD_ID, type ZendeskConnectorOptions, orderNumberOf } from './zendesk-support.js';

/** Creates the Zendesk Support API v2 connector. */
export function createZendeskConnector(options: ZendeskConnectorOptions): ServiceDeskConnector {
  const { apiBase, authorization, orderNumberFieldId, concurrency } = zendeskSettings(options);
  const httpClient = options.http ?? sharedHttpClient();
  const resilience = options.resilience ?? createResilience({ backend: 'servicedesk', timeoutMs: options.timeoutMs, readRetries: options.readRetries, deadlineMs: options.deadlineMs });

  /**
   * One HTTP exchange, counted in `c360_backend_calls_total{system="servicedesk",model=<resource>,method=<operation>}`
   * whether it succeeds or not; throws BackendError for any failure. The Authorization header is
   * never logged or put in messages.
   */
  const http = <T>(
    method: string,
    path: string,
    query: Record<string, string>,
    signal: AbortSignal,
    body?: unknown,
    headers: Record<string, string> = {},
    onHeaders?: (headers: HttpHeaders) => void,
  ): Promise<T> => {
    const { resource, operation: label } = zendeskCallLabel(method, path);
    return measureBackendCall('servicedesk', resource, label, async () => {
      const url = new URL(`${apiBase}${path}`);
      for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
      const operation = `${method} ${path.replace(/\/\d+/g, '/{id}')}`;
      let res: HttpAnswer;
      try {
        res = await httpClient(url, {
          method,
          headers: { authorization, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
      } catch (err) {
        throw networkError('servicedesk', err);
      }
      if (!isOk(res)) throw zendeskError(res.status, res.headers, res.body, operation);
      onHeaders?.(res.headers);
      try {
        return JSON.parse(res.body) as T;
      } catch (err) {
        throw new BackendError({ backend: 'servicedesk', code: 'INTERNAL', status: res.status, message: `servicedesk answered ${operation} with a body that is not JSON`, cause: err, retryable: false });
      }
    });
  };

  const get = <T>(path: string, query: Record<string, string> = {}) => resilience.read((signal) => http<T>('GET', path, query, signal));

  /** Every record of a cursor-paginated list; stops on `has_more: false` (the next link then points at an empty page). */
  const getAllCursor = async <T>(path: string, key: string, query: Record<string, string> = {}): Promise<T[]> => {
    const records: T[] = [];
    let after: string | null = null;
    for (;;) {
      const page: CursorPage & Record<string, unknown> = await get<CursorPage & Record<string, unknown>>(path, { ...query, 'page[size]': String(PAGE_SIZE), ...(after ? { 'page[after]': after } : {}) });
      records.push(...((page[key] as T[] | undefined) ?? []));
      after = page.meta?.has_more ? (page.meta.after_cursor ?? null) : null;
      if (!after) return records;
    }
  };

  /** Every result of a search (at most Zendesk's 1000); `count` is the full number of matches. */
  const searchAll = async <T>(query: string): Promise<{ results: T[]; count: number }> => {
    const results: T[] = [];
    let count = 0;
    for (let page = 1; page <= SEARCH_RESULT_CAP / PAGE_SIZE; page++) {
      const answer = await get<SearchPage<T>>('/search.json', { query, page: String(page), per_page: String(PAGE_SIZE) });
      results.push(...answer.results);
      count = answer.count;
      if (!answer.next_page || answer.results.length === 0) break;
    }
    return { results, count };
  };

  /** A 404 for one record of a per-record endpoint means "none", not a failure of the batch. */
  const orEmpty = <T>(promise: Promise<T[]>): Promise<T[]> =>
    promise.catch((err: unknown) => {
      if (err instanceof BackendError && err.code === 'NOT_FOUND') return [];
      throw err;
    });

  const connector: ServiceDeskConnector = {
    orderNumberFieldId,

    async ticketsByIds(ids) {
      const out = new Map<number, ZendeskTicket>();
      const pages = await Promise.all(chunk(uniquePositiveInts(ids), SHOW_MANY_MAX).map((part) => get<{ tickets: ZendeskTicket[] }>('/tickets/show_many.json', { ids: part.join(',') })));
      for (const page of pages) for (const t of page.tickets) out.set(t.id, t);
      return out;
    },

    async organizationsByIds(ids) {
      const out = new Map<number, ZendeskOrganization>();
      const pages = await Promise.all(chunk(uniquePositiveInts(ids), SHOW_MANY_MAX).map((part) => get<{ organizations: ZendeskOrganization[] }>('/organizations/show_many.json', { ids: part.join(',') })));
      for (const page of pages) for (const o of page.organizations) out.set(o.id, o);
      return out;
    },

    async organizationsByExternalIds(externalIds) {
      const wanted = [...new Set(externalIds.map((x) => x.trim()).filter(Boolean))];
      // show_many takes a comma-separated list, so an id containing a comma goes through organizations/search.
      const listable = wanted.filter((x) => !x.includes(','));
      const searched = wanted.filter((x) => x.includes(','));
      const found: ZendeskOrganization[] = [];
      const pages = await Promise.all(chunk(listable, SHOW_MANY_MAX).map((part) => get<{ organizations: ZendeskOrganization[] }>('/organizations/show_many.json', { external_ids: part.join(',') })));
      for (const page of pages) found.push(...page.organizations);
      for (const page of await mapBounded(searched, concurrency, (x) => get<{ organizations: ZendeskOrganization[] }>('/organizations/search.json', { external_id: x }))) found.push(...page.organizations);
      const byLower = new Map(wanted.map((x) => [x.toLowerCase(), x]));
      const out = new Map<string, ZendeskOrganization>();
      for (const org of found) {
        const key = org.external_id === null ? undefined : byLower.get(org.external_id.toLowerCase());
        if (key !== undefined) out.set(key, org);
      }
      return out;
    },

    async ticketsByOrganizationIds(orgIds) {
      return allOrThrow(await connector.settledTicketsByOrganizationIds(orgIds));
    },

    async settledTicketsByOrganizationIds(orgIds) {
      const ids = uniquePositiveInts(orgIds);
      // The organization's ticket list is authoritative at once, unlike search, whose index lags writes.
      // Each organization's call settles alone: one 429 among many fails that organization only.
      const lists = await mapBounded(ids, concurrency, (id) => settled(orEmpty(getAllCursor<ZendeskTicket>(`/organizations/${id}/tickets.json`, 'tickets'))));
      return new Map(ids.map((id, i) => {
        const list = lists[i]!;
        return [id, list instanceof BackendError ? list : [...list].sort(newestFirst)];
      }));
    },

    async commentsByTicketIds(ticketIds) {
      return allOrThrow(await connector.settledCommentsByTicketIds(ticketIds));
    },

    async settledCommentsByTicketIds(ticketIds) {
      const ids = uniquePositiveInts(ticketIds);
      // Zendesk has no bulk comments endpoint: one call per ticket, a few at a time, each settled alone.
      const lists = await mapBounded(ids, concurrency, (id) =>
        settled(
          getAllCursor<ZendeskComment>(`/tickets/${id}/comments.json`, 'comments').catch((err: unknown) => {
            if (err instanceof BackendError && err.code === 'NOT_FOUND') return null;
            throw err;
          }),
        ),
      );
      const out = new Map<number, ZendeskComment[] | BackendError>();
      ids.forEach((id, i) => {
        const comments = lists[i];
        if (comments) out.set(id, comments);
      });
      return out;
    },

    async ticketsByOrderNumbers(numbers) {
      const wanted = [...new Set(numbers.map((n) => n.trim()).filter(Boolean))];
      const out = new Map<string, ZendeskTicket[]>(wanted.map((n) => [n, []]));
      const byUpper = new Map(wanted.map((n) => [n.toUpperCase(), n]));
      const keyword = `custom_field_${orderNumberFieldId}`;
      const seen = new Set<number>();
      const collect = (tickets: ZendeskTicket[]) => {
        for (const t of tickets) {
          // Keep only exact matches of what was asked: the search is a pre-filter, never the authority.
          const cited = orderNumberOf(t, orderNumberFieldId);
          const key = cited === null ? undefined : byUpper.get(cited.toUpperCase());
          if (key === undefined || seen.has(t.id)) continue;
          seen.add(t.id);
          out.get(key)!.push(t);
        }
      };
      const run = async (values: string[]): Promise<void> => {
        const query = ticketQueryForValues(keyword, values);
        if (query === null) return;
        const { results, count } = await searchAll<ZendeskTicket & { result_type?: string }>(query);
        if (count > results.length && values.length > 1) {
          // Past the 1000-result cap: ask again one number at a time so that none is cut off.
          await mapBounded(values, concurrency, (v) => run([v]));
          return;
        }
        collect(results.filter((r) => (r.result_type ?? 'ticket') === 'ticket'));
      };
      await mapBounded(chunk(wanted, VALUES_PER_QUERY), concurrency, run);
      for (const list of out.values()) list.sort(newestFirst);
      return out;
    },

    async openCaseCountsByOrganizationIds(orgIds) {
      const ids = uniquePositiveInts(orgIds);
      const out = new Map<number, number>(ids.map((id) => [id, 0]));
      await mapBounded(chunk(ids, ORGS_PER_COUNT_QUERY), concurrency, async (part) => {
        // One query for several organizations: a repeated `organization:` keyword ORs.
        const query = `type:ticket status<solved ${part.map((id) => `organization:${id}`).join(' ')}`;
        const { results, count } = await searchAll<ZendeskTicket>(query);
        if (count > results.length) {
          const counts = await mapBounded(part, concurrency, (id) => get<{ count: number }>('/search/count.json', { query: `type:ticket status<solved organization:${id}` }));
          part.forEach((id, i) => void out.set(id, counts[i]!.count));
          return;
        }
        for (const t of results) if (t.organization_id !== null && out.has(t.organization_id)) out.set(t.organization_id, out.get(t.organization_id)! + 1);
      });
      return out;
    },

    async createTicket(input, idempotencyKey, createOptions = {}) {
      const ticket: Record<string, unknown> = {
        subject: input.subject,
        comment: { body: input.body, public: input.isPublic ?? true },
      };
      if (input.organizationId != null) ticket.organization_id = input.organizationId;
      if (input.requesterId != null) ticket.requester_id = input.requesterId;
      else if (input.requester) ticket.requester = input.requester;
      if (input.priority != null) ticket.priority = input.priority;
      if (input.type != null) ticket.type = input.type;
      if (input.tags?.length) ticket.tags = input.tags;
      if (input.externalId != null) ticket.external_id = input.externalId;
      if (input.orderNumber != null) ticket.custom_fields = [{ id: orderNumberFieldId, value: input.orderNumber }];
      let lookup: string | null = null;
      const call = (signal: AbortSignal) =>
        http<{ ticket: ZendeskTicket }>('POST', '/tickets.json', {}, signal, { ticket }, idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}, (headers) => {
          lookup = headers.get('x-idempotency-lookup');
        }).then((answer) => answer.ticket);
      // With an idempotency key a repeat is safe (Zendesk answers the first ticket), so the create may be retried like a read;
      // without one it is sent once, because a timed-out create may have committed.
      // With `sendOnce` the caller owns the unknown outcome (write guard: look up first, then at most one repeat).
      const created = idempotencyKey && !createOptions.sendOnce ? await resilience.read(call) : await resilience.write(call);
      return { ticket: created, replayed: lookup === 'hit' } satisfies CreatedTicket;
    },

    async ticketByExternalId(organizationId, externalId) {
      if (!Number.isSafeInteger(organizationId) || organizationId <= 0) return null;
      let after: string | null = null;
      for (let page = 0; page < EXTERNAL_ID_SCAN_PAGES; page++) {
        const answer: CursorPage & { tickets?: ZendeskTicket[] } = await get<CursorPage & { tickets?: ZendeskTicket[] }>(`/organizations/${organizationId}/tickets.json`, {
          sort: '-id',
          'page[size]': String(PAGE_SIZE),
          ...(after ? { 'page[after]': after } : {}),
        });
        const found = (answer.tickets ?? []).find((t) => t.external_id === externalId);
        if (found) return found;
        after = answer.meta?.has_more ? (answer.meta.after_cursor ?? null) : null;
        if (!after) return null;
      }
      // Not among the newest tickets: saying "absent" could cause a duplicate, so admit not knowing.
      throw new BackendError({ backend: 'servicedesk', code: 'UNAVAILABLE', message: `servicedesk: ticket ${externalId} not found among the organization's newest tickets`, retryable: false });
    },

    async addComment(ticketId, body, isPublic) {
      if (!Number.isSafeInteger(ticketId) || ticketId <= 0) throw new BackendError({ backend: 'servicedesk', code: 'NOT_FOUND', message: `servicedesk has no ticket ${ticketId}` });
      const answer = await resilience.write((signal) =>
        http<{ ticket: ZendeskTicket; audit: { created_at: string; author_id: number | null; events: (Partial<ZendeskComment> & { type: string })[] } }>(
          'PUT',
          `/tickets/${ticketId}.json`,
          {},
          signal,
          { ticket: { comment: { body, public: isPublic } } },
        ),
      );
      const event = answer.audit.events.find((e) => e.type === 'Comment');
      if (!event || typeof event.id !== 'number') {
        throw new BackendError({ backend: 'servicedesk', code: 'INTERNAL', message: 'servicedesk did not report the added comment', retryable: false });
      }
      const comment: ZendeskComment = {
        id: event.id,
        type: 'Comment',
        author_id: event.author_id ?? answer.audit.author_id ?? null,
        body: event.body ?? body,
        html_body: event.html_body,
        plain_body: event.plain_body,
        public: event.public ?? isPublic,
        created_at: answer.audit.created_at,
      };
      return { ticket: answer.ticket, comment } satisfies AddedComment;
    },
  };
  return connector;
}
