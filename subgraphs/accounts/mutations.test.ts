import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningSandbox } from '../../sandbox/common/server.js';
import { createOdooSandbox } from '../../sandbox/odoo/index.js';
import { createSalesforceSandbox, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';
import { createZendeskSandbox } from '../../sandbox/zendesk/index.js';
import type { OwnershipMatrix } from '../../schema/ownership-check.js';
import { createAuthenticate, signPrincipalHeaders } from '../../platform/authz/principal-header.js';
import type { Principal } from '../../platform/authz/principal.js';
import { scopesForRoles } from '../../platform/authz/roles.js';
import { createRecordCache } from '../shared/cache/index.js';
import { createSalesforceConnector } from '../shared/connectors/salesforce/connector.js';
import { createAuditLog, readAuditLog, type AuditLog } from '../../platform/audit/audit-log.js';
import { createIdempotencyStore } from '../shared/mutations/idempotency.js';
import { createMutationRunner } from '../shared/mutations/run-mutation.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createAccountsSubgraph, ownedWrites, SALESFORCE_PROFILE_FIELDS } from './index.js';
import { OWNERSHIP_MATRIX_PATH } from './profile-ownership.js';

interface GqlAnswer {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

const SECRET = 'accounts-mutations-secret-0123456789abcdef';
const TIMEOUT_MS = 300;
const principal = (sub: string, roles: string[]): Principal => ({ sub, roles, scopes: scopesForRoles(roles) });
const REP = principal('rep-1', ['sales_rep']);
const AGENT = principal('agent-1', ['support_agent']);
const FINANCE = principal('fin-1', ['finance']);
const UPDATE = 'mutation ($id: ID!, $input: CustomerProfileInput!) { updateCustomerProfile(id: $id, input: $input) { id name phone industry website } }';
const WRITE_OPERATION = /\.(create|update|upsert|delete)$/;

describe('updateCustomerProfile: owner-routed, idempotent, audited (Salesforce, Odoo and Zendesk sandboxes)', () => {
  let salesforceSandbox: SalesforceSandbox;
  const zendeskSandbox = createZendeskSandbox();
  const odooSandbox = createOdooSandbox();
  let salesforce: RunningSandbox;
  let zendesk: RunningSandbox;
  let odoo: RunningSandbox;
  let subgraph: RunningSubgraph;
  let log: AuditLog;
  const auditPath = join(mkdtempSync(join(tmpdir(), 'accounts-audit-')), 'audit.jsonl');
  let attempts = 0;
  const ops = () => salesforce.stats().byOperation;
  const writes = () => Object.fromEntries(Object.entries(ops()).filter(([op]) => WRITE_OPERATION.test(op)));
  const elsewhere = () => ({ zendesk: zendesk.stats().calls, odoo: odoo.stats().calls });
  const customer = (i: number) => salesforceSandbox.world.skeleton.customers[i]!.accountId;

  const gql = async (variables: Record<string, unknown>, who: Principal = REP, extra: Record<string, string> = {}): Promise<GqlAnswer> => {
    attempts += 1;
    const res = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signPrincipalHeaders(who, SECRET), ...extra },
      body: JSON.stringify({ query: UPDATE, variables }),
    });
    return (await res.json()) as GqlAnswer;
  };
  /** Reads the Account through Salesforce's own REST API (OAuth client credentials, then sObject retrieve). */
  const readAccount = async (id: string) => {
    const token = await fetch(`${salesforce.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SALESFORCE_CLIENT_ID, client_secret: SALESFORCE_CLIENT_SECRET }),
    }).then((r) => r.json() as Promise<{ access_token: string; instance_url: string }>);
    const res = await fetch(`${token.instance_url}/services/data/v62.0/sobjects/Account/${id}?fields=Name,Phone,Industry,Website`, { headers: { authorization: `Bearer ${token.access_token}` } });
    return (await res.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    salesforceSandbox = createSalesforceSandbox({ customers: 60 });
    [salesforce, zendesk, odoo] = await Promise.all([salesforceSandbox.listen(0), zendeskSandbox.listen(0), odooSandbox.listen(0)]);
    const connector = createSalesforceConnector({ loginUrl: salesforce.url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET, apiVersion: '62.0', timeoutMs: TIMEOUT_MS, readRetries: 1 });
    log = createAuditLog({ path: auditPath });
    const runner = createMutationRunner({ store: createIdempotencyStore({ keyPrefix: 'idem:accounts-test' }), log });
    subgraph = await (
      await createAccountsSubgraph({
        salesforce: connector,
        cache: createRecordCache({ tenant: 'retail' }),
        authenticate: createAuthenticate({ secret: SECRET }),
        mutations: { runner },
      })
    ).listen(0);
    // Log in once so that the figures below are of data calls only.
    await connector.usersByIds([salesforceSandbox.world.integrationUserId]);
  });
  afterAll(async () => {
    await subgraph.close();
    await Promise.all([salesforce.close(), zendesk.close(), odoo.close()]);
    await log.close();
  });
  beforeEach(() => {
    salesforce.setFaults({});
    salesforce.reset();
  });

  it('writes the profile to Salesforce only, readable through its REST API; the answer names the changed customer', async () => {
    const id = customer(3);
    const answer = await gql({ id, input: { phone: '+49 40 1234', industry: 'Retail', website: null } });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.updateCustomerProfile).toMatchObject({ id, phone: '+49 40 1234', industry: 'Retail', website: null });
    expect(answer.extensions?.invalidate).toEqual([`Customer:${id}`]);
    expect(writes()).toEqual({ 'Account.update': 1 });
    expect(await readAccount(id)).toMatchObject({ Phone: '+49 40 1234', Industry: 'Retail', Website: null });
    expect(elsewhere()).toEqual({ zendesk: 0, odoo: 0 });
  });

  it('an Idempotency-Key replays the first answer without a second write; another input is IDEMPOTENCY_CONFLICT', async () => {
    const id = customer(4);
    const headers = { 'idempotency-key': 'profile-1' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => gql({ id, input: { phone: '555-0100' } }, REP, headers)));
    expect(answers.flatMap((a) => a.errors ?? [])).toEqual([]);
    expect(writes()).toEqual({ 'Account.update': 1 });
    const conflict = await gql({ id, input: { phone: '555-0199' } }, REP, headers);
    expect(conflict.errors?.[0]?.extensions).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', reason: 'INPUT_MISMATCH' });
    expect(writes()).toEqual({ 'Account.update': 1 });
  });

  it('a PATCH answered after the client timed out is found applied by the retry with the same key, not sent again', async () => {
    const id = customer(5);
    const headers = { 'idempotency-key': 'profile-late' };
    // Warm the account in the record cache so that only the write and its lookup meet the slow backend.
    await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signPrincipalHeaders(REP, SECRET) },
      body: JSON.stringify({ query: 'query($id: ID!) { customer(id: $id) { id } }', variables: { id } }),
    });
    salesforce.setFaults({ latencyMs: TIMEOUT_MS * 2 });
    const first = await gql({ id, input: { industry: 'Transportation' } }, REP, headers);
    expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', system: 'salesforce' });
    await new Promise((r) => setTimeout(r, TIMEOUT_MS * 3));
    salesforce.setFaults({});
    expect(salesforceSandbox.world.stores.get('Account')!.get(id)!.Industry).toBe('Transportation');
    const retry = await gql({ id, input: { industry: 'Transportation' } }, REP, headers);
    expect(retry.errors).toBeUndefined();
    expect(retry.data!.updateCustomerProfile.industry).toBe('Transportation');
    expect(writes()).toEqual({ 'Account.update': 1 });
    const audit = (await readAuditLog(auditPath)).filter((r) => r.idempotencyKey === 'profile-late');
    expect(audit.map((r) => [r.outcome, r.replayed ?? false])).toEqual([
      ['BACKEND_UNAVAILABLE', false],
      ['ok', true],
    ]);
    expect(elsewhere()).toEqual({ zendesk: 0, odoo: 0 });
  });

  it('only principals with customer:write write; bad input is refused before Salesforce is called', async () => {
    const id = customer(6);
    for (const who of [AGENT, FINANCE]) {
      const denied = await gql({ id, input: { phone: '1' } }, who);
      expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await gql({ id, input: { name: '' } })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await gql({ id: 'nope', input: { phone: '1' } })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(salesforce.stats().calls).toBe(0);
  });

  it('refuses a website that is not a web address and picklist values the org does not list, writing nothing', async () => {
    const id = customer(7);
    salesforce.reset();
    for (const [input, field] of [
      [{ website: 'javascript:alert(1)' }, 'input.website'],
      [{ website: 'data:text/html,<b>x</b>' }, 'input.website'],
      [{ website: 'not a url' }, 'input.website'],
      [{ type: 'Evil Corp' }, 'input.type'],
      [{ industry: 'Logistics' }, 'input.industry'],
      [{ phone: 'bell\u0007' }, 'input.phone'],
    ] as const) {
      const answer = await gql({ id, input });
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(writes()).toEqual({});
    // The picklists come from one describe of Account, kept for later requests.
    expect(ops()['Account.describe'] ?? 0).toBeLessThanOrEqual(1);
    const ok = await gql({ id, input: { website: 'https://green-retail.example/shop', type: 'Customer - Direct', industry: 'Hospitality' } });
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.updateCustomerProfile.website).toBe('https://green-retail.example/shop');
    expect((await gql({ id, input: { website: 'www.green-retail.example' } })).errors).toBeUndefined();
  });

  it('writes only the fields the ownership matrix gives Salesforce', () => {
    expect([...SALESFORCE_PROFILE_FIELDS].sort()).toEqual(['accountNumber', 'industry', 'name', 'phone', 'type', 'website']);
    const matrix = JSON.parse(readFileSync(OWNERSHIP_MATRIX_PATH, 'utf8')) as OwnershipMatrix;
    matrix.types.Customer!.salesforce = matrix.types.Customer!.salesforce!.filter((f) => f !== 'phone');
    matrix.types.Customer!.odoo!.push('phone');
    expect(ownedWrites(matrix, 'updateCustomerProfile', 'salesforce').has('phone')).toBe(false);
    expect(ownedWrites(matrix, 'updateCustomerProfile', 'salesforce').has('name')).toBe(true);
  });

  it('audits every attempt of this file, failed ones included, with digests only; the log survives a new instance', async () => {
    const records = await readAuditLog(auditPath);
    expect(records).toHaveLength(attempts);
    const outcomes = new Set(records.map((r) => r.outcome));
    for (const code of ['ok', 'IDEMPOTENCY_CONFLICT', 'BAD_USER_INPUT', 'BACKEND_UNAVAILABLE', 'FORBIDDEN']) expect(outcomes).toContain(code);
    expect(records.every((r) => r.operation === 'updateCustomerProfile' && r.ownerSystem === 'salesforce' && /^[0-9a-f]{64}$/.test(r.inputDigest))).toBe(true);
    expect(records.find((r) => r.principal?.sub === 'agent-1')).toMatchObject({ outcome: 'FORBIDDEN', targetIds: [customer(6)] });
    const text = readFileSync(auditPath, 'utf8');
    for (const personal of ['+49 40 1234', '555-0100', 'Transportation']) expect(text).not.toContain(personal);
    await log.close();
    const reopened = createAuditLog({ path: auditPath });
    await reopened.append({ ...records[0]!, time: new Date().toISOString(), correlationId: 'after-reopen' });
    await reopened.close();
    const again = await readAuditLog(auditPath);
    expect(again).toHaveLength(attempts + 1);
    expect(again.slice(0, attempts)).toEqual(records);
  });
});
