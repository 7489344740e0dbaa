/**
 * `npm run subgraph -- <name>`: one subgraph alone (accounts | orders | stock | invoices | cases),
 * on its configured port (`<NAME>_PORT`) or `PORT`, over the backends the settings name (their
 * sandboxes at the configured sandbox ports otherwise). Prints its URL on stdout; stops on SIGTERM.
 * Replicas share idempotency keys, write progress and the record cache through `REDIS_URL`; with
 * it, the change feeds of `npm run feeds` evict their records and, while healthy, give the types
 * they cover their long lifetimes.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { survivePromiseRejections } from './process-safety.js';
import { ConfigError, lifetimesFor, loadSettings, type SystemSettings } from './config.js';
import { anyFeedOn } from './feed-config.js';
import { createConnectors } from './connectors.js';
import { devPrincipalSecret } from './dev-secret.js';
import { ODOO_DB } from '../sandbox/odoo/index.js';
import { componentLog } from '../platform/logging/index.js';
import { createAuditLog } from '../platform/audit/audit-log.js';
import { createAuthenticate } from '../platform/authz/principal-header.js';
import { createRecordCache } from '../subgraphs/shared/cache/lru-record-cache.js';
import { createRedisLayer } from '../subgraphs/shared/cache/redis-layer.js';
import { feedLifetimes, SharedFeedCoverage } from '../subgraphs/shared/feeds/index.js';
import type { RecordCache } from '../subgraphs/shared/cache/record-cache.js';
import { createIdempotencyStore } from '../subgraphs/shared/mutations/idempotency.js';
import { createMutationRunner } from '../subgraphs/shared/mutations/run-mutation.js';
import { salesforceOwnership } from '../subgraphs/shared/ownership/salesforce-ownership.js';
import type { RunningSubgraph } from '../subgraphs/shared/server/create-subgraph-server.js';
import { createAccountsSubgraph } from '../subgraphs/accounts/index.js';
import { createOrdersSubgraph } from '../subgraphs/orders/index.js';
import { startOrdersReconciliation } from '../subgraphs/orders/reconciliation.js';
import { createStockSubgraph } from '../subgraphs/stock/index.js';
import { createInvoicesSubgraph } from '../subgraphs/invoices/index.js';
import { createCasesSubgraph, createOdooOrderDirectory } from '../subgraphs/cases/index.js';

/** The subgraphs this command starts. */
export const SUBGRAPH_NAMES = ['accounts', 'orders', 'stock', 'invoices', 'cases'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const log = componentLog('subgraph');

/** Starts one subgraph with the wiring `npm start` gives it; `close()` stops it and what it opened. */
export async function startOneSubgraph(name: SubgraphName, settings: SystemSettings, port: number): Promise<RunningSubgraph> {
  const closers: Array<() => Promise<void>> = [];
  const { odoo, salesforce, serviceDesk } = createConnectors(settings);
  const lifetimes = lifetimesFor(readFileSync(resolve(ROOT, settings.supergraphPath), 'utf8'), settings);
  // What `npm run feeds` covers, read from Redis: without a feeds process, nothing, and the TTLs alone bound freshness.
  const coverage = settings.redisUrl && anyFeedOn(settings.feeds) ? new SharedFeedCoverage(settings.redisUrl) : undefined;
  if (coverage) closers.push(async () => coverage.close());
  const extended = coverage ? feedLifetimes(coverage, settings.feeds.long) : undefined;
  const makeCache = (tenant: string): RecordCache => {
    const redis = settings.redisUrl ? createRedisLayer({ url: settings.redisUrl }) : undefined;
    const cache = createRecordCache({ tenant, redis, budgets: settings.backendConcurrency, adaptiveBudgets: settings.adaptiveConcurrency, lifetimes, feedLifetimes: extended });
    closers.push(async () => cache.close());
    return cache;
  };
  const odooCache = makeCache(settings.odoo?.db ?? ODOO_DB);
  const salesforceCache = makeCache('salesforce');
  const idempotency = createIdempotencyStore({ keyPrefix: 'c360:idem', redisUrl: settings.redisUrl });
  const auditLog = createAuditLog({ path: settings.auditLogPath });
  closers.push(async () => void (await Promise.all([idempotency.close(), auditLog.close()])));
  const mutations = { runner: createMutationRunner({ store: idempotency, log: auditLog }) };
  const authenticate = createAuthenticate({ secret: settings.principalSecret ?? devPrincipalSecret() });
  const ownership = salesforceOwnership(salesforce, salesforceCache);
  const common = { authenticate, mutations };
  let server;
  switch (name) {
    case 'accounts':
      server = await createAccountsSubgraph({ ...common, salesforce, cache: salesforceCache });
      break;
    case 'orders': {
      const reconciliation = startOrdersReconciliation({
        redisUrl: settings.redisUrl,
        progressPath: settings.writeProgressPath,
        boundMs: settings.writeReconcileBoundMs,
        odoo,
        cache: odooCache,
        idempotency,
        auditLog,
      });
      closers.push(() => reconciliation.close());
      server = await createOrdersSubgraph({ ...common, odoo, cache: odooCache, ownership, progress: reconciliation.progress, reconcileBoundMs: settings.writeReconcileBoundMs });
      break;
    }
    case 'stock':
      server = await createStockSubgraph({ authenticate, odoo, cache: odooCache, ownership });
      break;
    case 'invoices':
      server = await createInvoicesSubgraph({ ...common, odoo, cache: odooCache, ownership });
      break;
    case 'cases':
      server = await createCasesSubgraph({ ...common, serviceDesk, cache: makeCache('servicedesk'), ownership, orders: createOdooOrderDirectory(odoo, odooCache) });
      break;
  }
  const running = await server.listen(port, settings.host);
  return {
    ...running,
    async close() {
      await running.close();
      for (const c of closers.reverse()) await c().catch(() => undefined);
    },
  };
}

async function main(): Promise<void> {
  survivePromiseRejections();
  const name = process.argv[2] as SubgraphName;
  if (!SUBGRAPH_NAMES.includes(name)) {
    console.error(`usage: npm run subgraph -- <${SUBGRAPH_NAMES.join('|')}>`);
    process.exit(2);
  }
  const settings = loadSettings();
  const port = process.env.PORT ? Number(process.env.PORT) : settings.ports[name];
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('PORT', `must be a port number (0-65535), got "${process.env.PORT}"`);
  const running = await startOneSubgraph(name, settings, port);
  console.log(running.url);
  const stop = () => void running.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('scripts/subgraph.ts')) {
  main().catch((err) => {
    log.fatal({ err }, err instanceof ConfigError ? `Configuration error: ${err.message}` : 'subgraph start-up failed');
    process.exit(1);
  });
}
