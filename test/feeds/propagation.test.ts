import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSystem } from '../support/system.js';
import type { SkeletonCustomer } from '../../sandbox/world/skeleton.js';
import { edit, firstShowing, percentile, startFeedSystem } from './feed-system.js';

/**
 * Out-of-band changes in each backend reach answers through the gateway within a second, while
 * the caches hold records for their long lifetimes (the polls are answered without backend calls
 * between changes). `npx tsx bench/feed-propagation.ts` runs 50 changes per backend.
 */
const CHANGES = 6;
let system: TestSystem;

beforeAll(async () => {
  system = await startFeedSystem();
}, 30_000);
afterAll(async () => {
  await system?.close();
});

async function measure(change: (i: number) => Promise<number>, read: () => Promise<unknown>, shows: (value: unknown, i: number) => boolean): Promise<number[]> {
  const lags: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    // A random moment: the record sits in the caches for a while before it changes.
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
    const at = await change(i);
    lags.push((await firstShowing(read, (v) => shows(v, i))) - at);
  }
  return lags;
}

describe('change feeds: propagation through the gateway with long lifetimes', () => {
  it('reports every feed healthy in /readyz and long lifetimes in force', async () => {
    const ready = (await (await fetch(new URL('/readyz', system.gatewayUrl))).json()) as { feeds: Record<string, { state: string }> };
    expect(ready.feeds).toMatchObject({ odoo: { state: 'healthy' }, salesforce: { state: 'healthy' }, zendesk: { state: 'healthy' } });
  });

  it('Odoo credit hold, Salesforce phone and Zendesk ticket status: p99 <= 1 s, max <= 2 s, polls answered from the caches', async () => {
    const q = `query($id: ID!) { customer(id: $id) { phone billing { onHold holdReason } cases(first: 20) { edges { node { id status } } } } }`;
    const readOf = (id: string) => async () => (await system.query(q, { id }, { role: 'admin' })).data!.customer;
    let customer: SkeletonCustomer | undefined;
    let ticket: { id: string; status: string } | undefined;
    for (const c of system.skeleton!.customers.filter((c) => c.hasErpPartner && !c.onSalesBlock && c.ticketCount > 0)) {
      ticket = (await readOf(c.accountId)()).cases.edges.map((e: any) => e.node).find((t: any) => t.status === 'OPEN' || t.status === 'PENDING');
      customer = c;
      if (ticket) break;
    }
    expect(ticket).toBeDefined();
    const read = readOf(customer!.accountId);
    const before = await system.snapshot();

    const odoo = await measure(
      (i) => edit(system.sandboxes.odoo!.url, { model: 'res.partner', id: customer!.odooPartnerId, values: i % 2 === 0 ? { sale_warn: 'block', sale_warn_msg: `Hold ${i}` } : { sale_warn: 'no-message', sale_warn_msg: false } }),
      read,
      (c: any, i) => c.billing.onHold === (i % 2 === 0),
    );
    const salesforce = await measure(
      (i) => edit(system.sandboxes.salesforce!.url, { object: 'Account', id: customer!.accountId, values: { Phone: `+49 30 5550 ${1000 + i}` } }),
      read,
      (c: any, i) => c.phone === `+49 30 5550 ${1000 + i}`,
    );
    let status = ticket!.status === 'OPEN' ? 'open' : 'pending';
    const zendesk = await measure(
      async () => {
        status = status === 'open' ? 'pending' : 'open';
        return edit(system.sandboxes.zendesk!.url, { object: 'ticket', id: Number(ticket!.id), values: { status } });
      },
      read,
      (c: any) => c.cases.edges.some((e: any) => e.node.id === ticket!.id && e.node.status === status.toUpperCase()),
    );
    const delta = await before.delta();
    for (const [name, lags] of Object.entries({ odoo, salesforce, zendesk })) {
      expect(percentile(lags, 0.99), `${name} p99 of ${lags.join(', ')}`).toBeLessThanOrEqual(1000);
      expect(Math.max(...lags), name).toBeLessThanOrEqual(2000);
    }
    // Each change costs a reload of what it touched; the polls in between cost nothing.
    const calls = (b: 'odoo' | 'salesforce' | 'zendesk') => Object.values(delta[b]).reduce((a, n) => a + n, 0);
    expect(calls('salesforce')).toBeLessThanOrEqual(3 * CHANGES + 4);
    expect(calls('odoo')).toBeLessThanOrEqual(6 * CHANGES * 3);
    const status2 = (await (await fetch(`${system.feeds!.url}/status`)).json()) as { feeds: Record<string, { events: number }> };
    expect(status2.feeds.odoo!.events).toBeGreaterThanOrEqual(CHANGES);
    expect(status2.feeds.salesforce!.events).toBeGreaterThanOrEqual(CHANGES);
    expect(status2.feeds.zendesk!.events).toBeGreaterThanOrEqual(CHANGES);
  }, 60_000);
});
