import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheLifetimesOf, withOverrides } from '../../platform/cache-lifetimes/index.js';
import type { RunningSandbox } from '../../sandbox/common/server.js';
import { createSalesforceSandbox, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';
import { createRecordCache } from '../../subgraphs/shared/cache/lru-record-cache.js';
import { createSalesforceConnector, type SalesforceConnector } from '../../subgraphs/shared/connectors/salesforce/index.js';
import { SALESFORCE_KINDS } from '../../subgraphs/shared/connectors/salesforce/record-kinds.js';
import { FeedHealth, feedLifetimes, Invalidator, startChangeService, type ReplayStore, type RunningChangeService } from '../../subgraphs/shared/feeds/index.js';
import { edit, firstShowing } from './feed-system.js';

/**
 * A saved replay id the org no longer retains: the subscriber says so, starts over from new
 * events, and the records cached before then fall back to their short TTL (1 s here) instead of
 * the long one (1 h), so that no missed event leaves them stale.
 */
let sandbox: SalesforceSandbox;
let running: RunningSandbox;
let service: RunningChangeService;
let connector: SalesforceConnector;
const health = new FeedHealth();
const lifetimes = withOverrides(cacheLifetimesOf(readFileSync('schema/supergraph.graphql', 'utf8')), { Customer: { maxAge: 1, staleWhileRevalidate: 0, staleIfError: 0 } });
const cache = createRecordCache({ tenant: 'salesforce', lifetimes, feedLifetimes: feedLifetimes(health), adaptiveBudgets: false });
let saved: number | undefined;
const store: ReplayStore = { load: async () => saved, save: (id) => void (saved = id), flush: async () => {}, close: async () => {} };

beforeAll(async () => {
  sandbox = createSalesforceSandbox({ customers: 12, cdcRetention: { maxEvents: 5 } });
  running = await sandbox.listen(0);
  connector = createSalesforceConnector({ loginUrl: running.url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET, apiVersion: '62.0' });
  const invalidator = new Invalidator({ caches: { salesforce: cache }, tagSinks: [] }, health);
  service = await startChangeService({ port: 0, host: '127.0.0.1', invalidator, salesforce: { loginUrl: running.url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET, apiVersion: '62.0', replayStore: store } });
});
afterAll(async () => {
  await service?.close();
  cache.close();
  await running?.close();
});

const accountIds = () => sandbox.world.skeleton.customers.map((c) => c.accountId);
const read = async (id: string) => ((await cache.getMany(SALESFORCE_KINDS.account, [id], (ids) => connector.accountsByIds(ids as string[]))) as Array<{ Phone?: string } | null>)[0];
const accountReads = () => running.stats().byOperation;
const calls = () => Object.entries(accountReads()).filter(([op]) => !op.startsWith('oauth')).reduce((n, [, c]) => n + c, 0);

describe('an expired Salesforce replay id', () => {
  it('falls back to the short TTLs for what was cached before, says so, and keeps long TTLs for what is cached after', async () => {
    const [a, b, ...others] = accountIds();
    await edit(running.url, { object: 'Account', id: others[0]!, values: { Phone: '+1 555 0100' } });
    await firstShowing(async () => saved, (id) => id !== undefined);
    await read(a!);
    const c0 = calls();
    await new Promise((r) => setTimeout(r, 1100));
    await read(a!);
    // Covered by a healthy feed: past its 1 s TTL and still no call.
    expect(calls()).toBe(c0);

    await service.salesforce!.stop();
    for (let i = 0; i < 8; i++) await edit(running.url, { object: 'Account', id: others[i % others.length]!, values: { Phone: `+1 555 02${10 + i}` } });
    // Eight events while stopped, five retained: the saved replay id is gone.
    await service.salesforce!.start();
    const status = service.status().salesforce;
    expect(status).toMatchObject({ state: 'healthy', reason: expect.stringContaining('is no longer retained') });
    expect(Date.parse(status.coveringSince!)).toBeGreaterThan(Date.now() - 2000);
    const readiness = await (await fetch(`${service.url}/status`)).json();
    expect(readiness.feeds.salesforce.reason).toContain('short TTLs');

    // `a` was cached before: its 1 s TTL applies again, so this read goes to Salesforce.
    const c1 = calls();
    await read(a!);
    expect(calls()).toBe(c1 + 1);
    // `b`, cached now, takes the long lifetime.
    await read(b!);
    const c2 = calls();
    await new Promise((r) => setTimeout(r, 1100));
    await read(b!);
    expect(calls()).toBe(c2);
  }, 20_000);
});
