import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../../sandbox/common/server.js';
import { createSalesforceSandbox, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET } from '../../../sandbox/salesforce/index.js';
import { buildSkeleton } from '../../../sandbox/world/skeleton.js';
import { createZendeskSandbox, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_TOKEN } from '../../../sandbox/zendesk/index.js';
import type { BackendSystem } from '../../../platform/errors/backend-error.js';
import { backendCallsTotal } from '../metrics/backend-metrics.js';
import { metricsRegistry } from '../../../platform/metrics/registry.js';
import { startOdooSandbox, type OdooTestSandbox } from './odoo/test-harness.js';
import { createSalesforceConnector } from './salesforce/connector.js';
import { createZendeskConnector } from './servicedesk/index.js';

/**
 * Every HTTP call a connector makes shows up once in c360_backend_calls_total{system, model, method},
 * failed calls included: after a known call sequence the counter's increments equal what the
 * sandboxes served, operation by operation (`<model>.<method>` is the sandbox's operation name).
 */
const world = buildSkeleton();
const many = world.byAccountId.get(world.examples.manyOrders)!;

let odoo: OdooTestSandbox;
let salesforce: RunningSandbox;
let zendesk: RunningSandbox;
beforeAll(async () => {
  odoo = await startOdooSandbox();
  salesforce = await createSalesforceSandbox().listen(0, '127.0.0.1');
  zendesk = await createZendeskSandbox().listen(0, '127.0.0.1');
});
afterAll(async () => {
  await Promise.all([odoo?.close(), salesforce?.close(), zendesk?.close()]);
});

/** The counter's values for one system, keyed `<model>.<method>`. */
async function counted(system: BackendSystem): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { labels, value } of (await backendCallsTotal.get()).values) {
    if (labels.system === system) out[`${String(labels.model)}.${String(labels.method)}`] = value;
  }
  return out;
}

/** What changed between two counts (zero entries dropped). */
function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)] as const).filter(([, v]) => v !== 0));
}

/** Runs `sequence` and answers the counter's increments and the sandbox's served operations. */
async function measure(system: BackendSystem, served: () => Record<string, number>, sequence: () => Promise<void>) {
  const [metricsBefore, sandboxBefore] = [await counted(system), { ...served() }];
  await sequence();
  return { metrics: delta(metricsBefore, await counted(system)), sandbox: delta(sandboxBefore, served()) };
}

describe('c360_backend_calls_total', () => {
  it('counts Odoo calls by model and method over JSON-RPC and JSON-2, the login and failed calls included', async () => {
    const { metrics, sandbox } = await measure('odoo', () => odoo.byOperation(), async () => {
      const rpc = odoo.connector('jsonrpc', { readRetries: 0 });
      await rpc.ordersByIds(many.orders.map((o) => o.odooId));
      await rpc.movesByPartnerIds([many.odooPartnerId]);
      await rpc.ordersByPartnerIds([many.odooPartnerId]);
      const json2 = odoo.connector('json2', { readRetries: 0 });
      await json2.partnersByRefs([many.accountId]);
      await json2.productsByIds([1, 2]);
    });
    expect(metrics).toEqual({
      'common.authenticate': 1,
      'sale.order.search_read': 2,
      'account.move.search_read': 1,
      'res.partner.search_read': 1,
      'product.product.search_read': 1,
    });
    expect(metrics).toEqual(sandbox);

    // A failed call counts too: Odoo down answers 503 to the one attempt.
    const before = await counted('odoo');
    odoo.setFaults({ down: true });
    try {
      await expect(odoo.connector('json2', { readRetries: 0 }).warehouses()).rejects.toMatchObject({ backend: 'odoo', code: 'UNAVAILABLE' });
    } finally {
      odoo.setFaults({});
    }
    expect(delta(before, await counted('odoo'))).toEqual({ 'stock.warehouse.search_read': 1 });
  });

  it('counts Salesforce calls by object and operation, the token grant included', async () => {
    const stats = () => salesforce.stats().byOperation;
    const { metrics, sandbox } = await measure('salesforce', stats, async () => {
      const sf = createSalesforceConnector({ loginUrl: salesforce.url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET, apiVersion: '62.0', readRetries: 0 });
      await sf.accountsByIds([many.accountId]);
      await sf.contactsByAccountIds([many.accountId]);
      await sf.partnerIdsByAccountIds([many.accountId]);
      await sf.searchAccounts({ text: 'a', limit: 5, offset: 0 });
      await sf.updateAccount(many.accountId, { Website: 'https://metrics.example' });
    });
    expect(metrics).toEqual({
      'oauth.token': 1,
      'Account.composite_retrieve': 2,
      'Contact.query': 1,
      'Account.query': 2,
      'Account.update': 1,
    });
    expect(metrics).toEqual(sandbox);
  });

  it('counts Zendesk calls by resource and operation, one per ticket for comments and failed calls included', async () => {
    const stats = () => zendesk.stats().byOperation;
    const zd = createZendeskConnector({ baseUrl: zendesk.url, email: ZENDESK_SANDBOX_EMAIL, apiToken: ZENDESK_SANDBOX_TOKEN, readRetries: 0 });
    let tickets: number[] = [];
    const { metrics, sandbox } = await measure('servicedesk', stats, async () => {
      const org = (await zd.organizationsByExternalIds([many.accountId])).get(many.accountId)!;
      tickets = (await zd.ticketsByOrganizationIds([org.id])).get(org.id)!.map((t) => t.id);
      await zd.ticketsByIds(tickets);
      await zd.commentsByTicketIds(tickets.slice(0, 2));
      // An unknown ticket: Zendesk answers 404, which the connector maps to "no comments".
      await zd.commentsByTicketIds([999_999_999]);
    });
    expect(tickets.length).toBeGreaterThanOrEqual(2);
    expect(metrics).toEqual({
      'organizations.show_many': 1,
      'organizations.tickets': 1,
      'tickets.show_many': 1,
      'tickets.comments': 3,
    });
    expect(metrics).toEqual(sandbox);
  });

  it('exposes the counts and durations on the shared registry', async () => {
    const text = await metricsRegistry.metrics();
    expect(text).toMatch(/c360_backend_calls_total\{system="odoo",model="sale\.order",method="search_read"\} \d+/);
    expect(text).toMatch(/c360_backend_calls_total\{system="salesforce",model="Account",method="composite_retrieve"\} \d+/);
    expect(text).toMatch(/c360_backend_calls_total\{system="servicedesk",model="tickets",method="comments"\} \d+/);
    expect(text).toMatch(/c360_backend_call_duration_seconds_count\{system="odoo",method="search_read"\} \d+/);
  });
});
