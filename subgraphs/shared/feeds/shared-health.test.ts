import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type TestRedisServer } from '../../../platform/testing/redis-server.js';
import { ODOO_KINDS } from '../connectors/odoo/record-kinds.js';
import { FeedHealth } from './feed-health.js';
import { feedLifetimes } from './feed-lifetimes.js';
import { publishFeedCoverage, SHARED_FEED_HEALTH_KEY, SharedFeedCoverage } from './shared-health.js';

let redis: TestRedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

const base = { ttlMs: 60_000, staleWhileRevalidateMs: 60_000, staleIfErrorMs: 300_000 };
const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
};

describe('feed coverage shared over Redis', () => {
  it("gives another process's caches the long lifetimes while the feed is healthy, and takes them away when it falls back", async () => {
    const health = new FeedHealth();
    health.up('odoo');
    const upSince = health.coveringSince('odoo')!;
    const published = publishFeedCoverage(health, redis.url);
    const coverage = new SharedFeedCoverage(redis.url);
    const lifetimes = feedLifetimes(coverage);
    try {
      await until(async () => (await coverage.refresh(), coverage.coveringSince('odoo') !== undefined));
      expect(coverage.coveringSince('odoo')).toBe(upSince);
      expect(lifetimes.extended(ODOO_KINDS.partner, base)).toEqual({ settings: { ...base, ttlMs: 3_600_000 }, since: upSince });
      // Salesforce's feed never came up: its types keep their TTLs.
      expect(coverage.coveringSince('salesforce')).toBeUndefined();

      health.down('odoo', 'webhook receiver gone');
      await until(async () => (await coverage.refresh(), coverage.coveringSince('odoo') === undefined));
      expect(lifetimes.extended(ODOO_KINDS.partner, base)).toBeUndefined();
    } finally {
      coverage.close();
      await published.close();
    }
  });

  it('covers nothing without a key, or with one it cannot read', async () => {
    const coverage = new SharedFeedCoverage(redis.url);
    const client = new Redis(redis.url);
    try {
      await client.del(SHARED_FEED_HEALTH_KEY);
      await coverage.refresh();
      expect(coverage.coveringSince('odoo')).toBeUndefined();
      await client.set(SHARED_FEED_HEALTH_KEY, '{not json');
      await coverage.refresh();
      expect(coverage.coveringSince('odoo')).toBeUndefined();
      await client.set(SHARED_FEED_HEALTH_KEY, JSON.stringify({ odoo: 'yesterday', zendesk: 1234 }));
      await coverage.refresh();
      expect([coverage.coveringSince('odoo'), coverage.coveringSince('zendesk')]).toEqual([undefined, 1234]);
    } finally {
      coverage.close();
      client.disconnect();
    }
  });
});
