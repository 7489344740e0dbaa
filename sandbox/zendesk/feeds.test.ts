import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../common/server.js';
import { startReceiver } from '../common/test-receiver.js';
import { createZendeskSandbox, type ZendeskSandbox } from './index.js';
import { zdFetch } from './test-helpers.js';

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let sandbox: ZendeskSandbox;
let running: RunningSandbox;
let conflicts = 0;

beforeAll(async () => {
  // answers 409 to the requests of /conflict until `conflicts` runs out
  receiver = await startReceiver((r) => (r.path === '/conflict' && conflicts-- > 0 ? 409 : 200));
  sandbox = createZendeskSandbox({
    customers: 30,
    webhooks: [{ endpoint: `${receiver.url}/built-in`, signingSecret: 'built-in-secret', subscriptions: ['zen:event-type:ticket.status_changed'] }],
    webhookDelivery: { retryDelayMs: 20 },
  });
  running = await sandbox.listen(0);
});
afterAll(async () => {
  await running.close();
  await receiver.close();
});
beforeEach(() => {
  running.setFaults({});
  running.reset();
});
afterEach(async () => {
  await sandbox.webhooks.idle();
  receiver.received.length = 0;
});

const admin = async (path: string, method = 'GET', body?: unknown) => {
  const res = await fetch(`${running.url}/__sandbox/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};
const openTicket = () => [...sandbox.world.tickets.values()].find((t) => t.status === 'open')!;

describe('Zendesk out-of-band edits and change history', () => {
  it('solves a ticket as an agent would: visible through the API, updated_at bumped, recorded, not counted', async () => {
    const ticket = openTicket();
    const was = ticket.updated_at;
    const edit = await admin('edit', 'POST', { object: 'ticket', id: ticket.id, values: { status: 'solved' } });
    expect(edit.body).toEqual({ ok: true, at: expect.any(String) });
    const read = await zdFetch(running, `/tickets/${ticket.id}.json`);
    expect(read.body.ticket.status).toBe('solved');
    expect(read.body.ticket.updated_at > was).toBe(true);
    const [change] = (await admin(`changes?object=ticket&id=${ticket.id}`)).body.changes;
    expect(change).toMatchObject({ at: edit.body.at, object: 'ticket', id: ticket.id, kind: 'update', source: 'edit', values: { status: 'solved', updated_at: read.body.ticket.updated_at }, previous: { status: 'open', updated_at: was } });
    expect(running.stats().byOperation).toEqual({ 'tickets.show': 1 });
  });

  it('adds comments from the agent workspace, and refuses what Zendesk refuses', async () => {
    const ticket = openTicket();
    await admin('edit', 'POST', { object: 'ticket', id: ticket.id, values: { comment: { body: 'Internal: checked the stock', public: false } } });
    const comments = (await zdFetch(running, `/tickets/${ticket.id}/comments.json`)).body.comments;
    expect(comments.at(-1)).toMatchObject({ body: 'Internal: checked the stock', public: false, via: { channel: 'web' } });
    const [change] = (await admin('changes')).body.changes;
    expect(change.values.comment).toMatchObject({ body: 'Internal: checked the stock', public: false, author_id: comments.at(-1).author_id });
    const closed = [...sandbox.world.tickets.values()].find((t) => t.status === 'closed')!;
    for (const [body, message] of [
      [{ object: 'organization', id: 1, values: { name: 'x' } }, /unknown object "organization"/],
      [{ object: 'ticket', id: 1, values: { status: 'open' } }, /ticket 1 does not exist/],
      [{ object: 'ticket', id: ticket.id, values: { requester_id: 1 } }, /unknown or read-only ticket field "requester_id"/],
      [{ object: 'ticket', id: ticket.id, values: { status: 'almost' } }, /Status: almost is not valid/],
      [{ object: 'ticket', id: ticket.id, values: { status: 'closed' } }, /only a solved ticket can be closed/],
      [{ object: 'ticket', id: closed.id, values: { status: 'open' } }, /closed prevents ticket update/],
      [{ object: 'ticket', id: ticket.id, values: { comment: { body: ' ' } } }, /body cannot be blank/],
    ] as const) {
      const res = await admin('edit', 'POST', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
    }
  });

  it('records API writes with source api; errorAfterCommitRate 1 applies a PUT although it answers 500 or drops', async () => {
    const ticket = openTicket();
    running.setFaults({ errorAfterCommitRate: 1, afterCommit: 'error' });
    const failed = await zdFetch(running, `/tickets/${ticket.id}.json`, { method: 'PUT', body: { ticket: { priority: 'urgent' } } });
    expect(failed.status).toBe(500);
    expect((await zdFetch(running, `/tickets/${ticket.id}.json`)).body.ticket.priority).toBe('urgent');
    running.setFaults({ errorAfterCommitRate: 1, afterCommit: 'drop' });
    await expect(zdFetch(running, `/tickets/${ticket.id}.json`, { method: 'PUT', body: { ticket: { priority: 'low' } } })).rejects.toThrow();
    running.setFaults({});
    expect((await zdFetch(running, `/tickets/${ticket.id}.json`)).body.ticket.priority).toBe('low');
    const changes = (await admin('changes')).body.changes as Array<{ source: string; values: Record<string, unknown> }>;
    expect(changes.map((c) => [c.source, c.values.priority])).toEqual([['api', 'urgent'], ['api', 'low']]);
  });
});

describe('Zendesk webhooks', () => {
  it('creates a webhook the Zendesk way and sends signed ticket events that verify with the documented algorithm', async () => {
    const created = await zdFetch(running, '/webhooks', {
      method: 'POST',
      body: { webhook: { name: 'Gateway', endpoint: `${receiver.url}/hook`, http_method: 'POST', request_format: 'json', status: 'active', subscriptions: ['zen:event-type:ticket.status_changed', 'zen:event-type:ticket.comment_added'] } },
    });
    expect(created.status).toBe(201);
    const id = created.body.webhook.id as string;
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(created.body.webhook).not.toHaveProperty('signing_secret');
    const secret = (await zdFetch(running, `/webhooks/${id}/signing_secret`)).body.signing_secret.secret as string;

    const ticket = openTicket();
    await zdFetch(running, `/tickets/${ticket.id}.json`, { method: 'PUT', body: { ticket: { status: 'pending', comment: { body: 'Waiting for your reply', public: true } } } });
    const hooks = (await receiver.waitFor(3)).filter((r) => r.path === '/hook');
    await sandbox.webhooks.idle();
    expect(hooks).toHaveLength(2);
    for (const hook of hooks) {
      const timestamp = hook.headers['x-zendesk-webhook-signature-timestamp'] as string;
      expect(timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(hook.headers['x-zendesk-webhook-signature']).toBe(createHmac('sha256', secret).update(timestamp + hook.body).digest('base64'));
      expect(hook.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Zendesk Webhook', 'x-zendesk-webhook-id': id, 'x-zendesk-account-id': '12514403' });
      expect(hook.headers['x-zendesk-webhook-invocation-id']).toMatch(/^\d+$/);
    }
    const [status, comment] = hooks.map((h) => JSON.parse(h.body));
    expect(status).toEqual({
      account_id: 12514403,
      detail: expect.objectContaining({ id: String(ticket.id), status: 'PENDING', organization_id: String(ticket.organization_id), updated_at: sandbox.world.tickets.get(ticket.id)!.updated_at }),
      event: { current: 'PENDING', previous: 'OPEN', meta: { sequence: { id: expect.stringMatching(/^[0-9A-F]{32}$/), position: 1 } } },
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      subject: `zen:ticket:${ticket.id}`,
      time: expect.any(String),
      type: 'zen:event-type:ticket.status_changed',
      zendesk_event_version: '2022-11-06',
    });
    expect(comment.type).toBe('zen:event-type:ticket.comment_added');
    expect(comment.event).toMatchObject({ comment: { body: 'Waiting for your reply', is_public: true, author: { is_staff: true } }, meta: { sequence: { id: status.event.meta.sequence.id, position: 2 } } });
    // the built-in webhook (status events only) got its own, signed with its own secret
    const builtIn = receiver.received.find((r) => r.path === '/built-in')!;
    expect(builtIn.headers['x-zendesk-webhook-signature']).toBe(createHmac('sha256', 'built-in-secret').update(`${builtIn.headers['x-zendesk-webhook-signature-timestamp']}${builtIn.body}`).digest('base64'));
    expect((await zdFetch(running, '/webhooks', { method: 'POST', body: { webhook: { name: 'x', endpoint: receiver.url, subscriptions: ['conditional_ticket_events'] } } })).status).toBe(400);
    expect((await zdFetch(running, `/webhooks/${id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('retries a 409 as Zendesk does, in order per ticket; PUT /__sandbox/webhooks replaces the webhooks and keeps them across resets', async () => {
    const put = await admin('webhooks', 'PUT', { webhooks: [{ endpoint: `${receiver.url}/conflict`, signingSecret: 's', subscriptions: ['zen:event-type:ticket.priority_changed'] }] });
    expect(put.body.webhooks).toEqual([expect.objectContaining({ endpoint: `${receiver.url}/conflict`, signing_secret: { algorithm: 'SHA256', secret: 's' } })]);
    conflicts = 1;
    const ticket = openTicket();
    await admin('edit', 'POST', { object: 'ticket', id: ticket.id, values: { priority: 'urgent' } });
    await admin('edit', 'POST', { object: 'ticket', id: ticket.id, values: { priority: 'low' } });
    await receiver.waitFor(3);
    await sandbox.webhooks.idle();
    expect(receiver.received.map((r) => JSON.parse(r.body).event.current)).toEqual(['URGENT', 'URGENT', 'LOW']);
    expect((await admin('feeds')).body.webhooks).toMatchObject({ configured: 1, events: 2, invocations: 2, deliveries: { delivered: 2, retries: 1, failed: 0 } });
    running.reset();
    expect((await admin('webhooks')).body.webhooks).toHaveLength(1);
    expect((await admin('webhooks', 'PUT', { webhooks: [{ endpoint: 'not a url' }] })).status).toBe(400);
    expect((await admin('webhooks')).body.webhooks).toHaveLength(1);
  });
});

describe('Zendesk change stream', () => {
  it('moves tickets through valid statuses and comments at about the asked rate, never touching closed tickets', async () => {
    const closedBefore = new Set([...sandbox.world.tickets.values()].filter((t) => t.status === 'closed').map((t) => t.id));
    await admin('change-stream', 'POST', { perSecond: 30, seed: 5 });
    await new Promise((r) => setTimeout(r, 800));
    const state = (await admin('change-stream', 'POST', { perSecond: 0 })).body;
    expect(state.applied).toBeGreaterThanOrEqual(15);
    expect(state.applied).toBeLessThanOrEqual(35);
    const changes = (await admin('changes')).body.changes as Array<{ id: number; source: string; previous: Record<string, unknown>; values: Record<string, unknown> }>;
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) {
      expect(c.source).toBe('stream');
      expect(closedBefore.has(c.id)).toBe(false);
      if ('status' in c.values) expect(c.previous.status).not.toBe('closed');
    }
    expect(changes.some((c) => 'comment' in c.values)).toBe(true);
  });
});
