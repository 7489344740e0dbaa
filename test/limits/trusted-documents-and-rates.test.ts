import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type TestRedisServer } from '../../platform/testing/redis-server.js';
import { createAuditLog } from '../../platform/audit/audit-log.js';
import { startGateway } from '../../scripts/system.js';
import type { RunningGateway } from '../../gateway/src/server.js';
import { startTestSystem, testSettings, type TestSystem } from '../support/system.js';

const manifest = JSON.parse(readFileSync(new URL('../../schema/persisted-operations.json', import.meta.url), 'utf8')) as { operations: { id: string; name: string; body: string }[] };
const byName = (name: string) => manifest.operations.find((o) => o.name === name)!;
const total = (calls: Record<string, Record<string, number>>) => Object.values(calls).reduce((n, ops) => n + Object.values(ops).reduce((a, b) => a + b, 0), 0);

let redis: TestRedisServer;
let system: TestSystem;
/** Two more gateways over the same subgraphs and one Redis, with the default partner rate. */
let replicas: RunningGateway[];
beforeAll(async () => {
  redis = await startRedisServer();
  system = await startTestSystem({ settings: testSettings({ trustedDocuments: 'partners', redisUrl: redis.url }) });
  const settings = testSettings({ trustedDocuments: 'partners', redisUrl: redis.url, rateLimits: { partner: { perSecond: 3, burst: 5 } } });
  const subgraphUrls = Object.fromEntries(Object.entries(system.subgraphs).map(([name, s]) => [name, s.url]));
  replicas = await Promise.all(
    [0, 1].map(() => startGateway({ settings, supergraphSdl: system.supergraphSdl, subgraphUrls, principalSecret: system.principalSecret, auditLog: createAuditLog({ path: settings.auditLogPath }), devKeysDir: system.devKeysDir })),
  );
});
afterAll(async () => {
  await Promise.all((replicas ?? []).map((r) => r.close()));
  await system?.close();
  await redis?.stop();
});

const partnerOf = (index = 0) => {
  const skeleton = system.skeleton!;
  const customer = skeleton.customers.find((c) => c.resellerIndex === index)!;
  return { partnerId: skeleton.resellers[index]!.accountId, customerId: customer.accountId };
};
const post = async (url: string, token: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
};

describe('trusted documents', () => {
  it('refuse a partner\'s free-form operation with PERSISTED_QUERY_NOT_IN_LIST and no backend call', async () => {
    const { partnerId, customerId } = partnerOf();
    const token = await system.token('partner', partnerId);
    const snapshot = await system.snapshot();
    const answer = await post(system.gatewayUrl, token, { query: `{ customer(id: "${customerId}") { id name } }` });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(total(await snapshot.delta())).toBe(0);
  });

  it('run a manifest operation sent by its hash (or documentId), filtered like its text', async () => {
    const { partnerId, customerId } = partnerOf();
    const token = await system.token('partner', partnerId);
    const op = byName('PartnerOrders');
    const byHash = await post(system.gatewayUrl, token, { extensions: { persistedQuery: { version: 1, sha256Hash: op.id } }, variables: { id: customerId } });
    expect(byHash.body.errors).toBeUndefined();
    expect(byHash.body.data.customer.id).toBe(customerId);
    const byId = await post(system.gatewayUrl, token, { documentId: op.id, variables: { id: customerId } });
    expect(byId.body).toEqual(byHash.body);
    // Another reseller's customer answers like a nonexistent one, as with text.
    const other = system.skeleton!.customers.find((c) => c.resellerIndex !== null && c.resellerIndex !== 0)!;
    expect((await post(system.gatewayUrl, token, { documentId: op.id, variables: { id: other.accountId } })).body).toEqual({ data: { customer: null } });
    const unknown = await post(system.gatewayUrl, token, { documentId: 'f'.repeat(64), variables: { id: customerId } });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('leave other roles free to send text, and to use the manifest', async () => {
    const { customerId } = partnerOf();
    const token = await system.token('support_agent');
    expect((await post(system.gatewayUrl, token, { query: `{ customer(id: "${customerId}") { id } }` })).body.data.customer.id).toBe(customerId);
    expect((await post(system.gatewayUrl, token, { documentId: byName('PartnerOrders').id, variables: { id: customerId } })).body.data.customer.id).toBe(customerId);
  });

  it('keep introspection from partners: their text is refused before it is parsed', async () => {
    const { partnerId } = partnerOf();
    const answer = await post(system.gatewayUrl, await system.token('admin'), { query: '{ __schema { queryType { name } } }' });
    expect(answer.body.data.__schema.queryType.name).toBe('Query');
    const partner = await post(system.gatewayUrl, await system.token('partner', partnerId), { query: '{ __schema { queryType { name } } }' });
    expect(partner.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });
});

describe('rate limits', () => {
  it('answer a partner over its rate 429 RATE_LIMITED with Retry-After, one limit across two replicas over Redis', async () => {
    // A reseller no other test of this file counts requests for (the counters live in the shared Redis).
    const { partnerId, customerId } = partnerOf(1);
    const token = await system.token('partner', partnerId);
    const op = { documentId: byName('PartnerOrders').id, variables: { id: customerId } };
    const answers = [];
    // 3/s with bursts of 5, counted in Redis: 8 requests alternating between the replicas.
    for (let i = 0; i < 8; i++) answers.push(await post(replicas[i % 2]!.url, token, op));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answers[0]!.headers.get('ratelimit-policy')).toBe('"requests";q=3;w=1, "burst";q=2;w=10');
    expect(answers[0]!.headers.get('ratelimit')).toMatch(/^"requests";r=\d+;t=\d+$/);
  });
});
