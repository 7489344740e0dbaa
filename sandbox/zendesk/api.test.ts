import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../common/server.js';
import { ZENDESK_ORDER_NUMBER_FIELD_ID, ZENDESK_SANDBOX_OAUTH_TOKEN, createZendeskSandbox } from './index.js';
import { zdFetch } from './test-helpers.js';

describe('Zendesk sandbox API', () => {
  let clock = 1_000_000;
  const sandbox = createZendeskSandbox({ now: () => clock });
  let running: RunningSandbox;
  const examples = () => sandbox.world.skeleton.examples;
  const orgOf = (accountId: string) => sandbox.world.organizationsByExternalId.get(accountId)!;

  beforeAll(async () => {
    running = await sandbox.listen(0);
  });
  afterAll(() => running.close());
  beforeEach(() => {
    running.setFaults({});
    running.reset();
  });

  describe('reads', () => {
    it('serves paths with and without .json', async () => {
      const a = await zdFetch(running, '/tickets/10001.json');
      const b = await zdFetch(running, '/tickets/10001');
      expect(a.status).toBe(200);
      expect(b.body).toEqual(a.body);
      expect(a.headers.get('x-rate-limit')).toBe('700');
    });

    it('answers an unknown ticket with RecordNotFound', async () => {
      const res = await zdFetch(running, '/tickets/99999999.json');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'RecordNotFound', description: 'Not found' });
    });

    it('show_many omits missing ids and refuses more than 100', async () => {
      const res = await zdFetch(running, '/tickets/show_many.json?ids=10002,99999999,10001');
      expect(res.body.tickets.map((t: { id: number }) => t.id)).toEqual([10002, 10001]);
      const ids = Array.from({ length: 101 }, (_, i) => 10001 + i).join(',');
      expect((await zdFetch(running, `/tickets/show_many.json?ids=${ids}`)).status).toBe(400);
    });

    it('gives the noTickets organization no tickets and every ticket 1-5 comments, the first one public and equal to the description', async () => {
      const org = orgOf(examples().noTickets);
      const list = await zdFetch(running, `/organizations/${org.id}/tickets.json?page[size]=100`);
      expect(list.body.tickets).toEqual([]);
      const many = orgOf(examples().manyOrders);
      const tickets = (await zdFetch(running, `/organizations/${many.id}/tickets.json`)).body.tickets as { id: number; description: string }[];
      expect(tickets).toHaveLength(3);
      for (const t of tickets) {
        const { comments } = (await zdFetch(running, `/tickets/${t.id}/comments.json`)).body;
        expect(comments.length).toBeGreaterThanOrEqual(1);
        expect(comments.length).toBeLessThanOrEqual(5);
        expect(comments[0]).toMatchObject({ body: t.description, public: true, type: 'Comment' });
      }
    });

    it('looks organizations up by external id (search, show_many) and by id', async () => {
      const { manyOrders, fewOrders } = examples();
      const search = await zdFetch(running, `/organizations/search.json?external_id=${manyOrders}`);
      expect(search.body).toMatchObject({ next_page: null, previous_page: null, count: 1 });
      expect(search.body.organizations[0].external_id).toBe(manyOrders);
      const many = await zdFetch(running, `/organizations/show_many.json?external_ids=${manyOrders},${fewOrders}`);
      expect(many.body.organizations.map((o: { external_id: string }) => o.external_id)).toEqual([manyOrders, fewOrders]);
      const one = await zdFetch(running, `/organizations/${orgOf(manyOrders).id}.json`);
      expect(one.body.organization.name).toBe(orgOf(manyOrders).name);
      expect((await zdFetch(running, '/organizations/search.json?external_id=nope')).body.organizations).toEqual([]);
    });
  });

  describe('pagination', () => {
    it('cursor: the last non-empty page has has_more false but a next link to an empty page with null links', async () => {
      const org = orgOf(examples().manyOrders); // 3 tickets
      const first = await zdFetch(running, `/organizations/${org.id}/tickets.json?page[size]=2`);
      expect(first.body.tickets).toHaveLength(2);
      expect(first.body.meta.has_more).toBe(true);
      const second = await zdFetch(running, first.body.links.next);
      expect(second.body.tickets).toHaveLength(1);
      expect(second.body.meta.has_more).toBe(false);
      expect(second.body.links.next).toEqual(expect.stringContaining('page%5Bafter%5D='));
      const empty = await zdFetch(running, second.body.links.next);
      expect(empty.body).toEqual({ tickets: [], meta: { has_more: false, after_cursor: null, before_cursor: null }, links: { prev: null, next: null } });
      const back = await zdFetch(running, second.body.links.prev);
      expect(back.body.tickets.map((t: { id: number }) => t.id)).toEqual(first.body.tickets.map((t: { id: number }) => t.id));
      const ids = [...first.body.tickets, ...second.body.tickets].map((t: { id: number }) => t.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    });

    it('cursor: sort=-created_at gives newest first; page[size] over 100 is refused', async () => {
      const org = orgOf(examples().manyOrders);
      const res = await zdFetch(running, `/organizations/${org.id}/tickets.json?page[size]=10&sort=-created_at`);
      const created = res.body.tickets.map((t: { created_at: string }) => t.created_at);
      expect(created).toEqual([...created].sort().reverse());
      expect((await zdFetch(running, '/tickets.json?page[size]=101')).status).toBe(400);
    });

    it('offset: next_page/previous_page/count, and 400 past 10,000 records', async () => {
      const page2 = await zdFetch(running, '/tickets.json?page=2&per_page=50');
      expect(page2.body.tickets).toHaveLength(50);
      expect(page2.body.tickets[0].id).toBe(10051);
      expect(page2.body.count).toBe(sandbox.world.tickets.size);
      expect(page2.body.next_page).toContain('page=3');
      expect(page2.body.previous_page).toContain('page=1');
      const past = await zdFetch(running, '/tickets.json?page=101&per_page=100');
      expect(past.status).toBe(400);
      expect(past.body.error).toBe('InvalidPaginationParameter');
    });
  });

  describe('writes', () => {
    const body = (org: number, extra: Record<string, unknown> = {}) => ({
      ticket: { subject: 'Saddle squeaks', comment: { body: 'The saddle squeaks loudly.', public: true }, organization_id: org, ...extra },
    });

    it('creates a ticket (201, ticket and audit) and indexes it', async () => {
      const org = orgOf(examples().fewOrders);
      const res = await zdFetch(running, '/tickets.json', { method: 'POST', body: body(org.id, { priority: 'urgent', tags: ['Squeak'], custom_fields: [{ id: ZENDESK_ORDER_NUMBER_FIELD_ID, value: 'S00002' }] }) });
      expect(res.status).toBe(201);
      expect(res.body.ticket).toMatchObject({ subject: 'Saddle squeaks', status: 'new', priority: 'urgent', organization_id: org.id, tags: ['squeak'], description: 'The saddle squeaks loudly.' });
      expect(res.body.ticket.created_at).toBe('2026-11-01T09:00:01Z');
      expect(res.body.audit.events[0]).toMatchObject({ type: 'Comment', body: 'The saddle squeaks loudly.', public: true });
      const search = await zdFetch(running, `/search.json?query=${encodeURIComponent(`type:ticket custom_field_${ZENDESK_ORDER_NUMBER_FIELD_ID}:S00002`)}`);
      expect(search.body.results.map((r: { id: number }) => r.id)).toContain(res.body.ticket.id);
    });

    it('refuses a ticket without a comment, and bad values, with RecordInvalid details', async () => {
      const org = orgOf(examples().fewOrders);
      const noComment = await zdFetch(running, '/tickets.json', { method: 'POST', body: { ticket: { subject: 'x', organization_id: org.id } } });
      expect(noComment.status).toBe(422);
      expect(noComment.body).toMatchObject({ error: 'RecordInvalid', description: 'Record validation errors', details: { description: [expect.objectContaining({ error: 'BlankValue' })] } });
      const bad = await zdFetch(running, '/tickets.json', { method: 'POST', body: body(org.id, { priority: 'asap', organization_id: 1 }) });
      expect(bad.status).toBe(422);
      expect(Object.keys(bad.body.details).sort()).toEqual(['organization_id', 'priority']);
      expect(running.stats().byOperation['tickets.create']).toBe(2);
    });

    it('idempotency: miss, hit, conflict on another body, and expiry after 2 hours', async () => {
      const org = orgOf(examples().fewOrders);
      const headers = { 'Idempotency-Key': 'key-1' };
      const first = await zdFetch(running, '/tickets.json', { method: 'POST', body: body(org.id), headers });
      expect(first.headers.get('x-idempotency-lookup')).toBe('miss');
      const replay = await zdFetch(running, '/tickets.json', { method: 'POST', body: body(org.id), headers });
      expect(replay.status).toBe(201);
      expect(replay.headers.get('x-idempotency-lookup')).toBe('hit');
      expect(replay.body.ticket.id).toBe(first.body.ticket.id);
      const conflict = await zdFetch(running, '/tickets.json', { method: 'POST', body: body(org.id, { subject: 'Other' }), headers });
      expect(conflict.status).toBe(400);
      expect(conflict.body.error).toBe('IdempotentRequestError');
      clock += 2 * 3600_000 + 1;
      const later = await zdFetch(running, '/tickets.json', { method: 'POST', body: body(org.id), headers });
      expect(later.headers.get('x-idempotency-lookup')).toBe('miss');
      expect(later.body.ticket.id).not.toBe(first.body.ticket.id);
    });

    it('updates a ticket with a comment; a closed ticket cannot be updated; closed cannot be set', async () => {
      const open = [...sandbox.world.tickets.values()].find((t) => t.status === 'open')!;
      const before = (await zdFetch(running, `/tickets/${open.id}/comments.json`)).body.comments.length;
      const res = await zdFetch(running, `/tickets/${open.id}.json`, { method: 'PUT', body: { ticket: { status: 'pending', comment: { body: 'Internal check', public: false } } } });
      expect(res.status).toBe(200);
      expect(res.body.ticket.status).toBe('pending');
      const comments = (await zdFetch(running, `/tickets/${open.id}/comments.json`)).body.comments;
      expect(comments).toHaveLength(before + 1);
      expect(comments.at(-1)).toMatchObject({ body: 'Internal check', public: false });
      const closed = [...sandbox.world.tickets.values()].find((t) => t.status === 'closed')!;
      const refused = await zdFetch(running, `/tickets/${closed.id}.json`, { method: 'PUT', body: { ticket: { comment: { body: 'hello' } } } });
      expect(refused.status).toBe(422);
      expect(refused.body.error).toBe('RecordInvalid');
      const setClosed = await zdFetch(running, `/tickets/${open.id}.json`, { method: 'PUT', body: { ticket: { status: 'closed' } } });
      expect(setClosed.status).toBe(422);
      expect((await zdFetch(running, '/tickets/99999999.json', { method: 'PUT', body: { ticket: { status: 'open' } } })).status).toBe(404);
    });

    it('reset restores the seeded data', async () => {
      const org = orgOf(examples().fewOrders);
      await zdFetch(running, '/tickets.json', { method: 'POST', body: body(org.id) });
      running.reset();
      expect(sandbox.world.ticketIdsByOrganization.get(org.id)).toHaveLength(3);
      expect(running.stats()).toEqual({ calls: 0, byOperation: {}, records: 0, inFlight: 0, peakInFlight: 0 });
    });
  });

  describe('auth, malformed input and faults', () => {
    it('refuses missing or wrong credentials with Zendesk’s 401; accepts the OAuth token', async () => {
      for (const authorization of ['', `Basic ${Buffer.from('agent@retail.example/token:nope').toString('base64')}`, `Basic ${Buffer.from('agent@retail.example:zd-sandbox-token').toString('base64')}`, 'Bearer nope', 'garbage']) {
        const res = await zdFetch(running, '/tickets/10001.json', { headers: { authorization } });
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error: "Couldn't authenticate you" });
      }
      expect((await zdFetch(running, '/tickets/10001.json', { headers: { authorization: `Bearer ${ZENDESK_SANDBOX_OAUTH_TOKEN}` } })).status).toBe(200);
      expect(running.stats().calls).toBe(1);
    });

    it('answers malformed JSON, a missing root and bad paging with 400, and unknown paths with 404, never crashing', async () => {
      const malformed = await zdFetch(running, '/tickets.json', { method: 'POST', body: '{"ticket": {' });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error).toBe('InvalidJSON');
      expect((await zdFetch(running, '/tickets.json', { method: 'POST', body: '[1,2]' })).status).toBe(400);
      expect((await zdFetch(running, '/tickets.json', { method: 'POST', body: { subject: 'no root' } })).status).toBe(400);
      expect((await zdFetch(running, '/tickets/10001.json', { method: 'PUT', body: 'nope' })).status).toBe(400);
      expect((await zdFetch(running, '/tickets.json?page[after]=%%%')).status).toBe(400);
      expect((await zdFetch(running, '/tickets.json?page=-1')).status).toBe(400);
      expect((await zdFetch(running, '/tickets.json?sort=subject')).status).toBe(400);
      expect((await zdFetch(running, '/nothing/here.json')).status).toBe(404);
      expect((await zdFetch(running, '/tickets/10001.json', { method: 'DELETE' })).status).toBe(404);
      expect((await zdFetch(running, '/tickets/10001.json')).status).toBe(200);
    });

    it('rate limit: 429 with Retry-After and x-rate-limit headers', async () => {
      running.setFaults({ rateLimit: { perSecond: 2 } });
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<typeof zdFetch>> | undefined;
      for (let i = 0; i < 5; i++) {
        const res = await zdFetch(running, '/tickets/10001.json');
        statuses.push(res.status);
        if (res.status === 429) limited = res;
      }
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
      expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited!.headers.get('x-rate-limit-remaining')).toBe('0');
      expect(limited!.headers.get('x-rate-limit')).toBeTruthy();
    });

    it('down: 503 on the API while the admin API stays up; server errors are 500', async () => {
      running.setFaults({ down: true });
      expect((await zdFetch(running, '/tickets/10001.json')).status).toBe(503);
      expect((await fetch(`${running.url}/__sandbox/stats`)).status).toBe(200);
      running.setFaults({ errorRate: 1 });
      const res = await zdFetch(running, '/tickets/10001.json');
      expect(res.status).toBe(500);
      expect(res.body.error).toBeTruthy();
    });
  });

  it('counts calls and records exactly', async () => {
    const org = orgOf(examples().manyOrders);
    await zdFetch(running, '/tickets/10001.json');
    await zdFetch(running, '/tickets/show_many.json?ids=10001,10002,99999999');
    await zdFetch(running, `/organizations/show_many.json?external_ids=${examples().manyOrders}`);
    await zdFetch(running, `/organizations/search.json?external_id=${examples().fewOrders}`);
    await zdFetch(running, `/organizations/${org.id}/tickets.json`);
    await zdFetch(running, '/tickets/10001/comments.json');
    await zdFetch(running, `/search.json?query=${encodeURIComponent(`type:ticket organization:${org.id}`)}`);
    await zdFetch(running, '/users/me.json');
    await zdFetch(running, '/users/900000002.json');
    await zdFetch(running, '/tickets/99999999.json');
    const comments = sandbox.world.commentsOf(10001).length;
    expect(running.stats()).toEqual({
      calls: 10,
      byOperation: {
        'tickets.show': 2,
        'tickets.show_many': 1,
        'organizations.show_many': 1,
        'organizations.search': 1,
        'organizations.tickets': 1,
        'tickets.comments': 1,
        'search.query': 1,
        'users.me': 1,
        'users.show': 1,
      },
      records: 1 + 2 + 1 + 1 + 3 + comments + 3 + 1 + 1 + 0,
      // One call after another: never two in the sandbox at once, and none left once answered.
      inFlight: 0,
      peakInFlight: 1,
    });
  });
});
