import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../platform/authz/roles.js';
import { startTestSystem, type Backend, type TestSystem } from '../support/system.js';
import { errorCodes } from './answers.js';
import { findRecords, type AuthzRecords } from './records.js';

/**
 * The gateway removes a denied field before planning, so it costs no backend call: asking for it
 * costs exactly what not asking for it costs, and a query of denied fields only costs nothing.
 * Caches are off so that every allowed read reaches its backend and the counts are exact.
 */
let system: TestSystem;
let records: AuthzRecords;

const NOTHING: Record<Backend, Record<string, number>> = { odoo: {}, salesforce: {}, zendesk: {} };

/** Runs a query and returns its answer with the backend calls it caused. */
async function measured(role: Role, query: string, variables: Record<string, unknown> = {}) {
  const snapshot = await system.snapshot();
  const answer = await system.query(query, variables, role === 'partner' ? { role, partnerId: records.reseller } : { role });
  return { answer, calls: await snapshot.delta() };
}

beforeAll(async () => {
  // No record cache in the subgraphs, no response cache at the gateway: every count below is of this query alone.
  system = await startTestSystem({ recordCache: false, responseCache: false });
  records = await findRecords(system);
  // Log-ins (OAuth token, Odoo authenticate) happen once per connector: done here so that they count in no test.
  await system.query(`query($id: ID!) { customer(id: $id) { id billing { onHold } openCaseCount } }`, { id: records.own.customerId }, { role: 'admin' });
});

afterAll(async () => {
  await system?.close();
});

describe('a denied field costs no backend call', () => {
  it('support_agent: billing.outstanding costs what leaving it out costs; finance pays for it', async () => {
    const id = records.own.customerId;
    const withField = `query($id: ID!) { customer(id: $id) { id billing { onHold outstanding { amount currency } } } }`;
    const without = `query($id: ID!) { customer(id: $id) { id billing { onHold } } }`;

    const denied = await measured('support_agent', withField, { id });
    expect(errorCodes(denied.answer)).toEqual(['FORBIDDEN customer.billing.outstanding']);
    expect(denied.answer.data?.customer.billing).toEqual({ onHold: expect.any(Boolean), outstanding: null });
    const baseline = await measured('support_agent', without, { id });
    expect(denied.calls).toEqual(baseline.calls);

    const allowed = await measured('finance', withField, { id });
    expect(errorCodes(allowed.answer)).toEqual([]);
    expect(allowed.answer.data?.customer.billing.outstanding).toEqual({ amount: expect.any(String), currency: expect.any(String) });
    // The balance is the customer's open items: invoice reads that the support agent's query never made.
    expect(allowed.calls.odoo['account.move.search_read'] ?? 0).toBeGreaterThan(denied.calls.odoo['account.move.search_read'] ?? 0);
  });

  it('support_agent asking only for denied fields: no call to any backend', async () => {
    const { answer, calls } = await measured('support_agent', `query($id: ID!) { customer(id: $id) { annualRevenue { amount } billing { outstanding { amount } overdue { amount } } } }`, { id: records.own.customerId });
    expect(errorCodes(answer)).toEqual(['FORBIDDEN customer.annualRevenue', 'FORBIDDEN customer.billing.outstanding', 'FORBIDDEN customer.billing.overdue']);
    expect(answer.data).toEqual({ customer: null });
    expect(calls).toEqual(NOTHING);
  });

  it('partner asking only for cases: no Zendesk call (no call at all)', async () => {
    const { answer, calls } = await measured('partner', `query($id: ID!) { customer(id: $id) { openCaseCount cases(first: 5) { totalCount edges { node { id subject } } } } }`, { id: records.own.customerId });
    expect(errorCodes(answer)).toEqual(['FORBIDDEN customer.cases', 'FORBIDDEN customer.openCaseCount']);
    expect(answer.data).toEqual({ customer: null });
    expect(calls).toEqual(NOTHING);
  });

  it('partner asking for cases next to allowed fields: Salesforce is read, Zendesk is not', async () => {
    const { answer, calls } = await measured('partner', `query($id: ID!) { customer(id: $id) { id name cases { totalCount } } }`, { id: records.own.customerId });
    expect(errorCodes(answer)).toEqual(['FORBIDDEN customer.cases']);
    expect(answer.data?.customer).toEqual({ id: records.own.customerId, name: records.own.customerName, cases: null });
    expect(calls.zendesk).toEqual({});
    expect(Object.keys(calls.salesforce).length).toBeGreaterThan(0);
  });

  it('partner asking for a case by id: no Zendesk call', async () => {
    const { answer, calls } = await measured('partner', `query($id: ID!) { case(id: $id) { id subject comments { body } } }`, { id: records.own.caseId });
    expect(errorCodes(answer)).toEqual(['FORBIDDEN case']);
    expect(answer.data).toEqual({ case: null });
    expect(calls).toEqual(NOTHING);
  });

  it('sales_rep asking only for product { cost }: no Odoo call; admin pays for it', async () => {
    const query = `query($sku: String!) { product(sku: $sku) { cost { amount currency } } }`;
    const denied = await measured('sales_rep', query, { sku: records.own.sku });
    expect(errorCodes(denied.answer)).toEqual(['FORBIDDEN product.cost']);
    expect(denied.answer.data).toEqual({ product: null });
    expect(denied.calls).toEqual(NOTHING);

    const allowed = await measured('admin', query, { sku: records.own.sku });
    expect(allowed.answer.data?.product.cost).toEqual({ amount: expect.any(String), currency: expect.any(String) });
    expect(Object.keys(allowed.calls.odoo).length).toBeGreaterThan(0);
  });

  it('sales_rep: product { name cost } costs what product { name } costs', async () => {
    const denied = await measured('sales_rep', `query($sku: String!) { product(sku: $sku) { name cost { amount } } }`, { sku: records.own.sku });
    expect(errorCodes(denied.answer)).toEqual(['FORBIDDEN product.cost']);
    expect(denied.answer.data?.product).toEqual({ name: expect.any(String), cost: null });
    const baseline = await measured('sales_rep', `query($sku: String!) { product(sku: $sku) { name } }`, { sku: records.own.sku });
    expect(denied.calls).toEqual(baseline.calls);
  });

  it('support_agent asking only for annualRevenue: no Salesforce call', async () => {
    const { answer, calls } = await measured('support_agent', `query($id: ID!) { customer(id: $id) { annualRevenue { amount } } }`, { id: records.own.customerId });
    expect(errorCodes(answer)).toEqual(['FORBIDDEN customer.annualRevenue']);
    expect(answer.data).toEqual({ customer: null });
    expect(calls).toEqual(NOTHING);
  });
  /** Posts a raw body (persisted-query requests carry no query text). */
  async function postRaw(role: Role, body: unknown) {
    const snapshot = await system.snapshot();
    const res = await fetch(system.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await system.token(role)}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> }, calls: await snapshot.delta() };
  }

  // Automatic persisted queries are off at the gateway: a hash could otherwise stand in for the
  // text the operation filter reads.
  it('refuses a persisted query sent by its hash alone, with no backend call', async () => {
    const query = `{ customer(id: "${records.own.customerId}") { annualRevenue { amount } } }`;
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
    await postRaw('admin', { query, extensions: { persistedQuery } });
    const { body, calls } = await postRaw('support_agent', { extensions: { persistedQuery } });
    expect(body.data ?? null).toBeNull();
    // Only trusted documents may be sent by id: a hash the manifest does not list is refused before anything runs.
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    expect(calls).toEqual(NOTHING);
  });

  it('refuses to register a persisted query, with no backend call', async () => {
    const query = `{ customer(id: "${records.own.customerId}") { id annualRevenue { amount } } }`;
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
    const { body, calls } = await postRaw('support_agent', { query, extensions: { persistedQuery } });
    // Automatic registration does not exist: a hash the manifest does not list is refused, text or not.
    expect(body.errors?.map((e) => e.extensions?.code)).toContain('PERSISTED_QUERY_NOT_IN_LIST');
    expect(body.data ?? null).toBeNull();
    expect(calls).toEqual(NOTHING);
  });
});
