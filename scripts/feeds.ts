/**
 * `npm run feeds`: the change feeds as a process of their own, for deployments whose subgraphs and
 * gateways run as separate processes (`npm run subgraph`, `npm run gateway`, compose). It receives
 * the backends' changes (Odoo automation webhooks, Salesforce Change Data Capture, Zendesk
 * webhooks) on `CHANGES_PORT`, and everything it evicts travels over `REDIS_URL`: record keys on
 * the record caches' channel (every subgraph replica drops its copies), entity tags on the gateway
 * caches' channels (every gateway replica drops its cached responses and fetches), and the feeds'
 * coverage, so that the subgraphs give covered types their long lifetimes while the feeds are
 * healthy and fall back to the short TTLs within seconds when they are not (or this process stops).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, lifetimesFor, loadSettings, type SystemSettings } from './config.js';
import { anyFeedOn } from './feed-config.js';
import { createConnectors, sandboxUrlsOf } from './connectors.js';
import { survivePromiseRejections } from './process-safety.js';
import { startFeeds, type RunningFeeds } from './feeds-wiring.js';
import { ODOO_DB } from '../sandbox/odoo/index.js';
import { componentLog, flushLogs } from '../platform/logging/index.js';
import { createRecordCache } from '../subgraphs/shared/cache/lru-record-cache.js';
import { createRedisLayer } from '../subgraphs/shared/cache/redis-layer.js';
import { FeedHealth, publishFeedCoverage } from '../subgraphs/shared/feeds/index.js';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const log = componentLog('feeds');

/** A running feeds process: the change service's URL and the feeds' state. */
export interface FeedsProcess {
  url: string;
  feeds: RunningFeeds;
  close(): Promise<void>;
}

/**
 * Starts the change service over record caches that share Redis with the subgraphs (so an
 * eviction here is one on every replica), publishing tags to the gateways and the coverage to the
 * subgraphs. The sandboxes of backends without settings get their webhooks pointed here.
 */
export async function startFeedsProcess(settings: SystemSettings): Promise<FeedsProcess> {
  const redisUrl = settings.redisUrl;
  if (!redisUrl) throw new ConfigError('REDIS_URL', 'npm run feeds needs Redis: its evictions reach the subgraphs and gateways over it');
  if (!anyFeedOn(settings.feeds)) {
    throw new ConfigError('FEED_ODOO', 'every change feed is off (FEED_ODOO, FEED_SALESFORCE, FEED_ZENDESK; a real Odoo or Zendesk also needs FEED_ODOO_TOKEN or FEED_ZENDESK_SIGNING_SECRET)');
  }
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const { serviceDesk } = createConnectors(settings);
    const lifetimes = lifetimesFor(readFileSync(resolve(ROOT, settings.supergraphPath), 'utf8'), settings);
    // The same tenants (key prefixes) as the subgraphs' caches: these caches only evict, and read the Zendesk organizations a ticket event names.
    const cacheOf = (tenant: string) => {
      const cache = createRecordCache({ tenant, redis: createRedisLayer({ url: redisUrl }), lifetimes });
      closers.push(async () => cache.close());
      return cache;
    };
    const caches = { odoo: cacheOf(settings.odoo?.db ?? ODOO_DB), salesforce: cacheOf('salesforce'), servicedesk: cacheOf('servicedesk') };
    const sandboxes = Object.fromEntries(Object.entries(sandboxUrlsOf(settings)).map(([backend, url]) => [backend, { url }]));
    const health = new FeedHealth({ maxLagMs: settings.feeds.maxLagMs });
    const feeds = await startFeeds({ settings, health, sandboxes, caches, serviceDesk, remoteGatewaysRedisUrl: redisUrl, log: (line) => log.info(line) });
    closers.push(() => feeds.close());
    const coverage = publishFeedCoverage(health, redisUrl);
    closers.push(() => coverage.close());
    return { url: feeds.url, feeds, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function main(): Promise<void> {
  survivePromiseRejections();
  const running = await startFeedsProcess(loadSettings());
  console.log(running.url);
  const stop = () =>
    void running.close().finally(() => {
      flushLogs();
      process.exit(0);
    });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1]?.endsWith('scripts/feeds.ts')) {
  main().catch((err: unknown) => {
    log.fatal({ err }, err instanceof ConfigError ? `Configuration error: ${err.message}` : 'feeds start-up failed');
    flushLogs();
    process.exit(1);
  });
}
