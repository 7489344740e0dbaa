import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_KEYS_DIR } from '../../gateway/src/auth/dev-keys.js';
import { startRedisServer, type TestRedisServer } from '../../platform/testing/redis-server.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { startTestSystem, testSettings, type TestSystem } from '../support/system.js';
import { edit, firstShowing } from '../feeds/feed-system.js';

/**
 * Two `npm run gateway` processes over the same subgraphs and one Redis: a write through one is
 * seen by the next read through the other, although that one had the answer in its response
 * cache and its subgraph fetch cache. Without the shared wiring (`startGateway`), the fetch cache
 * had no Redis and the second replica answered from before the write until its TTL.
 *
 * The change feeds run in the subgraphs' process, which has no gateway of its own: they reach the
 * replicas' caches over the same Redis.
 */
let redis: TestRedisServer;
let system: TestSystem;
let replicas: GatewayProcess[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
  // The children sign nothing: they verify the development keys `npm run token` uses.
  const settings = testSettings({ redisUrl: redis.url });
  system = await startTestSystem({ settings: { ...settings, feeds: { ...settings.feeds, odoo: true } }, gateway: false, devKeysDir: DEV_KEYS_DIR });
  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    PRINCIPAL_SECRET: system.principalSecret,
    AUDIT_LOG_PATH: join(mkdtempSync(join(tmpdir(), 'c360-replicas-')), 'audit.jsonl'),
    TRUSTED_DOCUMENTS: 'off',
  };
  for (const [name, subgraph] of Object.entries(system.subgraphs)) env[`${name.toUpperCase()}_SUBGRAPH_URL`] = subgraph.url;
  replicas = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
}, 90_000);
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
  await system?.close();
  await redis?.stop();
});

async function post(url: string, query: string, variables: Record<string, unknown>): Promise<{ body: any; cache: string | null }> {
  const token = await system.token('finance');
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  expect(res.status).toBe(200);
  return { body: await res.json(), cache: res.headers.get('x-cache') };
}

const BILLING = `query($id: ID!) { customer(id: $id) { id billing { onHold holdReason } } }`;
const BILLING_AGAIN = `query Billing($id: ID!) { customer(id: $id) { billing { onHold holdReason } } }`;

describe('two npm run gateway replicas over one Redis', () => {
  it('a write through one is read through the other, response cache and fetch cache included', async () => {
    const [a, b] = replicas as [GatewayProcess, GatewayProcess];
    const id = system.skeleton!.examples.fewOrders;
    expect((await post(b.url, BILLING, { id })).body.data.customer.billing.onHold).toBe(false);
    // Both of b's caches hold it now: the same text is a response-cache hit, another text reaches
    // the fetch cache; neither costs a backend call.
    const snapshot = await system.snapshot();
    expect((await post(b.url, BILLING, { id })).cache).toBe('hit');
    const other = await post(b.url, BILLING_AGAIN, { id });
    expect(other.cache).toBe('miss');
    expect(other.body.data.customer.billing.onHold).toBe(false);
    expect(Object.values(await snapshot.delta()).every((ops) => Object.keys(ops).length === 0)).toBe(true);

    const write = await post(a.url, `mutation($id: ID!) { setCreditHold(customerId: $id, onHold: true, reason: "Replica check") { onHold } }`, { id });
    expect(write.body.data.setCreditHold.onHold).toBe(true);
    expect((await post(b.url, BILLING, { id })).body.data.customer).toEqual({ id, billing: { onHold: true, holdReason: 'Replica check' } });
    expect((await post(b.url, BILLING_AGAIN, { id })).body.data.customer.billing).toEqual({ onHold: true, holdReason: 'Replica check' });
  });

  it("an out-of-band change in Odoo evicts both replicas' cached answers through the feeds of the subgraphs' process", async () => {
    const customer = system.skeleton!.customers.find((c) => c.hasErpPartner && c.accountId !== system.skeleton!.examples.fewOrders)!;
    const id = customer.accountId;
    const onHold = async (url: string) => (await post(url, BILLING, { id })).body.data.customer.billing.onHold as boolean;
    for (const replica of replicas) {
      expect(await onHold(replica.url)).toBe(false);
      expect((await post(replica.url, BILLING, { id })).cache).toBe('hit');
    }
    // A clerk puts the hold on in Odoo itself: no mutation of ours, so only the webhook tells.
    const changedAt = await edit(system.sandboxes.odoo!.url, { model: 'res.partner', id: customer.odooPartnerId, values: { sale_warn: 'block', sale_warn_msg: 'Set in Odoo' } });
    // Billing lives 60 s in the caches without a feed (longer with one): only the eviction shows it this soon.
    for (const replica of replicas) {
      const shownAt = await firstShowing(() => onHold(replica.url), (held) => held, 5000);
      expect(shownAt - changedAt).toBeLessThan(5000);
    }
  });
});
