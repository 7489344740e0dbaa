import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningSandbox } from '../../sandbox/common/server.js';
import { createZendeskSandbox, ZENDESK_ORDER_NUMBER_FIELD_ID, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_TOKEN } from '../../sandbox/zendesk/index.js';
import type { Principal } from '../../platform/authz/principal.js';
import { createRecordCache } from '../shared/cache/index.js';
import { createZendeskConnector } from '../shared/connectors/servicedesk/zendesk-connector.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createOdooSandbox, ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD } from '../../sandbox/odoo/index.js';
import { createOdooConnector } from '../shared/connectors/odoo/connector.js';
import { createCasesSubgraph, createOdooOrderDirectory } from './index.js';

// The subgraphs below audit to their default log: keep it out of the working tree.
process.env.AUDIT_LOG_PATH ??= join(mkdtempSync(join(tmpdir(), 'cases-test-')), 'audit.jsonl');

interface GqlAnswer {
  data?: Record<string, any> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

const AGENT: Principal = { sub: 'agent-1', roles: ['support_agent'], scopes: new Set(['cases:read', 'cases:internal', 'cases:write']) };

describe('cases subgraph over the Zendesk sandbox', () => {
  const sandbox = createZendeskSandbox();
  let zendesk: RunningSandbox;
  // The ERP, where a new case's order is checked.
  let odoo: RunningSandbox;
  let subgraph: RunningSubgraph;
  const world = () => sandbox.world;
  const examples = () => world().skeleton.examples;

  // Tests choose the caller with headers; the real deployment verifies the gateway's signed principal instead.
  const authenticate = (headers: Record<string, string | string[] | undefined>): Principal | null => {
    const partner = headers['x-test-partner'];
    if (typeof partner === 'string') return { sub: `partner-${partner}`, roles: ['partner'], scopes: new Set(['cases:read', 'cases:write']), partnerId: partner };
    return AGENT;
  };
  const ownership = {
    async partnerIdsByAccountIds(ids: string[]) {
      const skeleton = world().skeleton;
      return new Map(ids.map((id) => {
        const c = skeleton.byAccountId.get(id);
        return [id, c && c.resellerIndex !== null ? skeleton.resellers[c.resellerIndex]!.accountId : null] as const;
      }));
    },
  };

  const gql = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GqlAnswer> => {
    const res = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
    return (await res.json()) as GqlAnswer;
  };
  const ops = () => zendesk.stats().byOperation;
  const orgOf = (accountId: string) => world().organizationsByExternalId.get(accountId)!;
  const newestFirst = (orgId: number) =>
    [...(world().ticketIdsByOrganization.get(orgId) ?? [])].map((id) => world().tickets.get(id)!).sort((a, b) => (a.created_at < b.created_at ? 1 : -1)).map((t) => String(t.id));
  const ticketWithOrder = () => [...world().tickets.values()].find((t) => t.custom_fields.some((f) => f.id === ZENDESK_ORDER_NUMBER_FIELD_ID && f.value))!;

  beforeAll(async () => {
    [zendesk, odoo] = await Promise.all([sandbox.listen(0), createOdooSandbox().listen(0)]);
    const serviceDesk = createZendeskConnector({ baseUrl: zendesk.url, email: ZENDESK_SANDBOX_EMAIL, apiToken: ZENDESK_SANDBOX_TOKEN, timeoutMs: 2000, readRetries: 1 });
    const orders = createOdooOrderDirectory(createOdooConnector({ url: odoo.url, db: ODOO_DB, login: ODOO_LOGIN, apiKey: ODOO_PASSWORD, protocol: 'jsonrpc' }), createRecordCache({ tenant: 'retail' }));
    subgraph = await (await createCasesSubgraph({ serviceDesk, authenticate, ownership, orders })).listen(0);
  });
  afterAll(async () => {
    await subgraph.close();
    await Promise.all([zendesk.close(), odoo.close()]);
  });
  beforeEach(() => {
    zendesk.setFaults({});
    zendesk.reset();
  });

  it('answers case(id) with its fields, comments, internal notes, customer and order', async () => {
    const t = ticketWithOrder();
    const { data, errors } = await gql(`query($id: ID!) { case(id: $id) { id subject description status priority createdAt updatedAt
      comments { id body public authorId createdAt } internalComments { id body public } customer { id } order { number } } }`, { id: String(t.id) });
    expect(errors).toBeUndefined();
    const comments = world().commentsOf(t.id);
    expect(data!.case).toEqual({
      id: String(t.id),
      subject: t.subject,
      description: t.description,
      status: t.status.toUpperCase(),
      priority: t.priority ? t.priority.toUpperCase() : null,
      createdAt: t.created_at,
      updatedAt: t.updated_at,
      comments: comments.filter((c) => c.public).map((c) => ({ id: String(c.id), body: c.body, public: true, authorId: String(c.author_id), createdAt: c.created_at })),
      internalComments: comments.filter((c) => !c.public).map((c) => ({ id: String(c.id), body: c.body, public: false })),
      customer: { id: world().organizations.get(t.organization_id!)!.external_id },
      order: { number: t.custom_fields.find((f) => f.id === ZENDESK_ORDER_NUMBER_FIELD_ID)!.value },
    });
    expect(comments[0]!.body).toBe(t.description);
  });

  it('answers null for an unknown ticket and BAD_USER_INPUT for malformed ids without calling Zendesk', async () => {
    expect((await gql('{ case(id: "99999999") { id } }')).data!.case).toBeNull();
    zendesk.reset();
    for (const id of ['abc', '0', '-5', '1.5', '', '01', '1 OR 1=1', '123456789012345678901']) {
      const { data, errors } = await gql('query($id: ID!) { case(id: $id) { id } }', { id });
      expect(data?.case ?? null).toBeNull();
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    }
    expect(zendesk.stats().calls).toBe(0);
  });

  it('resolves Customer.cases through _entities with one org lookup, one ticket list (whole tickets, no show_many) and one comments call per ticket', async () => {
    const accountId = examples().manyOrders;
    const { data, errors } = await gql(
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Customer { id
        cases(first: 10) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id subject status comments { id body } } } } } } }`,
      { reps: [{ __typename: 'Customer', id: accountId }] },
    );
    expect(errors).toBeUndefined();
    const cases = data!._entities[0].cases;
    const expected = newestFirst(orgOf(accountId).id);
    expect(expected).toHaveLength(3);
    expect(cases.totalCount).toBe(3);
    expect(cases.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(expected);
    expect(cases.pageInfo).toEqual({ hasNextPage: false, endCursor: cases.edges[2].cursor });
    for (const edge of cases.edges) {
      expect(edge.node.comments.map((c: { id: string }) => c.id)).toEqual(world().commentsOf(Number(edge.node.id)).filter((c) => c.public).map((c) => String(c.id)));
    }
    expect(ops()).toEqual({ 'organizations.show_many': 1, 'organizations.tickets': 1, 'tickets.comments': 3 });
    expect(zendesk.stats().calls).toBe(5);
  });

  it('batches several customers into one org lookup, and the ticket lists serve the tickets', async () => {
    const ids = [examples().manyOrders, examples().fewOrders, examples().resellerCustomer];
    const { data, errors } = await gql(`query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Customer { cases { totalCount edges { node { id } } } } } }`, {
      reps: ids.map((id) => ({ __typename: 'Customer', id })),
    });
    expect(errors).toBeUndefined();
    expect(data!._entities.map((e: { cases: { totalCount: number } }) => e.cases.totalCount)).toEqual(ids.map((id) => newestFirst(orgOf(id).id).length));
    expect(ops()).toEqual({ 'organizations.show_many': 1, 'organizations.tickets': 3 });
  });

  it('pages Customer.cases with opaque cursors and checks first/after', async () => {
    const accountId = examples().manyOrders;
    const page = (first: number, after?: string) =>
      gql(`query($reps: [_Any!]!, $first: Int, $after: String) { _entities(representations: $reps) { ... on Customer { cases(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } } }`, { reps: [{ __typename: 'Customer', id: accountId }], first, after });
    const one = (await page(2)).data!._entities[0].cases;
    expect(one.edges).toHaveLength(2);
    expect(one.pageInfo.hasNextPage).toBe(true);
    const two = (await page(2, one.pageInfo.endCursor)).data!._entities[0].cases;
    expect([...one.edges, ...two.edges].map((e: { node: { id: string } }) => e.node.id)).toEqual(newestFirst(orgOf(accountId).id));
    expect(two.pageInfo.hasNextPage).toBe(false);
    for (const [first, after, field] of [[0, undefined, 'first'], [101, undefined, 'first'], [5, 'not-a-cursor', 'after']] as const) {
      const { errors } = await page(first, after);
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('gives customers without tickets or without an organization an empty connection and 0 open cases', async () => {
    const { data } = await gql(`query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Customer { cases { totalCount edges { cursor } pageInfo { hasNextPage endCursor } } openCaseCount } } }`, {
      reps: [{ __typename: 'Customer', id: examples().noTickets }, { __typename: 'Customer', id: '001000000000000AAA' }],
    });
    const empty = { cases: { totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } }, openCaseCount: 0 };
    expect(data!._entities).toEqual([empty, empty]);
  });

  it('counts open cases (not solved or closed)', async () => {
    const ids = world().skeleton.customers.slice(0, 6).map((c) => c.accountId);
    const { data } = await gql(`query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Customer { openCaseCount } } }`, { reps: ids.map((id) => ({ __typename: 'Customer', id })) });
    const expected = ids.map((id) => (world().ticketIdsByOrganization.get(orgOf(id).id) ?? []).filter((t) => ['new', 'open', 'pending', 'hold'].includes(world().tickets.get(t)!.status)).length);
    expect(data!._entities.map((e: { openCaseCount: number }) => e.openCaseCount)).toEqual(expected);
    expect(ops()['search.query']).toBe(1);
  });

  it('resolves Order.cases by number and Case references', async () => {
    const t = ticketWithOrder();
    const number = t.custom_fields.find((f) => f.id === ZENDESK_ORDER_NUMBER_FIELD_ID)!.value as string;
    const { data, errors } = await gql(`query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { number cases { id order { number } } } ... on Case { id subject } } }`, {
      reps: [{ __typename: 'Order', number }, { __typename: 'Order', number: 'S99999' }, { __typename: 'Case', id: String(t.id) }, { __typename: 'Case', id: 'nope' }],
    });
    expect(errors).toBeUndefined();
    const ids = world().ticketIdsByOrderNumber.get(number)!.map(String);
    expect(data!._entities[0].cases.map((c: { id: string }) => c.id).sort()).toEqual([...ids].sort());
    expect(data!._entities[0].cases[0].order).toEqual({ number });
    expect(data!._entities[1]).toEqual({ number: 'S99999', cases: [] });
    expect(data!._entities[2]).toEqual({ id: String(t.id), subject: t.subject });
    expect(data!._entities[3]).toBeNull();
    // The search returned full tickets: no show_many for them.
    expect(ops()['tickets.show_many']).toBe(1);
  });

  it('serves its SDL through _service', async () => {
    const { data } = await gql('{ _service { sdl } }');
    expect(data!._service.sdl).toMatch(/type Case\s+@key\(fields: "id"\)/);
    expect(data!._service.sdl).toContain('openCaseCount');
  });

  it('hides another reseller’s cases from a partner exactly like unknown ids', async () => {
    const { reseller, resellerCustomer, otherResellerCustomer } = examples();
    const own = world().ticketIdsByOrganization.get(orgOf(resellerCustomer).id)![0]!;
    const other = world().ticketIdsByOrganization.get(orgOf(otherResellerCustomer).id)![0]!;
    const asPartner = { 'x-test-partner': reseller };
    const q = 'query($id: ID!) { case(id: $id) { id } }';
    expect((await gql(q, { id: String(own) }, asPartner)).data!.case).toEqual({ id: String(own) });
    const hidden = await gql(q, { id: String(other) }, asPartner);
    const unknown = await gql(q, { id: '99999999' }, asPartner);
    expect(hidden).toEqual(unknown);
    expect(hidden).toEqual({ data: { case: null } });
    const entities = await gql(`query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Customer { cases { totalCount } openCaseCount } } }`, {
      reps: [{ __typename: 'Customer', id: otherResellerCustomer }, { __typename: 'Customer', id: resellerCustomer }],
    }, asPartner);
    expect(entities.data!._entities[0]).toEqual({ cases: { totalCount: 0 }, openCaseCount: 0 });
    expect(entities.data!._entities[1].cases.totalCount).toBe(world().ticketIdsByOrganization.get(orgOf(resellerCustomer).id)!.length);
  });

  describe('mutations', () => {
    const open = `mutation($input: OpenCaseInput!) { openCase(input: $input) { id subject status priority order { number } customer { id } comments { body } } }`;

    it('openCase creates a ticket on the customer’s organization; a replay with the same key returns the first case', async () => {
      const orderNumber = world().skeleton.byAccountId.get(examples().fewOrders)!.orders[0]!.number;
      const input = { customerId: examples().fewOrders, subject: 'Chain snapped', description: 'The chain snapped on day one.', priority: 'HIGH', orderId: orderNumber, idempotencyKey: 'oc-1' };
      const first = await gql(open, { input });
      expect(first.errors).toBeUndefined();
      expect(first.data!.openCase).toMatchObject({ subject: 'Chain snapped', status: 'NEW', priority: 'HIGH', order: { number: orderNumber }, customer: { id: examples().fewOrders }, comments: [{ body: 'The chain snapped on day one.' }] });
      const replay = await gql(open, { input });
      expect(replay.data!.openCase.id).toBe(first.data!.openCase.id);
      expect(world().ticketIdsByOrganization.get(orgOf(examples().fewOrders).id)).toHaveLength(4);
      const conflict = await gql(open, { input: { ...input, subject: 'Different' } });
      expect(conflict.errors?.[0]?.extensions).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', reason: 'INPUT_MISMATCH' });
    });

    it('openCase validates its input first, naming the field, with no Zendesk call', async () => {
      const valid = { customerId: examples().fewOrders, subject: 'S', description: 'D' };
      for (const [patch, field] of [
        [{ customerId: 'x' }, 'input.customerId'],
        [{ subject: '  ' }, 'input.subject'],
        [{ subject: 'x'.repeat(151) }, 'input.subject'],
        [{ description: '' }, 'input.description'],
        [{ orderId: 'S0" OR x' }, 'input.orderId'],
        [{ subject: 'bell\u0007' }, 'input.subject'],
        [{ idempotencyKey: '' }, 'input.idempotencyKey'],
      ] as const) {
        const { errors } = await gql(open, { input: { ...valid, ...patch } });
        expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      }
      expect(zendesk.stats().calls).toBe(0);
      const unknown = await gql(open, { input: { ...valid, customerId: '001000000000000AAA' } });
      expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const partner = await gql(open, { input: { ...valid, customerId: examples().otherResellerCustomer } }, { 'x-test-partner': examples().reseller });
      expect(partner.errors?.[0]).toMatchObject({ message: unknown.errors![0]!.message, extensions: { code: 'NOT_FOUND' } });
    });

    it('addCaseComment adds public comments and internal notes; closed tickets are rejected', async () => {
      const ticket = [...world().tickets.values()].find((t) => t.status === 'open')!;
      const add = `mutation($id: ID!, $body: String!, $internal: Boolean) { addCaseComment(caseId: $id, body: $body, internal: $internal) { id body public } }`;
      const pub = await gql(add, { id: String(ticket.id), body: 'We are on it.' });
      expect(pub.data!.addCaseComment).toMatchObject({ body: 'We are on it.', public: true });
      const note = await gql(add, { id: String(ticket.id), body: 'Check the warehouse.', internal: true });
      expect(note.data!.addCaseComment).toMatchObject({ public: false });
      const read = await gql(`query($id: ID!) { case(id: $id) { comments { body } internalComments { body } } }`, { id: String(ticket.id) });
      expect(read.data!.case.comments.at(-1)).toEqual({ body: 'We are on it.' });
      expect(read.data!.case.internalComments.at(-1)).toEqual({ body: 'Check the warehouse.' });
      const closed = [...world().tickets.values()].find((t) => t.status === 'closed')!;
      expect((await gql(add, { id: String(closed.id), body: 'hi' })).errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_REJECTED', system: 'servicedesk' });
      expect((await gql(add, { id: 'x', body: 'hi' })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'caseId' });
      expect((await gql(add, { id: String(ticket.id), body: ' ' })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'body' });
      expect((await gql(add, { id: '99999999', body: 'hi' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const partnerNote = await gql(add, { id: String(ticket.id), body: 'x', internal: true }, { 'x-test-partner': examples().reseller });
      expect(partnerNote.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });

  it('reports Zendesk outages and rate limits with codes naming the system', async () => {
    zendesk.setFaults({ down: true });
    const down = await gql('{ case(id: "10001") { id } }');
    expect(down.data?.case ?? null).toBeNull();
    expect(down.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', system: 'servicedesk' });
    zendesk.setFaults({ rateLimit: { perSecond: 1 } });
    await gql('{ case(id: "10001") { id } }');
    const limited = await gql('{ case(id: "10002") { id } }');
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', system: 'servicedesk' });
    expect(limited.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });
});

describe('cases subgraph with the record cache', () => {
  const sandbox = createZendeskSandbox();
  let zendesk: RunningSandbox;
  let subgraph: RunningSubgraph;
  const gql = async (query: string, variables: Record<string, unknown> = {}): Promise<GqlAnswer> => {
    const res = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    return (await res.json()) as GqlAnswer;
  };

  beforeAll(async () => {
    zendesk = await sandbox.listen(0);
    const serviceDesk = createZendeskConnector({ baseUrl: zendesk.url, email: ZENDESK_SANDBOX_EMAIL, apiToken: ZENDESK_SANDBOX_TOKEN });
    subgraph = await (await createCasesSubgraph({ serviceDesk, authenticate: () => AGENT, cache: createRecordCache({ tenant: 'retail' }) })).listen(0);
  });
  afterAll(async () => {
    await subgraph.close();
    await zendesk.close();
  });

  it('serves a repeated view from the cache and sees a new case after openCase invalidates the list', async () => {
    const accountId = sandbox.world.skeleton.examples.fewOrders;
    const view = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Customer { cases { totalCount edges { node { id comments { id } } } } openCaseCount } } }`;
    const reps = [{ __typename: 'Customer', id: accountId }];
    const first = await gql(view, { reps });
    const calls = zendesk.stats().calls;
    expect(calls).toBeGreaterThan(0);
    // Same data and no backend call; only the reported freshness (extensions.freshForMs) has moved on.
    const repeat = await gql(view, { reps });
    expect(repeat.data).toEqual(first.data);
    expect(repeat.errors).toEqual(first.errors);
    expect(zendesk.stats().calls).toBe(calls);
    const opened = await gql(`mutation($input: OpenCaseInput!) { openCase(input: $input) { id } }`, { input: { customerId: accountId, subject: 'Cached?', description: 'New case' } });
    const after = await gql(view, { reps });
    expect(after.data!._entities[0].cases.totalCount).toBe(first.data!._entities[0].cases.totalCount + 1);
    expect(after.data!._entities[0].cases.edges[0].node.id).toBe(opened.data!.openCase.id);
    expect(after.data!._entities[0].openCaseCount).toBe(first.data!._entities[0].openCaseCount + 1);
  });

  it('keeps the tickets of an organization list: a later case(id) costs no call', async () => {
    const accountId = sandbox.world.skeleton.examples.manyOrders;
    const list = await gql(`query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Customer { cases { edges { node { id subject status } } } } } }`, {
      reps: [{ __typename: 'Customer', id: accountId }],
    });
    const first = list.data!._entities[0].cases.edges[0].node as { id: string; subject: string; status: string };
    const before = { ...zendesk.stats().byOperation };
    const one = await gql('query($id: ID!) { case(id: $id) { id subject status } }', { id: first.id });
    expect(one.data!.case).toEqual(first);
    expect(zendesk.stats().byOperation).toEqual(before);
  });
});
