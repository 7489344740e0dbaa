import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { attemptRecords, type AuditLog, createAuditLog, readAuditLog } from '../../platform/audit/audit-log.js';
import { freePort } from '../../platform/testing/redis-server.js';
import { startGateway } from '../../scripts/system.js';
import type { RunningGateway } from '../../gateway/src/server.js';
import { odooCall } from '../support/backends.js';
import { startTestSystem, testSettings, type TestSystem } from '../support/system.js';

/**
 * A mutation whose subgraph never answers is answered BACKEND_UNAVAILABLE by the gateway, which
 * audits what it told the client: the subgraph cannot (it never saw the attempt), or its own
 * record says what it would have answered (it was killed, or the gateway gave up on it first).
 */
let system: TestSystem;
let unreachable: RunningGateway;
let impatient: RunningGateway;
const auditLogs: AuditLog[] = [];
const settings = testSettings();
const GATEWAY_TIMEOUT_MS = 400;
beforeAll(async () => {
  system = await startTestSystem({ settings });
  const subgraphUrls = Object.fromEntries(Object.entries(system.subgraphs).map(([name, s]) => [name, s.url]));
  const gateway = (urls: Record<string, string>, overrides: Partial<typeof settings>) => {
    const auditLog = createAuditLog({ path: settings.auditLogPath });
    auditLogs.push(auditLog);
    return startGateway({ settings: { ...settings, ...overrides }, supergraphSdl: system.supergraphSdl, subgraphUrls: urls, principalSecret: system.principalSecret, auditLog, devKeysDir: system.devKeysDir });
  };
  // The orders subgraph's address has nobody behind it.
  unreachable = await gateway({ ...subgraphUrls, orders: `http://127.0.0.1:${await freePort()}/graphql` }, {});
  // The real subgraphs, but the gateway waits for an answer less long than a slow Odoo takes.
  impatient = await gateway(subgraphUrls, { subgraphTimeoutMs: GATEWAY_TIMEOUT_MS });
});
afterEach(() => system.sandboxes.odoo!.setFaults({}));
afterAll(async () => {
  await unreachable?.close();
  await impatient?.close();
  for (const log of auditLogs) await log.close();
  await system?.close();
});

const post = async (url: string, role: 'sales_rep' | 'finance', requestId: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await system.token(role)}`, 'x-request-id': requestId, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, any> | null; errors?: { extensions?: { code?: string } }[] };
};
const recordsOf = async (requestId: string) => (await readAuditLog(settings.auditLogPath)).filter((r) => r.correlationId === requestId);

describe('a mutation that cannot reach its subgraph', () => {
  it('is answered BACKEND_UNAVAILABLE and audited by the gateway with the key, the request id and what the client was told', async () => {
    const customerId = system.skeleton!.examples.fewOrders;
    const before = await system.stats('odoo');
    const body = await post(unreachable.url, 'sales_rep', 'unsent-1', 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }', { input: { customerId, idempotencyKey: 'unsent-key-1', lines: [{ sku: 'ANY', quantity: 1 }] } });
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['BACKEND_UNAVAILABLE']);
    const records = await recordsOf('unsent-1');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ operation: 'placeOrder', ownerSystem: 'odoo', outcome: 'BACKEND_UNAVAILABLE', clientOutcome: 'BACKEND_UNAVAILABLE', idempotencyKey: 'unsent-key-1', principal: { roles: ['sales_rep'] } });
    // Never sent: nothing can have landed, and no answer was lost.
    expect(records[0]!.backendOutcome).toBeUndefined();
    expect(records[0]!.answerLost).toBeUndefined();
    expect((await system.stats('odoo')).calls).toBe(before.calls);
  });
});

describe('a mutation whose subgraph answers after the gateway gave up', () => {
  it('is one attempt in the audit: what the client was told from the gateway, what the backend holds from the subgraph', async () => {
    const customerId = system.skeleton!.examples.fewOrders;
    const hold = `mutation($id: ID!) { setCreditHold(customerId: $id, onHold: true, reason: "Slow Odoo") { onHold holdReason } }`;
    const key = `lost-answer-${Date.now()}`;
    // Every Odoo call takes longer than the gateway waits, well within the subgraph's own deadline.
    system.sandboxes.odoo!.setFaults({ latencyMs: GATEWAY_TIMEOUT_MS + 300 });
    const body = await post(impatient.url, 'finance', 'lost-1', hold, { id: customerId }, { 'idempotency-key': key });
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['BACKEND_UNAVAILABLE']);
    // The gateway's record is written before the client's answer; the subgraph's once its own work has stopped.
    const records = await vi.waitFor(
      async () => {
        const written = await recordsOf('lost-1');
        expect(written.length).toBeGreaterThanOrEqual(2);
        return written;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(records[0]).toMatchObject({ operation: 'setCreditHold', clientOutcome: 'BACKEND_UNAVAILABLE', backendOutcome: 'unknown', answerLost: true, idempotencyKey: key });
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ operation: 'setCreditHold', idempotencyKey: key });
    expect(records[1]!.answerLost).toBeUndefined();
    // The gateway's going away stopped the subgraph's work before its write (the partner read was under way).
    const [attempt, ...more] = attemptRecords(records);
    expect(more).toEqual([]);
    expect(attempt).toMatchObject({ operation: 'setCreditHold', clientOutcome: 'BACKEND_UNAVAILABLE', backendOutcome: 'not applied', answerLost: true, idempotencyKey: key, correlationId: 'lost-1' });
    system.sandboxes.odoo!.setFaults({});
    const [partner] = await odooCall(system.sandboxes.odoo!.url, 'res.partner', 'search_read', [[['ref', '=', customerId]]], { fields: ['sale_warn'] });
    expect(partner.sale_warn).not.toBe('block');
    // The client's retry with the key writes it now.
    const retry = await post(impatient.url, 'finance', 'lost-2', hold, { id: customerId }, { 'idempotency-key': key });
    expect(retry.errors).toBeUndefined();
    expect(retry.data!.setCreditHold).toEqual({ onHold: true, holdReason: 'Slow Odoo' });
    expect(await recordsOf('lost-2')).toMatchObject([{ clientOutcome: 'ok' }]);
    await post(impatient.url, 'finance', 'lost-3', `mutation($id: ID!) { setCreditHold(customerId: $id, onHold: false) { onHold } }`, { id: customerId });
  }, 30_000);
});
