import { describe, expect, it } from 'vitest';
import { WORLD_NOW } from '../world/skeleton.js';
import { ZENDESK_ORDER_NUMBER_FIELD_ID } from './credentials.js';
import { buildZendeskWorld, FIRST_TICKET_ID } from './world.js';

describe('Zendesk world', () => {
  it('is deterministic and agrees with the skeleton crosswalk', () => {
    const a = buildZendeskWorld({ seed: 7, customers: 50 });
    const b = buildZendeskWorld({ seed: 7, customers: 50 });
    expect(JSON.stringify([...a.tickets.values()])).toBe(JSON.stringify([...b.tickets.values()]));
    expect(JSON.stringify(a.commentsOf(FIRST_TICKET_ID))).toBe(JSON.stringify(b.commentsOf(FIRST_TICKET_ID)));
    for (const c of a.skeleton.customers) {
      const org = a.organizations.get(c.zendeskOrgId)!;
      expect(org.external_id).toBe(c.accountId);
      expect(a.ticketIdsByOrganization.get(org.id)?.length ?? 0).toBe(c.ticketCount);
    }
    expect(a.ticketIdsByOrganization.get(a.organizationsByExternalId.get(a.skeleton.examples.noTickets)!.id)).toBeUndefined();
  });

  it('numbers tickets from 10001 in creation order, dates them before WORLD_NOW and cites only the customer’s own orders', () => {
    const w = buildZendeskWorld();
    const list = [...w.tickets.values()];
    expect(list[0]!.id).toBe(FIRST_TICKET_ID);
    for (let i = 1; i < list.length; i++) expect(list[i]!.created_at >= list[i - 1]!.created_at).toBe(true);
    const now = WORLD_NOW.getTime();
    let cited = 0;
    for (const t of list) {
      expect(Date.parse(t.updated_at) <= now && t.created_at <= t.updated_at).toBe(true);
      const order = t.custom_fields.find((f) => f.id === ZENDESK_ORDER_NUMBER_FIELD_ID)?.value;
      if (!order) continue;
      cited++;
      const customer = w.skeleton.customers.find((c) => c.zendeskOrgId === t.organization_id)!;
      expect(customer.orders.map((o) => o.number)).toContain(order);
    }
    expect(cited).toBeGreaterThan(list.length / 5);
    const internal = list.slice(0, 200).flatMap((t) => w.commentsOf(t.id)).filter((c) => !c.public);
    expect(internal.length).toBeGreaterThan(0);
  });

  it('builds 10,000 customers in seconds', () => {
    const started = Date.now();
    const w = buildZendeskWorld({ customers: 10_000 });
    expect(w.organizations.size).toBe(10_000);
    expect(Date.now() - started).toBeLessThan(8000);
  });
});
