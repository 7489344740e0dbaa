import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../../../sandbox/common/server.js';
import { createZendeskSandbox, ZENDESK_ORDER_NUMBER_FIELD_ID, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_OAUTH_TOKEN, ZENDESK_SANDBOX_TOKEN } from '../../../../sandbox/zendesk/index.js';
import { isBackendError, type BackendError } from '../../../../platform/errors/backend-error.js';
import { sharedHttpClient, type HttpClient } from '../../../../platform/http/client.js';
import { createZendeskConnector, DEFAULT_ORDER_NUMBER_FIELD_ID, type ZendeskConnectorOptions } from './index.js';

const caught = async (promise: Promise<unknown>): Promise<BackendError> => {
  try {
    await promise;
  } catch (err) {
    if (isBackendError(err)) return err;
    throw err;
  }
  throw new Error('expected a BackendError');
};

describe('Zendesk connector against the sandbox', () => {
  const sandbox = createZendeskSandbox();
  let running: RunningSandbox;
  const world = () => sandbox.world;
  const connect = (extra: Partial<ZendeskConnectorOptions> = {}) =>
    createZendeskConnector({ baseUrl: running.url, email: ZENDESK_SANDBOX_EMAIL, apiToken: ZENDESK_SANDBOX_TOKEN, timeoutMs: 2000, ...extra });
  const ops = () => running.stats().byOperation;

  beforeAll(async () => {
    running = await sandbox.listen(0);
  });
  afterAll(() => running.close());
  beforeEach(() => {
    running.setFaults({});
    running.reset();
  });

  it('uses the sandbox order-number field by default', () => {
    expect(DEFAULT_ORDER_NUMBER_FIELD_ID).toBe(ZENDESK_ORDER_NUMBER_FIELD_ID);
    expect(connect().orderNumberFieldId).toBe(ZENDESK_ORDER_NUMBER_FIELD_ID);
  });

  it('ticketsByIds: show_many in chunks of 100, missing ids absent', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => 10001 + i);
    const found = await connect().ticketsByIds([...ids, 99999999, 10001]);
    expect(found.size).toBe(150);
    expect(found.get(10001)?.subject).toBe(world().tickets.get(10001)!.subject);
    expect(found.has(99999999)).toBe(false);
    expect(ops()).toEqual({ 'tickets.show_many': 2 });
    expect((await connect().ticketsByIds([])).size).toBe(0);
  });

  it('organizationsByExternalIds: one show_many call for several ids; organizationsByIds likewise', async () => {
    const { manyOrders, fewOrders, noTickets } = world().skeleton.examples;
    const orgs = await connect().organizationsByExternalIds([manyOrders, fewOrders, noTickets, 'unknown-account']);
    expect([...orgs.keys()].sort()).toEqual([manyOrders, fewOrders, noTickets].sort());
    expect(orgs.get(manyOrders)!.id).toBe(world().organizationsByExternalId.get(manyOrders)!.id);
    expect(ops()).toEqual({ 'organizations.show_many': 1 });
    const byId = await connect().organizationsByIds([orgs.get(manyOrders)!.id, 1]);
    expect(byId.get(orgs.get(manyOrders)!.id)!.external_id).toBe(manyOrders);
    expect(byId.size).toBe(1);
  });

  it('ticketsByOrganizationIds: whole tickets newest first, one list call per organization, empty for none', async () => {
    const { manyOrders, noTickets } = world().skeleton.examples;
    const many = world().organizationsByExternalId.get(manyOrders)!.id;
    const none = world().organizationsByExternalId.get(noTickets)!.id;
    const lists = await connect().ticketsByOrganizationIds([many, none, 1]);
    const expected = [...world().ticketIdsByOrganization.get(many)!].map((id) => world().tickets.get(id)!).sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    expect(lists.get(many)).toEqual(expected);
    expect(lists.get(none)).toEqual([]);
    expect(lists.get(1)).toEqual([]);
    expect(ops()).toEqual({ 'organizations.tickets': 3 });
  });

  it('settledTicketsByOrganizationIds: a call refused by the rate limit fails its own key, the others are answered', async () => {
    const orgIds = [...world().ticketIdsByOrganization.keys()].slice(0, 6);
    running.setFaults({ rateLimit: { perSecond: 3 } });
    try {
      const lists = await connect({ concurrency: 6 }).settledTicketsByOrganizationIds(orgIds);
      const answered = orgIds.filter((id) => Array.isArray(lists.get(id)));
      const refused = orgIds.filter((id) => !Array.isArray(lists.get(id)));
      expect(answered).toHaveLength(ops()['organizations.tickets']!);
      expect(answered.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      for (const id of refused) expect(lists.get(id)).toMatchObject({ code: 'RATE_LIMITED' });
      for (const id of answered) expect((lists.get(id) as unknown[]).length).toBe([...world().ticketIdsByOrganization.get(id)!].length);
      // The all-or-nothing form throws the refusal.
      expect((await caught(connect({ concurrency: 6 }).ticketsByOrganizationIds(orgIds))).code).toBe('RATE_LIMITED');
    } finally {
      running.setFaults({});
    }
  });

  it('commentsByTicketIds: one call per ticket with bounded concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const counting: HttpClient = async (input, init) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await sharedHttpClient()(input, init);
      } finally {
        inFlight--;
      }
    };
    const ids = Array.from({ length: 12 }, (_, i) => 10001 + i);
    const comments = await connect({ http: counting, concurrency: 3 }).commentsByTicketIds([...ids, 99999999]);
    expect(comments.size).toBe(12);
    for (const id of ids) expect(comments.get(id)).toEqual(world().commentsOf(id));
    expect(peak).toBeLessThanOrEqual(3);
    expect(ops()).toEqual({ 'tickets.comments': 13 });
  });

  it('ticketsByOrderNumbers: one search for several numbers, exact matches only', async () => {
    const numbers = [...world().ticketIdsByOrderNumber.keys()].slice(0, 3);
    const found = await connect().ticketsByOrderNumbers([...numbers, 'S99999']);
    for (const n of numbers) expect(found.get(n)!.map((t) => t.id).sort()).toEqual([...world().ticketIdsByOrderNumber.get(n)!].sort());
    expect(found.get('S99999')).toEqual([]);
    expect(ops()).toEqual({ 'search.query': 1 });
  });

  it('ticketsByOrderNumbers: hostile text cannot widen the search or break it', async () => {
    const real = [...world().ticketIdsByOrderNumber.keys()][0]!;
    const hostile = [`${real}" organization:*`, `" OR status:open "`, 'S0*', '\\', '"', `${real}\n type:user`, 'custom_field_1:x) OR (1'];
    const found = await connect().ticketsByOrderNumbers(hostile);
    for (const h of hostile) expect(found.get(h.trim()) ?? []).toEqual([]);
  });

  it('openCaseCountsByOrganizationIds: counts tickets below solved, one search for several organizations', async () => {
    const orgIds = world().skeleton.customers.slice(0, 8).map((c) => c.zendeskOrgId);
    const counts = await connect().openCaseCountsByOrganizationIds(orgIds);
    for (const id of orgIds) {
      const open = (world().ticketIdsByOrganization.get(id) ?? []).filter((t) => ['new', 'open', 'pending', 'hold'].includes(world().tickets.get(t)!.status)).length;
      expect(counts.get(id)).toBe(open);
    }
    expect(ops()).toEqual({ 'search.query': 1 });
  });

  it('createTicket: with an idempotency key a replay answers the first ticket; another body conflicts', async () => {
    const org = world().organizationsByExternalId.get(world().skeleton.examples.fewOrders)!;
    const input = { subject: 'Bell broken', body: 'The bell does not ring.', organizationId: org.id, priority: 'high' as const, orderNumber: 'S00002' };
    const first = await connect().createTicket(input, 'case-key-1');
    expect(first.replayed).toBe(false);
    expect(first.ticket).toMatchObject({ subject: 'Bell broken', priority: 'high', organization_id: org.id });
    expect(first.ticket.custom_fields).toContainEqual({ id: ZENDESK_ORDER_NUMBER_FIELD_ID, value: 'S00002' });
    const replay = await connect().createTicket(input, 'case-key-1');
    expect(replay).toMatchObject({ replayed: true, ticket: { id: first.ticket.id } });
    const conflict = await caught(connect().createTicket({ ...input, subject: 'Other' }, 'case-key-1'));
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.backendCode).toBe('IdempotentRequestError');
    const invalid = await caught(connect().createTicket({ ...input, body: ' ' }));
    expect(invalid).toMatchObject({ code: 'REJECTED', status: 422, backendCode: 'RecordInvalid' });
  });

  it('createTicket with sendOnce sends a timed-out create once; ticketByExternalId finds it in the organization list', async () => {
    const org = world().organizationsByExternalId.get(world().skeleton.examples.manyOrders)!;
    const input = { subject: 'Lost answer', body: 'Committed late.', organizationId: org.id, externalId: 'c360-case:abc' };
    running.setFaults({ latencyMs: 400 });
    const err = await caught(connect({ timeoutMs: 150 }).createTicket(input, 'once-key', { sendOnce: true }));
    expect(err.code).toBe('UNAVAILABLE');
    await new Promise((r) => setTimeout(r, 500));
    running.setFaults({});
    expect(ops()['tickets.create']).toBe(1);
    const found = await connect().ticketByExternalId(org.id, 'c360-case:abc');
    expect(found).toMatchObject({ subject: 'Lost answer', external_id: 'c360-case:abc', organization_id: org.id });
    expect(await connect().ticketByExternalId(org.id, 'c360-case:none')).toBeNull();
    expect(ops()['organizations.tickets']).toBe(2);
  });

  it('addComment: adds a public comment or internal note; a closed ticket is REJECTED', async () => {
    const open = [...world().tickets.values()].find((t) => t.status === 'open')!;
    const added = await connect().addComment(open.id, 'Internal: checked stock', false);
    expect(added.comment).toMatchObject({ body: 'Internal: checked stock', public: false });
    expect(world().commentsOf(open.id).at(-1)!.id).toBe(added.comment.id);
    const closed = [...world().tickets.values()].find((t) => t.status === 'closed')!;
    const refused = await caught(connect().addComment(closed.id, 'hello', true));
    expect(refused).toMatchObject({ code: 'REJECTED', status: 422 });
    expect((await caught(connect().addComment(99999999, 'x', true))).code).toBe('NOT_FOUND');
  });

  it('maps 429 to RATE_LIMITED with retryAfterSeconds, without retrying', async () => {
    running.setFaults({ rateLimit: { perSecond: 1 } });
    const c = connect();
    await c.ticketsByIds([10001]);
    const err = await caught(c.ticketsByIds([10002]));
    expect(err).toMatchObject({ backend: 'servicedesk', code: 'RATE_LIMITED', status: 429 });
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('maps down (503) to UNAVAILABLE after retrying the read', async () => {
    running.setFaults({ down: true });
    let calls = 0;
    const counting: HttpClient = (input, init) => {
      calls++;
      return sharedHttpClient()(input, init);
    };
    const err = await caught(connect({ http: counting }).ticketsByIds([10001]));
    expect(err).toMatchObject({ backend: 'servicedesk', code: 'UNAVAILABLE', status: 503 });
    expect(calls).toBe(3);
  });

  it('never retries a write without an idempotency key', async () => {
    running.setFaults({ down: true });
    let calls = 0;
    const counting: HttpClient = (input, init) => {
      calls++;
      return sharedHttpClient()(input, init);
    };
    const err = await caught(connect({ http: counting }).createTicket({ subject: 's', body: 'b' }));
    expect(err.code).toBe('UNAVAILABLE');
    expect(calls).toBe(1);
  });

  it('maps refused credentials to UNAUTHENTICATED without echoing them, and a dead host to UNAVAILABLE', async () => {
    const err = await caught(connect({ apiToken: 'secret-wrong-token' }).ticketsByIds([10001]));
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(`${err.message} ${String(err.cause ?? '')}`).not.toContain('secret-wrong-token');
    const oauth = createZendeskConnector({ baseUrl: `${running.url}/api/v2/`, oauthToken: ZENDESK_SANDBOX_OAUTH_TOKEN });
    expect((await oauth.ticketsByIds([10001])).size).toBe(1);
    const dead = createZendeskConnector({ baseUrl: 'http://127.0.0.1:1', oauthToken: 'x', timeoutMs: 500, readRetries: 0 });
    expect((await caught(dead.ticketsByIds([1]))).code).toBe('UNAVAILABLE');
  });

  it('refuses bad settings at start-up, naming them', () => {
    expect(() => createZendeskConnector({ baseUrl: 'not a url', oauthToken: 'x' })).toThrow(/baseUrl/);
    expect(() => createZendeskConnector({ baseUrl: 'ftp://x', oauthToken: 'x' })).toThrow(/http/);
    expect(() => createZendeskConnector({ baseUrl: 'https://retail.zendesk.com', email: 'a@b.c' })).toThrow(/apiToken/);
    expect(() => createZendeskConnector({ baseUrl: 'https://retail.zendesk.com', oauthToken: 'x', concurrency: 0 })).toThrow(/concurrency/);
  });
});
