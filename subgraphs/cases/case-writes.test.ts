/**
 * The cases subgraph's mutations over the Zendesk sandbox (the shared setup is cases-fixtures.ts):
 * openCase and addCaseComment with their input checks and refusals, and the record cache that a new
 * case invalidates.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../sandbox/common/server.js';
import { createZendeskSandbox, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_TOKEN } from '../../sandbox/zendesk/index.js';
import { createRecordCache } from '../shared/cache/index.js';
import { createZendeskConnector } from '../shared/connectors/servicedesk/zendesk-connector.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { AGENT, type GqlAnswer, startCasesFixture } from './cases-fixtures.js';
import { createCasesSubgraph } from './index.js';

// The subgraphs below audit to their default log: keep it out of the working tree.
process.env.AUDIT_LOG_PATH ??= join(mkdtempSync(join(tmpdir(), 'cases-test-')), 'audit.jsonl');

describe('cases subgraph over the Zendesk sandbox', () => {
  const fx = startCasesFixture();
  const { examples, gql, orgOf, world } = fx;

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
      expect(fx.zendesk.stats().calls).toBe(0);
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
