import zendesk from 'node-zendesk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../common/server.js';
import { ZENDESK_ORDER_NUMBER_FIELD_ID, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_OAUTH_TOKEN, ZENDESK_SANDBOX_TOKEN, createZendeskSandbox } from './index.js';

// node-zendesk 6, unchanged: `endpointUri` points it at the sandbox instead of https://<subdomain>.zendesk.com/api/v2.
describe('Zendesk sandbox with node-zendesk 6', () => {
  const sandbox = createZendeskSandbox();
  let running: RunningSandbox;
  const client = (extra: Record<string, unknown> = {}) =>
    zendesk.createClient({ username: ZENDESK_SANDBOX_EMAIL, token: ZENDESK_SANDBOX_TOKEN, endpointUri: `${running.url}/api/v2`, ...extra });

  beforeAll(async () => {
    running = await sandbox.listen(0);
  });
  afterAll(() => running.close());
  beforeEach(() => running.reset());

  it('lists every ticket across cursor pages, stopping at the empty page after the last', async () => {
    const tickets = (await client().tickets.list()) as { id: number }[];
    const total = sandbox.world.tickets.size;
    expect(tickets).toHaveLength(total);
    expect(new Set(tickets.map((t) => t.id)).size).toBe(total);
    // node-zendesk adds page[size]=100 and follows links.next until it is null: the last non-empty page still links on.
    const pages = Math.ceil(total / 100);
    expect(running.stats().byOperation['tickets.list']).toBe(pages + 1);
  });

  it('shows a ticket and lists an organization’s tickets', async () => {
    const { result } = (await client().tickets.show(10001)) as unknown as { result: { id: number; subject: string } };
    expect(result.id).toBe(10001);
    expect(result.subject).toBe(sandbox.world.tickets.get(10001)!.subject);
    const org = sandbox.world.organizationsByExternalId.get(sandbox.world.skeleton.examples.manyOrders)!;
    const list = (await client().tickets.listByOrganization(org.id)) as { organization_id: number }[];
    expect(list).toHaveLength(3);
    expect(list.every((t) => t.organization_id === org.id)).toBe(true);
  });

  it('creates a ticket with an Idempotency-Key passed as a custom header; a replay returns the same ticket', async () => {
    const org = sandbox.world.organizationsByExternalId.get(sandbox.world.skeleton.examples.fewOrders)!;
    const keyed = client({ customHeaders: { 'Idempotency-Key': 'nz-create-1' } });
    const payload: Parameters<ReturnType<typeof client>['tickets']['create']>[0] = {
      ticket: {
        subject: 'Pedals missing',
        comment: { body: 'The pedals were not in the box.', public: true },
        organization_id: org.id,
        priority: 'high' as const,
        custom_fields: [{ id: ZENDESK_ORDER_NUMBER_FIELD_ID, value: 'S00001' }],
      },
    };
    const first = (await keyed.tickets.create(payload)) as unknown as { result: { id: number; priority: string }; response: { headers: { get(h: string): string | null } } };
    expect(first.result.priority).toBe('high');
    expect(first.response.headers.get('x-idempotency-lookup')).toBe('miss');
    const replay = (await keyed.tickets.create(payload)) as unknown as { result: { id: number }; response: { headers: { get(h: string): string | null } } };
    expect(replay.result.id).toBe(first.result.id);
    expect(replay.response.headers.get('x-idempotency-lookup')).toBe('hit');
    expect(running.stats().byOperation['tickets.create']).toBe(2);
    expect(sandbox.world.ticketIdsByOrganization.get(org.id)).toContain(first.result.id);
    await expect(keyed.tickets.create({ ticket: { ...payload.ticket, subject: 'Other' } } as typeof payload)).rejects.toThrow(/400/);
  });

  it('finds an organization by external_id (search and show_many)', async () => {
    const { manyOrders, fewOrders } = sandbox.world.skeleton.examples;
    const found = (await client().organizations.search(manyOrders as unknown as number)) as { id: number; external_id: string }[];
    expect(found).toHaveLength(1);
    expect(found[0]!.external_id).toBe(manyOrders);
    const many = (await client().organizations.showManyByExternalIds([manyOrders, fewOrders, 'no-such-account'])) as { external_id: string }[];
    expect(many.map((o) => o.external_id)).toEqual([manyOrders, fewOrders]);
  });

  it('reads comments, users and ticket fields, and accepts an OAuth bearer token', async () => {
    const oauth = zendesk.createClient({ token: ZENDESK_SANDBOX_OAUTH_TOKEN, oauth: true, endpointUri: `${running.url}/api/v2` });
    const me = (await oauth.users.me()) as unknown as { result: { email: string } };
    expect(me.result.email).toBe(ZENDESK_SANDBOX_EMAIL);
    const comments = (await client().tickets.getComments(10001)) as { body: string }[];
    expect(comments[0]!.body).toBe(sandbox.world.tickets.get(10001)!.description);
    const fields = (await client().ticketfields.list()) as { id: number; title: string }[];
    expect(fields.find((f) => f.id === ZENDESK_ORDER_NUMBER_FIELD_ID)?.title).toBe('Order number');
  });

  it('surfaces a wrong token as node-zendesk’s 401 error', async () => {
    const bad = zendesk.createClient({ username: ZENDESK_SANDBOX_EMAIL, token: 'wrong', endpointUri: `${running.url}/api/v2` });
    await expect(bad.tickets.show(10001)).rejects.toThrow(/401/);
  });
});
