import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSystem } from '../support/system.js';
import { edit, firstShowing, startFeedSystem } from './feed-system.js';

/**
 * The feeds lose nothing across a subscriber restart, and evict nothing on a forged notification
 * or an unauthenticated invalidation.
 */
const SIGNING_SECRET = 'test-zendesk-signing-secret-0123456789';
const INVALIDATE_SECRET = 'test-invalidate-secret-0123456789abcdef';
let system: TestSystem;

beforeAll(async () => {
  system = await startFeedSystem(30, { zendeskSigningSecret: SIGNING_SECRET, invalidateSecret: INVALIDATE_SECRET });
}, 30_000);
afterAll(async () => {
  await system?.close();
});

const PHONE = `query($id: ID!) { customer(id: $id) { id phone } }`;
const phoneOf = async (id: string) => (await system.query(PHONE, { id }, { role: 'admin' })).data!.customer.phone as string | null;
const sfCalls = async () => (await system.stats('salesforce')).calls;

describe('Salesforce Change Data Capture across a subscriber restart', () => {
  it('applies all 20 changes made during the 10 s the subscriber was stopped, from its saved replay id', async () => {
    const accounts = system.skeleton!.customers.slice(0, 20).map((c) => c.accountId);
    for (const id of accounts) await phoneOf(id);
    const feed = system.feeds!.salesforce!;
    // One event applied first, so that the subscriber holds a replay id to resume from.
    const warm = system.skeleton!.customers[20]!.accountId;
    await edit(system.sandboxes.salesforce!.url, { object: 'Account', id: warm, values: { Phone: '+33 1 7000 0999' } });
    await firstShowing(() => phoneOf(warm), (p) => p === '+33 1 7000 0999');
    const resumeFrom = feed.lastReplayId;
    expect(resumeFrom).toBeGreaterThan(0);
    await feed.stop();
    expect(system.feeds!.status().salesforce.state).toBe('down');
    // The subscriber stays down for 10 s; the 20 changes are spread over that time.
    const stoppedAt = Date.now();
    for (const [i, id] of accounts.entries()) {
      await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + i * 500 - Date.now())));
      await edit(system.sandboxes.salesforce!.url, { object: 'Account', id, values: { Phone: `+33 1 7000 ${1000 + i}` } });
    }
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + 10_000 - Date.now())));
    // Nothing evicted them yet: still the cached numbers.
    expect(await phoneOf(accounts[0]!)).not.toBe('+33 1 7000 1000');
    await feed.start();
    const t0 = Date.now();
    await firstShowing(async () => Promise.all(accounts.map(phoneOf)), (phones) => phones.every((p, i) => p === `+33 1 7000 ${1000 + i}`), 5000, 50);
    expect(Date.now() - t0).toBeLessThan(3000);
    // Replayed up to 10 s after their change, past the lag bound (5 s), but made before the
    // subscriber was back: a backlog caught up, not a lag.
    expect(system.feeds!.status().salesforce).toMatchObject({ state: 'healthy' });
    expect(feed.lastReplayId).toBe(resumeFrom! + 20);
  }, 45_000);
});

describe('forged notifications and unauthenticated invalidations', () => {
  const zendeskPost = (body: string, headers: Record<string, string>) =>
    fetch(`${system.feeds!.url}/zendesk`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const sign = (timestamp: string, body: string) => createHmac('sha256', SIGNING_SECRET).update(timestamp + body).digest('base64');

  it('refuses a Zendesk webhook with a bad signature or a stale timestamp (401) and evicts nothing', async () => {
    const q = `query($id: ID!) { customer(id: $id) { cases(first: 20) { edges { node { id status } } } } }`;
    const casesOf = async (id: string) => (await system.query(q, { id }, { role: 'admin' })).data!.customer.cases.edges.map((e: any) => e.node) as Array<{ id: string; status: string }>;
    let customer = system.skeleton!.customers[0]!;
    let ticket: { id: string; status: string } | undefined;
    for (const c of system.skeleton!.customers.filter((c) => c.ticketCount > 0)) {
      customer = c;
      ticket = (await casesOf(c.accountId)).find((t) => t.status === 'OPEN' || t.status === 'PENDING');
      if (ticket) break;
    }
    if (!ticket) throw new Error('no open ticket in the seeded world');
    const cases = () => casesOf(customer.accountId);
    const zendeskUrl = system.sandboxes.zendesk!.url;
    const webhooks = await (await fetch(`${zendeskUrl}/__sandbox/webhooks`)).json();
    // The change is made while the sandbox sends no webhooks: only the forged ones arrive.
    await fetch(`${zendeskUrl}/__sandbox/webhooks`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ webhooks: [] }) });
    const next = ticket.status === 'OPEN' ? 'pending' : 'open';
    await edit(zendeskUrl, { object: 'ticket', id: Number(ticket!.id), values: { status: next } });
    const body = JSON.stringify({ type: 'zen:event-type:ticket.status_changed', time: new Date().toISOString(), detail: { id: ticket.id, organization_id: String(customer.zendeskOrgId) } });
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const stale = new Date(Date.now() - 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const forged = [
      await zendeskPost(body, { 'x-zendesk-webhook-signature': sign(now, `${body} `), 'x-zendesk-webhook-signature-timestamp': now }),
      await zendeskPost(body, { 'x-zendesk-webhook-signature': createHmac('sha256', 'wrong').update(now + body).digest('base64'), 'x-zendesk-webhook-signature-timestamp': now }),
      await zendeskPost(body, { 'x-zendesk-webhook-signature': sign(stale, body), 'x-zendesk-webhook-signature-timestamp': stale }),
      await zendeskPost(body, {}),
    ];
    expect(forged.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect((await cases()).find((t) => t.id === ticket.id)!.status).toBe(ticket.status);
    // The genuine signature evicts it.
    const ok = await zendeskPost(body, { 'x-zendesk-webhook-signature': sign(now, body), 'x-zendesk-webhook-signature-timestamp': now });
    expect(ok.status).toBe(200);
    expect((await cases()).find((t) => t.id === ticket.id)!.status).toBe(next.toUpperCase());
    await fetch(`${zendeskUrl}/__sandbox/webhooks`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(webhooks) });
  });

  it('refuses an Odoo webhook without its token (401) and a body over the bound (413), evicting nothing', async () => {
    const customer = system.skeleton!.customers.find((c) => c.hasErpPartner && !c.onSalesBlock)!;
    const q = `query($id: ID!) { customer(id: $id) { billing { onHold } } }`;
    const onHold = async () => (await system.query(q, { id: customer.accountId }, { role: 'admin' })).data!.customer.billing.onHold as boolean;
    expect(await onHold()).toBe(false);
    const odooUrl = system.sandboxes.odoo!.url;
    const rules = await (await fetch(`${odooUrl}/__sandbox/webhooks`)).json();
    await fetch(`${odooUrl}/__sandbox/webhooks`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ webhooks: [] }) });
    try {
      await edit(odooUrl, { model: 'res.partner', id: customer.odooPartnerId, values: { sale_warn: 'block', sale_warn_msg: 'Overdue' } });
      const body = JSON.stringify({ _action: 'Send Webhook Notification(#1)', _id: customer.odooPartnerId, _model: 'res.partner', id: customer.odooPartnerId, ref: customer.accountId });
      const post = (query: string, text = body) => fetch(`${system.feeds!.url}/odoo${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
      expect((await post('')).status).toBe(401);
      expect((await post('?token=wrong')).status).toBe(401);
      const token = new URL(rules.webhooks[0].url).searchParams.get('token')!;
      expect((await post(`?token=${token}`, body.replace('}', `, "pad": "${'x'.repeat(70_000)}"}`))).status).toBe(413);
      expect(await onHold()).toBe(false);
      expect((await post(`?token=${token}`)).status).toBe(200);
      expect(await onHold()).toBe(true);
    } finally {
      await fetch(`${odooUrl}/__sandbox/webhooks`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ webhooks: rules.webhooks.map(({ model, url, fields }: any) => ({ model, url, fields })) }) });
    }
  });

  it('answers POST /invalidate without an admin token or the secret with 401 and evicts nothing; with either it evicts', async () => {
    const id = system.skeleton!.customers[25]!.accountId;
    const before = await phoneOf(id);
    await system.feeds!.salesforce!.stop();
    try {
      await edit(system.sandboxes.salesforce!.url, { object: 'Account', id, values: { Phone: '+44 20 7946 0001' } });
      const url = new URL('/invalidate', system.gatewayUrl);
      const body = JSON.stringify({ entities: [{ type: 'Customer', id }] });
      const post = (headers: Record<string, string>) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      expect((await post({})).status).toBe(401);
      expect((await post({ 'x-c360-invalidate-secret': 'not-the-secret' })).status).toBe(401);
      expect((await post({ authorization: 'Bearer not.a.token' })).status).toBe(401);
      expect((await post({ authorization: `Bearer ${await system.token('support_agent')}` })).status).toBe(403);
      const calls = await sfCalls();
      expect(await phoneOf(id)).toBe(before);
      expect(await sfCalls()).toBe(calls);
      expect((await post({ authorization: `Bearer ${await system.token('admin')}` })).status).toBe(200);
      expect(await phoneOf(id)).toBe('+44 20 7946 0001');
      await edit(system.sandboxes.salesforce!.url, { object: 'Account', id, values: { Phone: '+44 20 7946 0002' } });
      expect((await post({ 'x-c360-invalidate-secret': INVALIDATE_SECRET })).status).toBe(200);
      expect(await phoneOf(id)).toBe('+44 20 7946 0002');
    } finally {
      await system.feeds!.salesforce!.start();
    }
  });
});
