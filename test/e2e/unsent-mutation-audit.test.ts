import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditLog, createAuditLog, readAuditLog } from '../../platform/audit/audit-log.js';
import { freePort } from '../../platform/testing/redis-server.js';
import { startGateway } from '../../scripts/system.js';
import type { RunningGateway } from '../../gateway/src/server.js';
import { startTestSystem, testSettings, type TestSystem } from '../support/system.js';

let system: TestSystem;
let gateway: RunningGateway;
let auditLog: AuditLog;
const settings = testSettings();
beforeAll(async () => {
  system = await startTestSystem();
  // A second gateway over the same subgraphs, but the orders subgraph's address has nobody behind it.
  const subgraphUrls = Object.fromEntries(Object.entries(system.subgraphs).map(([name, s]) => [name, s.url]));
  subgraphUrls.orders = `http://127.0.0.1:${await freePort()}/graphql`;
  gateway = await startGateway({ settings, supergraphSdl: system.supergraphSdl, subgraphUrls, principalSecret: system.principalSecret, auditLog: (auditLog = createAuditLog({ path: settings.auditLogPath })), devKeysDir: system.devKeysDir });
});
afterAll(async () => {
  await gateway?.close();
  await auditLog?.close();
  await system?.close();
});

describe('a mutation that cannot reach its subgraph', () => {
  it('is answered BACKEND_UNAVAILABLE and audited by the gateway with the key, the request id and what the client was told', async () => {
    const customerId = system.skeleton!.examples.fewOrders;
    const before = await system.stats('odoo');
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await system.token('sales_rep')}`, 'x-request-id': 'unsent-1' },
      body: JSON.stringify({ query: 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }', variables: { input: { customerId, idempotencyKey: 'unsent-key-1', lines: [{ sku: 'ANY', quantity: 1 }] } } }),
    });
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['BACKEND_UNAVAILABLE']);
    const records = (await readAuditLog(settings.auditLogPath)).filter((r) => r.correlationId === 'unsent-1');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ operation: 'placeOrder', ownerSystem: 'odoo', outcome: 'BACKEND_UNAVAILABLE', clientOutcome: 'BACKEND_UNAVAILABLE', idempotencyKey: 'unsent-key-1', principal: { roles: ['sales_rep'] } });
    expect((await system.stats('odoo')).calls).toBe(before.calls);
  });
});
