/**
 * After the chaos run: what the backends' own data holds for each logical write, read through
 * each system's protocol (Odoo JSON-RPC, Salesforce REST, Zendesk REST), not through our connectors.
 */
import { createHash } from 'node:crypto';
import { odooIdempotencyRef } from '../../subgraphs/shared/connectors/odoo/mutation-support.js';
import { idempotencyScope } from '../../subgraphs/shared/mutations/run-mutation.js';
import { odooCall, salesforceConnection, zendeskGet } from '../../test/support/backends.js';
import type { LogicalWrite } from './workload.js';

/** What the backends hold for one logical write. */
export interface Landed {
  /** How many live copies of it the backend holds (0: not landed; more than 1: duplicates). */
  copies: number;
  /** A placeOrder still a draft. */
  halfWritten: boolean;
}

/** Where the sandboxes listen. */
export interface BackendUrls {
  odoo: string;
  salesforce: string;
  zendesk: string;
}

/** Reads what landed for every write; `subOf` names the principal subject each write was sent as. */
export async function verifyWrites(writes: LogicalWrite[], urls: BackendUrls, subOf: (w: LogicalWrite) => string): Promise<Map<LogicalWrite, Landed>> {
  const landed = new Map<LogicalWrite, Landed>();
  const by = (m: string) => writes.filter((w) => w.mutation === m);

  // Odoo orders: every order with our marker, grouped by origin.
  const orders = await odooCall<Array<{ id: number; origin: string; state: string }>>(urls.odoo, 'sale.order', 'search_read', [[['origin', '=like', 'c360-%']]], { fields: ['origin', 'state'] });
  const byOrigin = new Map<string, Array<{ id: number; state: string }>>();
  for (const o of orders) byOrigin.set(o.origin, [...(byOrigin.get(o.origin) ?? []), o]);
  for (const w of by('placeOrder')) {
    const ref = odooIdempotencyRef('placeOrder', { sub: subOf(w), roles: [w.role] }, w.key);
    const live = (byOrigin.get(ref) ?? []).filter((o) => o.state !== 'cancel');
    landed.set(w, { copies: live.length, halfWritten: live.some((o) => o.state === 'draft' || o.state === 'sent') });
  }
  const cancelIds = [...new Set(by('cancelOrder').map((w) => Number(w.target)))];
  const cancelStates = new Map((await odooCall<Array<{ id: number; state: string }>>(urls.odoo, 'sale.order', 'read', [cancelIds], { fields: ['state'] })).map((o) => [String(o.id), o.state]));
  for (const w of by('cancelOrder')) landed.set(w, { copies: cancelStates.get(w.target) === 'cancel' ? 1 : 0, halfWritten: false });

  // Credit holds: the partner's block message is the write's reason (each write has its own customer).
  const holdRefs = [...new Set(by('setCreditHold').map((w) => w.target))];
  const partners = await odooCall<Array<{ ref: string; sale_warn: string; sale_warn_msg: string | false }>>(urls.odoo, 'res.partner', 'search_read', [[['ref', 'in', holdRefs]]], { fields: ['ref', 'sale_warn', 'sale_warn_msg'] });
  const holdOf = new Map(partners.map((p) => [p.ref, p]));
  for (const w of by('setCreditHold')) {
    const p = holdOf.get(w.target);
    landed.set(w, { copies: p?.sale_warn === 'block' && p.sale_warn_msg === w.value ? 1 : 0, halfWritten: false });
  }

  // Salesforce profiles.
  const conn = await salesforceConnection(urls.salesforce);
  const ids = [...new Set(by('updateCustomerProfile').map((w) => w.target))];
  const websites = new Map<string, string | null>();
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100).map((id) => `'${id.replace(/[^A-Za-z0-9]/g, '')}'`);
    const result = await conn.query<{ Id: string; Website: string | null }>(`SELECT Id, Website FROM Account WHERE Id IN (${chunk.join(',')})`);
    for (const r of result.records) websites.set(r.Id, r.Website);
  }
  for (const w of by('updateCustomerProfile')) landed.set(w, { copies: websites.get(w.target) === w.value ? 1 : 0, halfWritten: false });

  // Zendesk tickets: the ticket's external_id is the digest of the key's scope and the key.
  const orgIds = new Map<string, number>();
  const ticketsByExternalId = new Map<string, number>();
  for (const customerId of new Set(by('openCase').map((w) => w.target))) {
    const search = await zendeskGet<{ organizations: Array<{ id: number }> }>(urls.zendesk, `/api/v2/organizations/search.json?external_id=${encodeURIComponent(customerId)}`);
    const org = search.organizations[0];
    if (!org) continue;
    orgIds.set(customerId, org.id);
    let path: string | null = `/api/v2/organizations/${org.id}/tickets.json?page[size]=100`;
    while (path) {
      const page: { tickets: Array<{ external_id: string | null }>; meta?: { has_more: boolean; after_cursor: string | null } } = await zendeskGet(urls.zendesk, path);
      for (const t of page.tickets) if (t.external_id) ticketsByExternalId.set(t.external_id, (ticketsByExternalId.get(t.external_id) ?? 0) + 1);
      path = page.meta?.has_more && page.meta.after_cursor ? `/api/v2/organizations/${org.id}/tickets.json?page[size]=100&page[after]=${encodeURIComponent(page.meta.after_cursor)}` : null;
    }
  }
  for (const w of by('openCase')) {
    const scope = idempotencyScope('openCase', { sub: subOf(w), roles: [w.role] });
    const externalId = `c360-case:${createHash('sha256').update(JSON.stringify([scope, w.key])).digest('hex').slice(0, 40)}`;
    landed.set(w, { copies: ticketsByExternalId.get(externalId) ?? 0, halfWritten: false });
  }

  // Comments: how many comments of the ticket carry the write's text.
  const comments = new Map<string, string[]>();
  for (const ticketId of new Set(by('addCaseComment').map((w) => w.target))) {
    const list = await zendeskGet<{ comments: Array<{ body: string }> }>(urls.zendesk, `/api/v2/tickets/${ticketId}/comments.json`);
    comments.set(ticketId, list.comments.map((c) => c.body.trim()));
  }
  for (const w of by('addCaseComment')) landed.set(w, { copies: (comments.get(w.target) ?? []).filter((b) => b === w.value).length, halfWritten: false });
  return landed;
}

/** Orders with our marker still drafts: half-written whoever placed them. */
export async function draftsWithMarker(odooUrl: string): Promise<number> {
  const drafts = await odooCall<unknown[]>(odooUrl, 'sale.order', 'search_read', [[['origin', '=like', 'c360-%'], ['state', 'in', ['draft', 'sent']]]], { fields: ['id'] });
  return drafts.length;
}
