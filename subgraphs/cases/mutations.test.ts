import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningSandbox } from '../../sandbox/common/server.js';
import { createOdooSandbox } from '../../sandbox/odoo/index.js';
import { createSalesforceSandbox } from '../../sandbox/salesforce/index.js';
import { createZendeskSandbox, ZENDESK_ORDER_NUMBER_FIELD_ID, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_TOKEN } from '../../sandbox/zendesk/index.js';
import { createAuthenticate, signPrincipalHeaders } from '../../platform/authz/principal-header.js';
import type { Principal } from '../../platform/authz/principal.js';
import { scopesForRoles } from '../../platform/authz/roles.js';
import { createRecordCache } from '../shared/cache/index.js';
import { createZendeskConnector } from '../shared/connectors/servicedesk/zendesk-connector.js';
import { createAuditLog, readAuditLog, type AuditLog } from '../../platform/audit/audit-log.js';
import { createIdempotencyStore } from '../shared/mutations/idempotency.js';
import { createMutationRunner } from '../shared/mutations/run-mutation.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createOdooConnector } from '../shared/connectors/odoo/connector.js';
import { ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD } from '../../sandbox/odoo/index.js';
import { createCasesSubgraph, createOdooOrderDirectory } from './index.js';

interface GqlAnswer {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

const SECRET = 'cases-mutations-secret-0123456789abcdef';
const TIMEOUT_MS = 300;
const principal = (sub: string, roles: string[], scopes?: string[]): Principal => ({ sub, roles, scopes: new Set(scopes ?? scopesForRoles(roles)) });
const AGENT = principal('agent-7', ['support_agent']);
const SALES = principal('rep-3', ['sales_rep']);
const WRITER_NO_INTERNAL = principal('writer-1', ['support_agent'], ['cases:read', 'cases:write']);

const OPEN = `mutation($input: OpenCaseInput!) { openCase(input: $input) { id subject description status priority order { number } customer { id } } }`;
const COMMENT = `mutation($id: ID!, $body: String!, $internal: Boolean) { addCaseComment(caseId: $id, body: $body, internal: $internal) { id body public } }`;

describe('cases mutations: owner-routed, idempotent, audited (Zendesk, Salesforce and Odoo sandboxes)', () => {
  const zendeskSandbox = createZendeskSandbox();
  const salesforceSandbox = createSalesforceSandbox();
  const odooSandbox = createOdooSandbox();
  let zendesk: RunningSandbox;
  let salesforce: RunningSandbox;
  let odoo: RunningSandbox;
  let subgraph: RunningSubgraph;
  let log: AuditLog;
  const auditPath = join(mkdtempSync(join(tmpdir(), 'cases-audit-')), 'audit.jsonl');
  /** Every mutation call this file sends: each must have its audit line. */
  let attempts = 0;
  const world = () => zendeskSandbox.world;
  const examples = () => world().skeleton.examples;
  const ops = () => zendesk.stats().byOperation;

  const post = async (query: string, variables: Record<string, unknown>, who: Principal | null, extra: Record<string, string> = {}) => {
    if (query.trimStart().startsWith('mutation')) attempts += 1;
    const res = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(who ? signPrincipalHeaders(who, SECRET) : {}), ...extra },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as GqlAnswer };
  };
  const gql = async (query: string, variables: Record<string, unknown> = {}, who: Principal = AGENT, extra: Record<string, string> = {}) => (await post(query, variables, who, extra)).body;
  /** Reads through Zendesk's own API, as any Zendesk client would. */
  const zendeskGet = async (path: string) => {
    const res = await fetch(`${zendesk.url}/api/v2${path}`, { headers: { authorization: `Basic ${Buffer.from(`${ZENDESK_SANDBOX_EMAIL}/token:${ZENDESK_SANDBOX_TOKEN}`).toString('base64')}` } });
    return (await res.json()) as Record<string, any>;
  };
  const orgTicketCount = (accountId: string) => world().ticketIdsByOrganization.get(world().organizationsByExternalId.get(accountId)!.id)?.length ?? 0;
  /** Write calls other systems served: a case's order is read from the ERP, never written there. */
  const writesOf = (sandbox: RunningSandbox) =>
    Object.entries(sandbox.stats().byOperation).reduce((n, [op, calls]) => (/\.(create|write|unlink|update|upsert|delete|action_\w+|button_\w+)$/.test(op) ? n + calls : n), 0);
  const writesElsewhere = () => ({ salesforce: salesforce.stats().calls, odoo: writesOf(odoo) });

  beforeAll(async () => {
    [zendesk, salesforce, odoo] = await Promise.all([zendeskSandbox.listen(0), salesforceSandbox.listen(0), odooSandbox.listen(0)]);
    const serviceDesk = createZendeskConnector({ baseUrl: zendesk.url, email: ZENDESK_SANDBOX_EMAIL, apiToken: ZENDESK_SANDBOX_TOKEN, timeoutMs: TIMEOUT_MS, readRetries: 1 });
    log = createAuditLog({ path: auditPath });
    const runner = createMutationRunner({ store: createIdempotencyStore({ keyPrefix: 'idem:cases-test' }), log });
    const ownership = {
      async partnerIdsByAccountIds(ids: string[]) {
        const skeleton = world().skeleton;
        return new Map(ids.map((id) => [id, (() => {
          const c = skeleton.byAccountId.get(id);
          return c && c.resellerIndex !== null ? skeleton.resellers[c.resellerIndex]!.accountId : null;
        })()] as const));
      },
    };
    subgraph = await (
      await createCasesSubgraph({
        serviceDesk,
        cache: createRecordCache({ tenant: 'retail' }),
        authenticate: createAuthenticate({ secret: SECRET }),
        ownership,
        mutations: { runner },
        orders: createOdooOrderDirectory(
          createOdooConnector({ url: odoo.url, db: ODOO_DB, login: ODOO_LOGIN, apiKey: ODOO_PASSWORD, protocol: 'jsonrpc', timeoutMs: 3000 }),
          createRecordCache({ tenant: 'retail' }),
        ),
      })
    ).listen(0);
  });
  afterAll(async () => {
    await subgraph.close();
    await Promise.all([zendesk.close(), salesforce.close(), odoo.close()]);
    await log.close();
  });
  beforeEach(() => {
    zendesk.setFaults({});
    zendesk.reset();
  });

  /** A customer's own order number, as the ERP holds it. */
  const orderOf = (accountId: string) => world().skeleton.byAccountId.get(accountId)!.orders[0]!;

  it('openCase writes one ticket to Zendesk only, readable through the Zendesk API; the answer names the changed entities', async () => {
    const customerId = examples().fewOrders;
    const before = orgTicketCount(customerId);
    const orderNumber = orderOf(customerId).number;
    const answer = await gql(OPEN, { input: { customerId, subject: 'Chain snapped', description: 'Snapped on day one.', priority: 'HIGH', orderId: orderNumber } });
    expect(answer.errors).toBeUndefined();
    const id = answer.data!.openCase.id as string;
    expect(answer.extensions?.invalidate).toEqual([`Case:${id}`, `Customer:${customerId}`]);
    const { ticket } = await zendeskGet(`/tickets/${id}.json`);
    expect(ticket).toMatchObject({ subject: 'Chain snapped', description: 'Snapped on day one.', priority: 'high', organization_id: world().organizationsByExternalId.get(customerId)!.id });
    expect(ticket.custom_fields).toContainEqual({ id: ZENDESK_ORDER_NUMBER_FIELD_ID, value: orderNumber });
    expect(orgTicketCount(customerId)).toBe(before + 1);
    expect(ops()['tickets.create']).toBe(1);
    expect(ops()['tickets.update']).toBeUndefined();
    // The order is checked against the ERP (read, never written): Zendesk is the only system written.
    expect(writesElsewhere()).toEqual({ salesforce: 0, odoo: 0 });
    expect(odoo.stats().byOperation).toMatchObject({ 'sale.order.search_read': 1, 'res.partner.search_read': 1 });
  });

  it('openCase replayed 20 times at once with one key makes exactly one ticket and answers the same case; another input is IDEMPOTENCY_CONFLICT', async () => {
    const customerId = examples().manyOrders;
    const before = orgTicketCount(customerId);
    const input = { customerId, subject: 'Wrong size', description: 'Frame is 54, ordered 56.', idempotencyKey: 'replay-20' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => gql(OPEN, { input })));
    expect(answers.flatMap((a) => a.errors ?? [])).toEqual([]);
    const ids = new Set(answers.map((a) => a.data!.openCase.id));
    expect(ids.size).toBe(1);
    expect(orgTicketCount(customerId)).toBe(before + 1);
    expect(ops()['tickets.create']).toBe(1);
    // The key in the header (forwarded by the gateway) is the same key.
    const viaHeader = await gql(OPEN, { input: { ...input, idempotencyKey: undefined } }, AGENT, { 'idempotency-key': 'replay-20' });
    expect(viaHeader.data!.openCase.id).toBe([...ids][0]);
    const conflict = await gql(OPEN, { input: { ...input, subject: 'Another subject' } });
    expect(conflict.errors?.[0]?.extensions).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', reason: 'INPUT_MISMATCH' });
    const mismatch = await gql(OPEN, { input }, AGENT, { 'idempotency-key': 'other-key' });
    expect(mismatch.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.idempotencyKey' });
    expect(ops()['tickets.create']).toBe(1);
    expect(writesElsewhere()).toEqual({ salesforce: 0, odoo: 0 });
  });

  it('a create that commits after the client timed out is recovered by the retry with the same key, without a duplicate', async () => {
    const customerId = examples().noTickets;
    // Warm the organization lookup so that only the write and its lookup meet the slow backend.
    await gql(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { openCaseCount } } }`, { r: [{ __typename: 'Customer', id: customerId }] });
    const before = orgTicketCount(customerId);
    const input = { customerId, subject: 'Late answer', description: 'Committed after the timeout.', idempotencyKey: 'late-1' };
    zendesk.setFaults({ latencyMs: TIMEOUT_MS * 2 });
    const first = await gql(OPEN, { input });
    expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', system: 'servicedesk' });
    // The sandbox commits once its latency has passed, after the connector gave up.
    const deadline = Date.now() + 5000;
    while (orgTicketCount(customerId) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(orgTicketCount(customerId)).toBe(before + 1);
    zendesk.setFaults({});
    const committed = [...world().tickets.values()].find((t) => t.subject === 'Late answer')!;
    const retry = await gql(OPEN, { input });
    expect(retry.errors).toBeUndefined();
    expect(retry.data!.openCase.id).toBe(String(committed.id));
    expect(orgTicketCount(customerId)).toBe(before + 1);
    // Found by the ticket's external_id in the organization's list; no second create was sent.
    expect(ops()['tickets.create']).toBe(1);
    expect(ops()['organizations.tickets']).toBeGreaterThanOrEqual(2);
    const audit = (await readAuditLog(auditPath)).filter((r) => r.idempotencyKey === 'late-1');
    expect(audit.map((r) => [r.outcome, r.replayed ?? false, r.backendRecordId])).toEqual([
      ['BACKEND_UNAVAILABLE', false, null],
      ['ok', true, String(committed.id)],
    ]);
    expect(writesElsewhere()).toEqual({ salesforce: 0, odoo: 0 });
  });

  it('addCaseComment writes to Zendesk only; without a key a timed-out comment is reported and never repeated', async () => {
    const ticket = [...world().tickets.values()].find((t) => t.status === 'open')!;
    const answer = await gql(COMMENT, { id: String(ticket.id), body: 'We ship a new chain today.' });
    expect(answer.errors).toBeUndefined();
    expect(answer.extensions?.invalidate).toEqual([`Case:${ticket.id}`]);
    const note = await gql(COMMENT, { id: String(ticket.id), body: 'Warehouse confirmed.', internal: true });
    expect(note.data!.addCaseComment).toMatchObject({ body: 'Warehouse confirmed.', public: false });
    const { comments } = await zendeskGet(`/tickets/${ticket.id}/comments.json`);
    expect(comments.slice(-2).map((c: { body: string; public: boolean }) => [c.body, c.public])).toEqual([
      ['We ship a new chain today.', true],
      ['Warehouse confirmed.', false],
    ]);
    expect(ops()['tickets.update']).toBe(2);
    // Warm the case in the record cache so that only the write meets the slow backend.
    await gql(`query($id: ID!) { case(id: $id) { id } }`, { id: String(ticket.id) });
    zendesk.setFaults({ latencyMs: TIMEOUT_MS * 2 });
    const slow = await gql(COMMENT, { id: String(ticket.id), body: 'Slow comment' });
    expect(slow.errors?.[0]?.extensions).toMatchObject({ code: 'BACKEND_UNAVAILABLE', system: 'servicedesk' });
    await new Promise((r) => setTimeout(r, TIMEOUT_MS * 3));
    zendesk.setFaults({});
    expect(ops()['tickets.update']).toBe(3);
    expect(world().commentsOf(ticket.id).filter((c) => c.body === 'Slow comment')).toHaveLength(1);
    expect(ops()['tickets.create']).toBeUndefined();
    expect(writesElsewhere()).toEqual({ salesforce: 0, odoo: 0 });
  });

  it('addCaseComment with an Idempotency-Key replays the first comment', async () => {
    const ticket = [...world().tickets.values()].find((t) => t.status === 'open')!;
    const headers = { 'idempotency-key': 'comment-1' };
    const first = await gql(COMMENT, { id: String(ticket.id), body: 'Once only.' }, AGENT, headers);
    const again = await gql(COMMENT, { id: String(ticket.id), body: 'Once only.' }, AGENT, headers);
    expect(again.data!.addCaseComment).toEqual(first.data!.addCaseComment);
    expect(ops()['tickets.update']).toBe(1);
  });

  it('only principals with cases:write write, internal notes need cases:internal, subgraph calls need the gateway signature', async () => {
    const ticket = [...world().tickets.values()].find((t) => t.status === 'open')!;
    const input = { customerId: examples().fewOrders, subject: 'x', description: 'y' };
    const denied = await gql(OPEN, { input }, SALES);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(denied.data).toBeNull();
    expect((await gql(COMMENT, { id: String(ticket.id), body: 'hi' }, SALES)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const internal = await gql(COMMENT, { id: String(ticket.id), body: 'secret', internal: true }, WRITER_NO_INTERNAL);
    expect(internal.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'internal' });
    expect(zendesk.stats().calls).toBe(0);
    const publicComment = await gql(COMMENT, { id: String(ticket.id), body: 'public is fine' }, WRITER_NO_INTERNAL);
    expect(publicComment.data!.addCaseComment.public).toBe(true);
    const unsigned = await post(OPEN, { input }, null);
    attempts -= 1; // refused before GraphQL runs (401): there is no mutation attempt to audit
    expect(unsigned.status).toBe(401);
    expect(ops()['tickets.update']).toBe(1);
  });

  it('openCase: orderId takes the order number or id of one of the customer\'s orders; any other order is refused alike, with no Zendesk call', async () => {
    const customerId = examples().fewOrders;
    const own = orderOf(customerId);
    const byId = await gql(OPEN, { input: { customerId, subject: 's', description: 'd', orderId: String(own.odooId) } });
    expect(byId.errors).toBeUndefined();
    expect(byId.data!.openCase.order).toEqual({ number: own.number });
    zendesk.reset();
    const foreign = orderOf(examples().manyOrders);
    const answers = [];
    for (const orderId of [foreign.number, String(foreign.odooId), 'S99999', '999999']) {
      answers.push(await gql(OPEN, { input: { customerId, subject: 's', description: 'd', orderId } }));
    }
    for (const answer of answers) {
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.orderId' });
      expect(answer.errors?.[0]?.message).toBe(answers[0]!.errors?.[0]?.message);
    }
    expect(ops()['tickets.create']).toBeUndefined();
  });

  it('openCase refuses control characters in its texts (tab and line breaks allowed in the description)', async () => {
    zendesk.reset();
    const customerId = examples().fewOrders;
    for (const [patch, field] of [
      [{ subject: 'Bell\u0007' }, 'input.subject'],
      [{ subject: 'tab\tin subject' }, 'input.subject'],
      [{ description: 'nul\u0000' }, 'input.description'],
      [{ description: 'esc\u001b[31m' }, 'input.description'],
    ] as const) {
      const answer = await gql(OPEN, { input: { ...{ customerId, subject: 's', description: 'd' }, ...patch } });
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const comment = await gql(COMMENT, { id: String([...world().tickets.keys()][0]), body: 'beep\u0007' });
    expect(comment.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'body' });
    expect(zendesk.stats().calls).toBe(0);
    const multiline = await gql(OPEN, { input: { customerId, subject: 's', description: 'line one\n\tline two\r\n' } });
    expect(multiline.errors).toBeUndefined();
  });

  it('audits every attempt of this file, failed ones included, with digests only; the log survives a new instance', async () => {
    const records = await readAuditLog(auditPath);
    expect(records).toHaveLength(attempts);
    const outcomes = new Set(records.map((r) => r.outcome));
    for (const code of ['ok', 'IDEMPOTENCY_CONFLICT', 'BAD_USER_INPUT', 'BACKEND_UNAVAILABLE', 'FORBIDDEN']) expect(outcomes).toContain(code);
    expect(records.every((r) => r.ownerSystem === 'servicedesk' && /^[0-9a-f]{64}$/.test(r.inputDigest))).toBe(true);
    expect(records.filter((r) => r.operation === 'openCase' && r.idempotencyKey === 'replay-20' && r.outcome === 'ok')).toHaveLength(21);
    expect(records.find((r) => r.principal?.sub === 'rep-3')).toMatchObject({ outcome: 'FORBIDDEN', operation: 'openCase' });
    const text = readFileSync(auditPath, 'utf8');
    for (const secret of ['Snapped on day one.', 'Warehouse confirmed.', 'Frame is 54', 'secret']) expect(text).not.toContain(secret);
    await log.close();
    const reopened = createAuditLog({ path: auditPath });
    await reopened.append({ ...records[0]!, time: new Date().toISOString(), correlationId: 'after-reopen' });
    await reopened.close();
    const again = await readAuditLog(auditPath);
    expect(again).toHaveLength(attempts + 1);
    expect(again.slice(0, attempts)).toEqual(records);
  });
});
