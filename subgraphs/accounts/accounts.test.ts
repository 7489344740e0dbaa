import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningSandbox } from '../../sandbox/common/server.js';
import { createSalesforceSandbox, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';
import { createAuthenticate, signPrincipalHeaders } from '../../platform/authz/principal-header.js';
import type { Principal } from '../../platform/authz/principal.js';
import { scopesForRoles } from '../../platform/authz/roles.js';
import { createSalesforceConnector, type SalesforceConnector } from '../shared/connectors/salesforce/connector.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createAccountsSubgraph } from './index.js';
import { customersList } from './resolvers.js';
import { encodeCursor } from '../shared/paging/relay-page.js';

// The subgraph audits to its default log: keep it out of the working tree.
process.env.AUDIT_LOG_PATH ??= join(mkdtempSync(join(tmpdir(), 'accounts-test-')), 'audit.jsonl');

const SECRET = 'accounts-test-secret-0123456789abcdef';
let sandbox: SalesforceSandbox;
let backend: RunningSandbox;
let salesforce: SalesforceConnector;
let subgraph: RunningSubgraph;

const principal = (roles: string[], partnerId?: string): Principal => ({ sub: `user-${roles.join('-')}`, roles, scopes: scopesForRoles(roles), partnerId });
const admin = principal(['admin']);

interface GqlResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; system?: string } }[];
}

async function gql(query: string, variables: Record<string, unknown> = {}, who: Principal = admin): Promise<GqlResult> {
  const res = await fetch(subgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signPrincipalHeaders(who, SECRET) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlResult;
}

const CUSTOMER = /* GraphQL */ `
  query ($id: ID!) {
    customer(id: $id) {
      id name accountNumber type industry website phone
      billingAddress { street city zip country }
      annualRevenue { amount currency }
      contacts { id name email }
      owner { id name email }
      partner { id name }
    }
  }
`;

const CUSTOMERS = /* GraphQL */ `
  query ($search: String, $first: Int, $after: String) {
    customers(search: $search, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id name partner { id } } }
    }
  }
`;

function backendCalls(): number {
  return backend.stats().calls;
}

beforeAll(async () => {
  sandbox = createSalesforceSandbox({ customers: 150 });
  backend = await sandbox.listen(0);
  salesforce = createSalesforceConnector({ loginUrl: backend.url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET, apiVersion: '62.0', timeoutMs: 2000, multiCurrency: true });
  const server = await createAccountsSubgraph({ salesforce, authenticate: createAuthenticate({ secret: SECRET }) });
  subgraph = await server.listen(0);
  // Log in once so that the counts below are of data calls only.
  await salesforce.usersByIds([sandbox.world.integrationUserId]);
});
afterAll(async () => {
  await subgraph.close();
  await backend.close();
});
beforeEach(() => {
  backend.setFaults({});
  backend.reset();
});

describe('customer', () => {
  it('answers a customer with contacts, owner and partner in a fixed number of Salesforce calls', async () => {
    const c = sandbox.world.skeleton.customers.find((x) => x.resellerIndex !== null && x.index > 6)!;
    const result = await gql(CUSTOMER, { id: c.accountId });
    expect(result.errors).toBeUndefined();
    const customer = result.data!.customer as Record<string, unknown>;
    expect(customer).toMatchObject({
      id: c.accountId,
      name: c.name,
      type: 'Customer - Channel',
      owner: { id: sandbox.world.skeleton.salesReps[c.ownerIndex]!.userId, name: sandbox.world.skeleton.salesReps[c.ownerIndex]!.name },
      partner: { id: sandbox.world.skeleton.resellers[c.resellerIndex!]!.accountId, name: sandbox.world.skeleton.resellers[c.resellerIndex!]!.name },
    });
    expect(customer.contacts).toHaveLength(c.contactCount);
    const revenue = customer.annualRevenue as { amount: string; currency: string } | null;
    if (revenue) expect(revenue.amount).toMatch(/^\d+\.\d{2}$/);
    // One call for the account (the contacts alongside it), then one each for owner and the reseller's account.
    expect(backend.stats().byOperation).toEqual({ 'Account.composite_retrieve': 2, 'Contact.query': 1, 'User.composite_retrieve': 1 });
  });

  it('reads contacts alongside the account only for whom the contacts are readable', async () => {
    const own = sandbox.world.skeleton.customers.find((c) => c.resellerIndex === 0)!;
    const other = sandbox.world.skeleton.customers.find((c) => c.resellerIndex !== null && c.resellerIndex !== 0)!;
    const q = 'query ($id: ID!) { customer(id: $id) { id contacts { id } } }';
    // Another reseller's customer: null, and its contacts were never read.
    const foreign = await gql(q, { id: other.accountId }, principal(['partner'], sandbox.world.skeleton.resellers[0]!.accountId));
    expect(foreign.data).toEqual({ customer: null });
    // A role without customer:pii: contacts refused, and never read.
    const finance = await gql(q, { id: own.accountId }, principal(['finance']));
    expect(finance.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(backend.stats().byOperation['Contact.query']).toBeUndefined();
    // A support agent: one Contact query, whose answer the contacts field uses.
    const agent = await gql(q, { id: own.accountId }, principal(['support_agent']));
    expect((agent.data!.customer as { contacts: unknown[] }).contacts).toHaveLength(own.contactCount);
    expect(backend.stats().byOperation['Contact.query']).toBe(1);
  });

  it('accepts a 15-character id and answers null for an unknown one', async () => {
    const c = sandbox.world.skeleton.customers[0]!;
    expect(((await gql('query ($id: ID!) { customer(id: $id) { id } }', { id: c.accountId.slice(0, 15) })).data!.customer as { id: string }).id).toBe(c.accountId);
    expect(await gql('query ($id: ID!) { customer(id: $id) { id } }', { id: '001000000000000AAA' })).toEqual({ data: { customer: null } });
  });

  it('refuses malformed ids with BAD_USER_INPUT before any Salesforce call', async () => {
    for (const id of ["001' OR Name != '", '', 'x'.repeat(5000), '0015g000000001hAAB', '../../etc', '001%27']) {
      const result = await gql('query ($id: ID!) { customer(id: $id) { id } }', { id });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    // Ids of other objects cannot be customers: null, still without a call.
    expect((await gql('query ($id: ID!) { customer(id: $id) { id } }', { id: sandbox.world.integrationUserId })).data).toEqual({ customer: null });
    expect(backendCalls()).toBe(0);
  });

  it('names Salesforce when it is down, keeping the customer so that other systems can answer its other parts', async () => {
    backend.setFaults({ down: true });
    const id = sandbox.world.skeleton.customers[0]!.accountId;
    const result = await gql('query ($id: ID!) { customer(id: $id) { id name phone } }', { id });
    expect(result.errors?.map((e) => e.extensions)).toEqual([
      expect.objectContaining({ code: 'BACKEND_UNAVAILABLE', system: 'salesforce' }),
      expect.objectContaining({ code: 'BACKEND_UNAVAILABLE', system: 'salesforce' }),
    ]);
    expect(result.data).toEqual({ customer: { id, name: null, phone: null } });
  });

  it('shows a partner nothing while Salesforce is down: ownership cannot be proven', async () => {
    backend.setFaults({ down: true });
    const id = sandbox.world.skeleton.customers[0]!.accountId;
    const result = await gql('query ($id: ID!) { customer(id: $id) { id } }', { id }, principal(['partner'], sandbox.world.skeleton.resellers[0]!.accountId));
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', system: 'salesforce' });
    expect(result.data).toEqual({ customer: null });
  });
});

describe('customers', () => {
  it('pages with opaque cursors and counts the total', async () => {
    const first = await gql(CUSTOMERS, { first: 5 });
    const page1 = first.data!.customers as { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { id: string; name: string } }[] };
    expect(page1.totalCount).toBe(sandbox.world.skeleton.customers.length);
    expect(page1.edges).toHaveLength(5);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await gql(CUSTOMERS, { first: 5, after: page1.pageInfo.endCursor });
    const page2 = second.data!.customers as typeof page1;
    const both = [...page1.edges, ...page2.edges].map((e) => e.node.name.toLowerCase());
    expect(new Set(both).size).toBe(10);
    expect(both).toEqual([...both].sort());
    const last = await gql(CUSTOMERS, { first: 100, after: encodeCursor(customersList(''), page1.edges[0]!.node.id, page1.totalCount - 4) });
    expect((last.data!.customers as typeof page1).edges).toHaveLength(3);
    expect((last.data!.customers as typeof page1).pageInfo.hasNextPage).toBe(false);
  });

  it('refuses bad paging arguments with BAD_USER_INPUT', async () => {
    // A search of nothing but blanks, a byte-order mark or control characters is a mistake, not "every customer".
    const blank = [{ search: '' }, { search: '   ' }, { search: '\ufeff' }, { search: ' \ufeff\t ' }, { search: 'a\u0000b' }];
    for (const variables of [{ first: 0 }, { first: 101 }, { first: -1 }, { after: 'not a cursor' }, { after: encodeCursor(customersList(''), '0015g0000000007AAA', 5000) }, { search: 'x'.repeat(101) }, ...blank]) {
      expect((await gql(CUSTOMERS, variables)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(backendCalls()).toBe(0);
  });

  it('searches by name with hostile text escaped', async () => {
    await salesforce.upsertAccountByExternalId('ERP_Customer_Id__c', 'HOSTILE-1', { Name: "Quote ' OR Name != ' Bikes", Type: 'Customer - Direct' });
    await salesforce.upsertAccountByExternalId('ERP_Customer_Id__c', 'HOSTILE-2', { Name: '50% Off_Bikes \\ Co', Type: 'Customer - Direct' });
    const names = async (search: string) => ((await gql(CUSTOMERS, { search, first: 50 })).data!.customers as { edges: { node: { name: string } }[] }).edges.map((e) => e.node.name);
    expect(await names("' OR Name != '")).toEqual(["Quote ' OR Name != ' Bikes"]);
    expect(await names('%')).toEqual(['50% Off_Bikes \\ Co']);
    expect(await names('_')).toEqual(['50% Off_Bikes \\ Co']);
    expect(await names('\\')).toEqual(['50% Off_Bikes \\ Co']);
    expect(await names("\\' OR Id != null OR Name = '")).toEqual([]);
    const word = sandbox.world.skeleton.customers[0]!.name.split(' ')[0]!;
    expect((await names(word)).every((n) => n.includes(word))).toBe(true);
  });
});

describe('reseller accounts', () => {
  it('are not customers: customer(id) of a reseller is null, as customers leaves it out', async () => {
    const reseller = sandbox.world.skeleton.resellers[0]!;
    expect((await gql('query ($id: ID!) { customer(id: $id) { id } }', { id: reseller.accountId })).data).toEqual({ customer: null });
    const own = sandbox.world.skeleton.customers.find((c) => c.resellerIndex === 0)!;
    const view = await gql('query ($id: ID!) { customer(id: $id) { partner { id name } } }', { id: own.accountId });
    expect((view.data as { customer: { partner: unknown } }).customer.partner).toEqual({ id: reseller.accountId, name: reseller.name });
  });
});

describe('federation', () => {
  it('serves _service and resolves Customer entities with the same loader', async () => {
    const sdl = await gql('{ _service { sdl } }');
    expect((sdl.data!._service as { sdl: string }).sdl).toContain('type Customer');
    const [a, b] = sandbox.world.skeleton.customers;
    const entities = await gql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name owner { name } } } }',
      { r: [{ __typename: 'Customer', id: a!.accountId }, { __typename: 'Customer', id: b!.accountId }, { __typename: 'Customer', id: 'bogus' }] },
    );
    expect(entities.errors).toBeUndefined();
    expect(entities.data!._entities).toEqual([
      { id: a!.accountId, name: a!.name, owner: { name: sandbox.world.skeleton.salesReps[a!.ownerIndex]!.name } },
      { id: b!.accountId, name: b!.name, owner: { name: sandbox.world.skeleton.salesReps[b!.ownerIndex]!.name } },
      null,
    ]);
    expect(backend.stats().byOperation).toEqual({ 'Account.composite_retrieve': 1, 'User.composite_retrieve': 1 });
  });
});

describe('partner isolation', () => {
  const reseller = () => sandbox.world.skeleton.resellers[0]!.accountId;
  const partner = () => principal(['partner'], reseller());

  it('shows a partner its own customers only, and others exactly like unknown ids', async () => {
    const own = sandbox.world.skeleton.customers.find((c) => c.resellerIndex === 0)!;
    const other = sandbox.world.skeleton.customers.find((c) => c.resellerIndex !== null && c.resellerIndex !== 0)!;
    const direct = sandbox.world.skeleton.customers.find((c) => c.resellerIndex === null)!;
    const q = 'query ($id: ID!) { customer(id: $id) { id name } }';
    expect((await gql(q, { id: own.accountId }, partner())).data).toEqual({ customer: { id: own.accountId, name: own.name } });
    const unknown = await gql(q, { id: '001000000000000AAA' }, partner());
    expect(await gql(q, { id: other.accountId }, partner())).toEqual(unknown);
    expect(await gql(q, { id: direct.accountId }, partner())).toEqual(unknown);
    const entities = await gql('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id } } }', { r: [{ __typename: 'Customer', id: other.accountId }] }, partner());
    expect(entities.data!._entities).toEqual([null]);
  });

  it('lists only the partner’s customers, filtered in SOQL', async () => {
    const expected = sandbox.world.skeleton.customers.filter((c) => c.resellerIndex === 0).length;
    const result = await gql(CUSTOMERS, { first: 100 }, partner());
    const list = result.data!.customers as { totalCount: number; edges: { node: { partner: { id: string } } }[] };
    expect(list.totalCount).toBe(expected);
    expect(list.edges.every((e) => e.node.partner.id === reseller())).toBe(true);
    const bogus = await gql(CUSTOMERS, { first: 10 }, principal(['partner'], "x' OR Name != '"));
    expect((bogus.data!.customers as { totalCount: number }).totalCount).toBe(0);
  });
});

describe('updateCustomerProfile', () => {
  const M = 'mutation ($id: ID!, $input: CustomerProfileInput!) { updateCustomerProfile(id: $id, input: $input) { id name phone website } }';

  it('writes to Salesforce and returns the fresh account', async () => {
    const c = sandbox.world.skeleton.customers[2]!;
    const result = await gql(M, { id: c.accountId, input: { phone: '+49 40 555', website: null } }, principal(['sales_rep']));
    expect(result.errors).toBeUndefined();
    expect(result.data!.updateCustomerProfile).toEqual({ id: c.accountId, name: c.name, phone: '+49 40 555', website: null });
    expect(sandbox.world.stores.get('Account')!.get(c.accountId)!.Phone).toBe('+49 40 555');
    expect(backend.stats().byOperation['Account.update']).toBe(1);
  });

  it('validates input before writing, and hides other partners’ customers', async () => {
    const c = sandbox.world.skeleton.customers[2]!;
    for (const input of [{ name: '' }, { name: null }, { phone: 'x'.repeat(41) }, {}, { name: 'a\u0000b' }]) {
      const result = await gql(M, { id: c.accountId, input }, principal(['sales_rep']));
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(backendCalls()).toBe(0);
    const other = sandbox.world.skeleton.customers.find((x) => x.resellerIndex === 1)!;
    const partnerWriter: Principal = { ...principal(['partner'], sandbox.world.skeleton.resellers[0]!.accountId), scopes: new Set(['customer:read', 'customer:write']) };
    const denied = await gql(M, { id: other.accountId, input: { phone: '1' } }, partnerWriter);
    expect(denied.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(backend.stats().byOperation['Account.update']).toBeUndefined();
  });
});
