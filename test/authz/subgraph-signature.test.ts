import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRINCIPAL_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signPrincipalHeaders } from '../../platform/authz/principal-header.js';
import type { Principal } from '../../platform/authz/principal.js';
import { ROLE_SCOPES } from '../../platform/authz/roles.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { findRecords, type AuthzRecords } from './records.js';

/**
 * Subgraphs trust only the gateway: a request whose principal header is missing, forged, altered
 * after signing or too old is answered 401 before any resolver runs, so no backend is called.
 */
type SubgraphName = keyof TestSystem['subgraphs'];
const SUBGRAPHS: SubgraphName[] = ['accounts', 'orders', 'stock', 'invoices', 'cases'];

let system: TestSystem;
let records: AuthzRecords;

const admin: Principal = { sub: 'signature-test', roles: ['admin'], scopes: new Set(ROLE_SCOPES.admin) };

/** A root query and an entity of each subgraph, both of which would read its backend. */
function probes(name: SubgraphName): { query: string; entity: { typename: string; id: string; field: string } } {
  const own = records.own;
  switch (name) {
    case 'accounts':
      return { query: `{ customer(id: "${own.customerId}") { id name } }`, entity: { typename: 'Customer', id: own.customerId, field: 'name' } };
    case 'orders':
      return { query: `{ order(id: "${own.orderId}") { id number } }`, entity: { typename: 'Order', id: own.orderId, field: 'number' } };
    case 'stock':
      return { query: `{ product(sku: "${own.sku}") { id name } }`, entity: { typename: 'Product', id: '1', field: 'sku' } };
    case 'invoices':
      return { query: `{ invoice(id: "${own.invoiceId}") { id number } }`, entity: { typename: 'Invoice', id: own.invoiceId, field: 'number' } };
    case 'cases':
      return { query: `{ case(id: "${own.caseId}") { id subject } }`, entity: { typename: 'Case', id: own.caseId, field: 'subject' } };
  }
}

async function post(name: SubgraphName, body: { query: string; variables?: Record<string, unknown> }, headers: Record<string, string>) {
  const res = await fetch(system.subgraphs[name].url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { data?: Record<string, any> | null; errors?: Array<{ extensions?: { code?: string } }> } };
}

const entitiesQuery = (typename: string, field: string) => `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { id ${field} } } }`;

/** The ways a request can fail to carry the gateway's signature. */
const BAD_HEADERS: Record<string, () => Record<string, string>> = {
  'no signature': () => ({}),
  'a signature made with another secret': () => signPrincipalHeaders(admin, randomBytes(32).toString('hex')),
  'a principal changed after signing': () => {
    const signed = signPrincipalHeaders({ ...admin, roles: ['partner'], scopes: new Set(ROLE_SCOPES.partner), partnerId: records.reseller }, system.principalSecret);
    // The partner's signed header, with its payload swapped for an unrestricted admin one.
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'signature-test', roles: ['admin'], scopes: [...ROLE_SCOPES.admin] }), 'utf8').toString('base64url');
    return { ...signed, [PRINCIPAL_HEADER]: forgedPayload };
  },
  'an expired timestamp': () => signPrincipalHeaders(admin, system.principalSecret, Date.now() - 10 * 60_000),
  'a timestamp from the future': () => signPrincipalHeaders(admin, system.principalSecret, Date.now() + 10 * 60_000),
  'a re-dated valid signature': () => ({ ...signPrincipalHeaders(admin, system.principalSecret, Date.now() - 10 * 60_000), [TIMESTAMP_HEADER]: String(Date.now()) }),
  'a signature without its principal': () => {
    const signed = signPrincipalHeaders(admin, system.principalSecret);
    return { [SIGNATURE_HEADER]: signed[SIGNATURE_HEADER]!, [TIMESTAMP_HEADER]: signed[TIMESTAMP_HEADER]! };
  },
};

beforeAll(async () => {
  system = await startTestSystem({ recordCache: false });
  records = await findRecords(system);
});

afterAll(async () => {
  await system?.close();
});

describe('subgraphs refuse requests the gateway did not sign', () => {
  it.each(Object.keys(BAD_HEADERS))('%s: HTTP 401 UNAUTHENTICATED from all five subgraphs, no backend call', async (variant) => {
    const snapshot = await system.snapshot();
    for (const name of SUBGRAPHS) {
      const { query, entity } = probes(name);
      const bodies = [
        { query },
        { query: entitiesQuery(entity.typename, entity.field), variables: { r: [{ __typename: entity.typename, id: entity.id }] } },
        { query: '{ _service { sdl } }' },
      ];
      for (const body of bodies) {
        const answer = await post(name, body, BAD_HEADERS[variant]!());
        expect(answer.status, `${name} ${body.query}`).toBe(401);
        expect(answer.body.data ?? null).toBeNull();
        expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      }
    }
    expect(await snapshot.delta()).toEqual({ odoo: {}, salesforce: {}, zendesk: {} });
  });

  it.each(SUBGRAPHS)('%s answers _service { sdl } and _entities with a valid signature', async (name) => {
    const headers = signPrincipalHeaders(admin, system.principalSecret);
    const sdl = await post(name, { query: '{ _service { sdl } }' }, headers);
    expect(sdl.status).toBe(200);
    expect(sdl.body.data?._service.sdl).toMatch(/requiresScopes/);

    const { entity, query } = probes(name);
    const entities = await post(name, { query: entitiesQuery(entity.typename, entity.field), variables: { r: [{ __typename: entity.typename, id: entity.id }] } }, headers);
    expect(entities.status).toBe(200);
    expect(entities.body.errors).toBeUndefined();
    expect(entities.body.data?._entities).toEqual([expect.objectContaining({ id: entity.id, [entity.field]: expect.any(String) })]);

    const root = await post(name, { query }, signPrincipalHeaders(admin, system.principalSecret));
    expect(root.status).toBe(200);
    expect(root.body.errors).toBeUndefined();
  });

  it('a signed principal is still held to its scopes in the subgraph (graphql-shield)', async () => {
    // The gateway would have removed the field; called directly, the subgraph refuses it on its own.
    const partner = signPrincipalHeaders({ sub: 'signature-test', roles: ['partner'], scopes: new Set(ROLE_SCOPES.partner), partnerId: records.reseller }, system.principalSecret);
    const snapshot = await system.snapshot();
    const answer = await post('cases', { query: `{ case(id: "${records.own.caseId}") { id subject } }` }, partner);
    expect(answer.status).toBe(200);
    expect(answer.body.data?.case ?? null).toBeNull();
    expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect((await snapshot.delta()).zendesk).toEqual({});
  });
  /** `_entities` answers for a signed partner principal. */
  async function partnerEntities(name: SubgraphName, selection: string, representations: unknown[]) {
    const partner = signPrincipalHeaders({ sub: 'signature-test', roles: ['partner'], scopes: new Set(ROLE_SCOPES.partner), partnerId: records.reseller }, system.principalSecret);
    const answer = await post(name, { query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${selection} } }`, variables: { r: representations } }, partner);
    expect(answer.status).toBe(200);
    return answer.body.data?._entities as Array<Record<string, any> | null>;
  }

  it('accounts: a partner principal gets another reseller\'s customer entity as null', async () => {
    const [other, own] = await partnerEntities('accounts', 'Customer { id name }', [
      { __typename: 'Customer', id: records.other.customerId },
      { __typename: 'Customer', id: records.own.customerId },
    ]);
    expect(other).toBeNull();
    expect(own).toMatchObject({ id: records.own.customerId });
  });

  // Entity references and entity fields are entry points too: the orders (Order, Customer.orders),
  // invoices (Invoice, Customer.billing/invoices, Order.invoices) and stock (Order.shipments)
  // subgraphs apply the partner row filter their root fields apply.
  it('orders, invoices, stock: a partner principal gets no row of another reseller through _entities', async () => {
    const otherCustomer = { __typename: 'Customer', id: records.other.customerId };
    const otherOrder = { __typename: 'Order', id: records.other.orderId };
    const leaks: string[] = [];
    const check = (what: string, value: unknown) => {
      const empty = value === null || (typeof value === 'object' && value !== null && Object.entries(value).every(([k, v]) => k === 'id' || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && 'totalCount' in v && (v as { totalCount: number }).totalCount === 0)));
      if (!empty) leaks.push(`${what}: ${JSON.stringify(value)}`);
    };
    check('orders Order', (await partnerEntities('orders', 'Order { id number status }', [otherOrder]))[0]);
    check('orders Customer.orders', (await partnerEntities('orders', 'Customer { id orders { totalCount } }', [otherCustomer]))[0]);
    check('invoices Invoice', (await partnerEntities('invoices', 'Invoice { id number }', [{ __typename: 'Invoice', id: records.other.invoiceId }]))[0]);
    check('invoices Customer', (await partnerEntities('invoices', 'Customer { id billing { vatNumber } invoices { totalCount } }', [otherCustomer]))[0]);
    check('invoices Order.invoices', (await partnerEntities('invoices', 'Order { id invoices { id } }', [{ ...otherOrder, number: records.other.orderNumber }]))[0]);
    check('stock Order.shipments', (await partnerEntities('stock', 'Order { id shipments { id } }', [otherOrder]))[0]);
    expect(leaks).toEqual([]);
  });
});
