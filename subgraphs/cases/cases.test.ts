/**
 * The cases subgraph's reads over the Zendesk sandbox (the shared setup is cases-fixtures.ts): case(id),
 * Customer.cases and openCaseCount, Order.cases, a partner's view, and Zendesk's outages and rate
 * limits, with the Zendesk calls each costs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZENDESK_ORDER_NUMBER_FIELD_ID } from '../../sandbox/zendesk/index.js';
import { startCasesFixture } from './cases-fixtures.js';

// The subgraphs below audit to their default log: keep it out of the working tree.
process.env.AUDIT_LOG_PATH ??= join(mkdtempSync(join(tmpdir(), 'cases-test-')), 'audit.jsonl');

describe('cases subgraph over the Zendesk sandbox', () => {
  const fx = startCasesFixture();
  const { examples, gql, newestFirst, ops, orgOf, ticketWithOrder, world } = fx;

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
    fx.zendesk.reset();
    for (const id of ['abc', '0', '-5', '1.5', '', '01', '1 OR 1=1', '123456789012345678901']) {
      const { data, errors } = await gql('query($id: ID!) { case(id: $id) { id } }', { id });
      expect(data?.case ?? null).toBeNull();
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    }
    expect(fx.zendesk.stats().calls).toBe(0);
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
    expect(fx.zendesk.stats().calls).toBe(5);
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

  it('reports Zendesk outages and rate limits with codes naming the system', async () => {
    fx.zendesk.setFaults({ down: true });
    const down = await gql('{ case(id: "10001") { id } }');
    expect(down.data?.case ?? null).toBeNull();
    expect(down.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', system: 'servicedesk' });
    fx.zendesk.setFaults({ rateLimit: { perSecond: 1 } });
    await gql('{ case(id: "10001") { id } }');
    const limited = await gql('{ case(id: "10002") { id } }');
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', system: 'servicedesk' });
    expect(limited.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });
});
