import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type TestRedisServer } from '../../platform/testing/redis-server.js';
import { startFeedsProcess, type FeedsProcess } from '../../scripts/feeds.js';
import { SharedFeedCoverage } from '../../subgraphs/shared/feeds/index.js';
import { edit, firstShowing } from '../feeds/feed-system.js';
import { startTestSystem, testSettings, type TestSystem } from '../support/system.js';

/**
 * `npm run feeds` as a process of its own (here started in the test's process, through the same
 * function): the subgraphs and the gateway run without feeds, and hear the changes only over
 * Redis, as separate processes of a deployment do.
 */
let redis: TestRedisServer;
let system: TestSystem;
let feeds: FeedsProcess | undefined;
beforeAll(async () => {
  redis = await startRedisServer();
  // testSettings turns every feed off: this system's subgraphs and gateway run none of their own.
  system = await startTestSystem({ settings: testSettings({ redisUrl: redis.url }), world: { customers: 20 } });
  const base = testSettings({ redisUrl: redis.url });
  const port = (url: string) => Number(new URL(url).port);
  feeds = await startFeedsProcess({
    ...base,
    ports: { ...base.ports, odooSandbox: port(system.sandboxes.odoo!.url), salesforceSandbox: port(system.sandboxes.salesforce!.url), zendeskSandbox: port(system.sandboxes.zendesk!.url) },
    feeds: { ...base.feeds, odoo: true, salesforce: true, zendesk: true },
  });
  await firstShowing(async () => feeds!.feeds.status(), (s) => s.odoo.state === 'healthy' && s.salesforce.state === 'healthy' && s.zendesk.state === 'healthy', 10_000, 50);
}, 60_000);
afterAll(async () => {
  await feeds?.close();
  await system?.close();
  await redis?.stop();
});

const VIEW = `query($id: ID!) { customer(id: $id) { id phone billing { onHold } } }`;

describe('npm run feeds', () => {
  it('refuses to start without Redis, which is how its evictions travel', async () => {
    await expect(startFeedsProcess(testSettings({ feeds: { ...testSettings().feeds, odoo: true } }))).rejects.toThrow(/REDIS_URL/);
  });

  it("evicts the subgraphs' records and the gateway's responses over Redis: an Odoo hold and a Salesforce phone show within seconds", async () => {
    const customer = system.skeleton!.customers.find((c) => c.hasErpPartner)!;
    const id = customer.accountId;
    const view = async () => {
      const answer = await system.query<{ customer: { phone: string | null; billing: { onHold: boolean } } }>(VIEW, { id }, { role: 'admin' });
      return { ...answer.data!.customer, cache: answer.headers.get('x-cache') };
    };
    expect((await view()).billing.onHold).toBe(false);
    expect((await view()).cache).toBe('hit');

    const holdAt = await edit(system.sandboxes.odoo!.url, { model: 'res.partner', id: customer.odooPartnerId, values: { sale_warn: 'block', sale_warn_msg: 'Set in Odoo' } });
    expect((await firstShowing(view, (v) => v.billing.onHold, 5000)) - holdAt).toBeLessThan(5000);
    const phoneAt = await edit(system.sandboxes.salesforce!.url, { object: 'Account', id, values: { Phone: '+49 30 5550 4242' } });
    expect((await firstShowing(view, (v) => v.phone === '+49 30 5550 4242', 5000)) - phoneAt).toBeLessThan(5000);
  });

  it('tells the subgraphs in other processes what it covers while it runs, and nothing once it stopped', async () => {
    const coverage = new SharedFeedCoverage(redis.url);
    try {
      await firstShowing(async () => (await coverage.refresh(), coverage.coveringSince('odoo')), (since) => since !== undefined, 5000, 50);
      expect(coverage.coveringSince('salesforce')).toBeGreaterThan(0);
      await feeds!.close();
      feeds = undefined;
      await coverage.refresh();
      expect(coverage.coveringSince('odoo')).toBeUndefined();
      expect(coverage.coveringSince('zendesk')).toBeUndefined();
    } finally {
      coverage.close();
    }
  });
});
