import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createOdooSandbox, ODOO_DB } from '../sandbox/odoo/index.js';
import { createSalesforceSandbox } from '../sandbox/salesforce/index.js';
import { createZendeskSandbox } from '../sandbox/zendesk/index.js';
import { createConnectors } from './connectors.js';
import type { Faults, RunningSandbox } from '../sandbox/common/server.js';
import { buildSkeleton, type WorldSkeleton } from '../sandbox/world/skeleton.js';
import type { OdooConnector } from '../subgraphs/shared/connectors/odoo/index.js';
import type { SalesforceConnector } from '../subgraphs/shared/connectors/salesforce/index.js';
import type { ServiceDeskConnector } from '../subgraphs/shared/connectors/servicedesk/index.js';
import { createPassThroughCache, type RecordCache } from '../subgraphs/shared/cache/record-cache.js';
import { createRecordCache } from '../subgraphs/shared/cache/lru-record-cache.js';
import { createRedisLayer } from '../subgraphs/shared/cache/redis-layer.js';
import type { Principal } from '../platform/authz/principal.js';
import { createAuthenticate } from '../platform/authz/principal-header.js';
import { ALL_SCOPES } from '../platform/authz/roles.js';
import type { Ownership } from '../subgraphs/shared/ownership/ownership.js';
import { salesforceOwnership } from '../subgraphs/shared/ownership/salesforce-ownership.js';
import type { RunningSubgraph } from '../subgraphs/shared/server/create-subgraph-server.js';
import { createAccountsSubgraph } from '../subgraphs/accounts/index.js';
import { createOrdersSubgraph } from '../subgraphs/orders/index.js';
import { startOrdersReconciliation } from '../subgraphs/orders/reconciliation.js';
import type { Reconciler } from '../subgraphs/shared/mutations/reconciler.js';
import { createStockSubgraph } from '../subgraphs/stock/index.js';
import { createInvoicesSubgraph } from '../subgraphs/invoices/index.js';
import { createCasesSubgraph, createOdooOrderDirectory } from '../subgraphs/cases/index.js';
import { createIdempotencyStore } from '../subgraphs/shared/mutations/idempotency.js';
import { createAuditLog } from '../platform/audit/audit-log.js';
import { createMutationRunner } from '../subgraphs/shared/mutations/run-mutation.js';
import { lifetimesFor, type SystemSettings } from './config.js';
import { anyFeedOn } from './feed-config.js';
import { devPrincipalSecret } from './dev-secret.js';
import { startGateway } from './start-gateway.js';
import { FeedHealth, feedLifetimes } from '../subgraphs/shared/feeds/index.js';
import { startFeeds, type RunningFeeds } from './feeds-wiring.js';

/** How to start the system beyond its settings. */
export interface StartSystemOptions {
  settings: SystemSettings;
  /** Seeded world of the sandboxes (default: settings.sandboxCustomers customers, seed 42). */
  world?: { customers?: number; seed?: number };
  /** Faults injected into sandboxes at start (benchmarks: realistic latency). */
  sandboxFaults?: Partial<Record<'odoo' | 'salesforce' | 'zendesk', Faults>>;
  /** Cross-request record cache in the subgraphs (default on). */
  recordCache?: boolean;
  /**
   * Benchmarks only: false serves the subgraphs without their graphql-shield permissions
   * (`unsafeWithoutPermissionsForBenchmarks`). Default on; `npm start` never turns it off.
   */
  subgraphPermissions?: boolean;
  /** Start the gateway (default on); benchmarks start peers over the same subgraphs instead. */
  gateway?: boolean;
  /**
   * Benchmarks only: false runs without any authorization layer (no token verification, no
   * operation filter, no signed principal, no subgraph permissions; every caller is an admin), to
   * measure what the layers cost. Default true; `npm start` never turns it off.
   */
  authorization?: boolean;
  /** Benchmarks only: subgraphs accept unsigned requests as this principal. */
  allowUnsignedForBenchmarks?: Principal;
  /** Where development keys live (default var/dev-keys). */
  devKeysDir?: string;
  /** Whole-response cache in the gateway (default on; invalidations broadcast over settings.redisUrl when set). */
  responseCache?: boolean;
  /** In-flight deduplication of identical subgraph fetches in the gateway (default on). */
  dedup?: boolean;
  /** Cache of subgraph query fetch answers in the gateway (default on; invalidations broadcast over settings.redisUrl when set). */
  fetchCache?: boolean;
  /** Request rate limits per client in the gateway (default on, shared through settings.redisUrl when set); benchmarks turn them off. */
  rateLimits?: boolean;
  /** Subgraphs that run elsewhere (another process): not started here, the gateway is sent to these URLs. */
  externalSubgraphs?: Partial<Record<keyof RunningSystem['subgraphs'], string>>;
  /**
   * The change feeds (default: as settings.feeds says, each on unless its setting turns it off);
   * false runs without them: TTLs alone bound freshness.
   */
  feeds?: boolean;
  /**
   * Where the change feeds tell gateways in other processes to evict the responses and fetches
   * they hold (Redis pub/sub, the channels the gateway replicas share), when this system runs no
   * gateway of its own (default settings.redisUrl; without either, such gateways hear nothing).
   */
  gatewayInvalidationRedisUrl?: string;
  /** Progress lines (default: none). */
  log?(line: string): void;
}

/** A running system. */
export interface RunningSystem {
  gatewayUrl?: string;
  subgraphs: Record<'accounts' | 'orders' | 'stock' | 'invoices' | 'cases', RunningSubgraph>;
  sandboxes: { odoo?: RunningSandbox; salesforce?: RunningSandbox; zendesk?: RunningSandbox };
  connectors: { odoo: OdooConnector; salesforce: SalesforceConnector; serviceDesk: ServiceDeskConnector };
  caches: { odoo: RecordCache; salesforce: RecordCache; servicedesk: RecordCache };
  /** The seeded world's skeleton (when sandboxes run). */
  skeleton?: WorldSkeleton;
  /** The supergraph SDL the gateway serves (as committed, with its auth directives). */
  supergraphSdl: string;
  /** The principal signing secret shared by gateway and subgraphs. */
  principalSecret: string;
  /** The change feeds, when on. */
  feeds?: RunningFeeds;
  /** The reconciler of the writes left between steps (one pass on demand, for tests and tools); absent when orders runs elsewhere. */
  reconciler?: Reconciler;
  /**
   * Stops everything in order: the gateway, then the subgraphs (each lets the requests in flight
   * finish within `graceMs`, default 0), then the idempotency store, the audit log, the record
   * caches (and their Redis connections) and the sandboxes.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

const ROOT = resolve(new URL('..', import.meta.url).pathname);

/** Starts sandboxes (for backends without settings), connectors, the five subgraphs and the gateway. */
export async function startSystem(options: StartSystemOptions): Promise<RunningSystem> {
  const { settings } = options;
  const log = options.log ?? (() => {});
  const host = settings.host;
  const closers: Array<() => Promise<void>> = [];
  // One grace period for the whole shutdown: what the gateway used up, the subgraphs do not get again.
  let graceEnds = 0;
  const graceLeft = () => Math.max(0, graceEnds - Date.now());
  const close = async (closeOptions?: { graceMs?: number }) => {
    graceEnds = Date.now() + (closeOptions?.graceMs ?? 0);
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  try {
    const customers = options.world?.customers ?? settings.sandboxCustomers;
    const seed = options.world?.seed ?? 42;
    const sandboxes: RunningSystem['sandboxes'] = {};
    let skeleton: WorldSkeleton | undefined;
    if (!settings.odoo || !settings.salesforce || !settings.zendesk) skeleton = buildSkeleton({ customers, seed });

    if (!settings.odoo) {
      sandboxes.odoo = await createOdooSandbox({ customers, seed }).listen(settings.ports.odooSandbox, host);
      closers.push(() => sandboxes.odoo!.close());
      log(`odoo sandbox        ${sandboxes.odoo.url}`);
    }
    if (!settings.salesforce) {
      sandboxes.salesforce = await createSalesforceSandbox({ customers, seed }).listen(settings.ports.salesforceSandbox, host);
      closers.push(() => sandboxes.salesforce!.close());
      log(`salesforce sandbox  ${sandboxes.salesforce.url}`);
    }
    if (!settings.zendesk) {
      sandboxes.zendesk = await createZendeskSandbox({ customers, seed }).listen(settings.ports.zendeskSandbox, host);
      closers.push(() => sandboxes.zendesk!.close());
      log(`zendesk sandbox     ${sandboxes.zendesk.url}`);
    }
    for (const [name, faults] of Object.entries(options.sandboxFaults ?? {})) sandboxes[name as keyof typeof sandboxes]?.setFaults(faults);

    const { odoo, salesforce, serviceDesk } = createConnectors(settings, { odoo: sandboxes.odoo?.url, salesforce: sandboxes.salesforce?.url, zendesk: sandboxes.zendesk?.url });

    const cacheOn = options.recordCache ?? true;
    // The record caches take their lifetimes from the same supergraph (and overrides) as the gateway.
    const supergraphSdl = readFileSync(resolve(ROOT, settings.supergraphPath), 'utf8');
    const lifetimes = lifetimesFor(supergraphSdl, settings);
    const feedsOn = (options.feeds ?? true) && anyFeedOn(settings.feeds);
    const feedHealth = new FeedHealth({ maxLagMs: settings.feeds.maxLagMs });
    const extended = feedsOn ? feedLifetimes(feedHealth, settings.feeds.long) : undefined;
    const makeCache = (tenant: string): RecordCache => {
      if (!cacheOn) return createPassThroughCache();
      const redis = settings.redisUrl ? createRedisLayer({ url: settings.redisUrl }) : undefined;
      const cache = createRecordCache({ tenant, redis, budgets: settings.backendConcurrency, adaptiveBudgets: settings.adaptiveConcurrency, shareWeights: settings.backendShareWeights, lifetimes, feedLifetimes: extended });
      closers.push(async () => cache.close());
      return cache;
    };
    const caches = {
      odoo: makeCache(settings.odoo?.db ?? ODOO_DB),
      salesforce: makeCache('salesforce'),
      servicedesk: makeCache('servicedesk'),
    };

    const principalSecret = settings.principalSecret ?? (options.devKeysDir ? randomBytes(32).toString('hex') : devPrincipalSecret());
    // One idempotency store and one audit log for every subgraph: keys agree across subgraphs (and,
    // with Redis, across replicas), and the audit trail is one file.
    const idempotency = createIdempotencyStore({ keyPrefix: 'c360:idem', redisUrl: settings.redisUrl });
    const auditLog = createAuditLog({ path: settings.auditLogPath });
    closers.push(async () => {
      await Promise.all([idempotency.close(), auditLog.close()]);
    });
    const mutations = { runner: createMutationRunner({ store: idempotency, log: auditLog }) };
    const authorizationOn = options.authorization ?? true;
    const benchAdmin: Principal = { sub: 'bench-admin', roles: ['admin'], scopes: new Set(ALL_SCOPES) };
    const authenticate = createAuthenticate({
      secret: principalSecret,
      allowUnsignedForBenchmarks: authorizationOn ? options.allowUnsignedForBenchmarks : benchAdmin,
    });
    // Ownership answers come from Salesforce through the same record cache as the accounts subgraph.
    const ownership: Ownership = salesforceOwnership(salesforce, caches.salesforce);
    // The subgraphs apply their permissions themselves; only the benchmarks' "authorization off" run lifts them.
    const permissionsOff = !authorizationOn || options.subgraphPermissions === false;
    const common = { authenticate, mutations, ...(permissionsOff ? { unsafeWithoutPermissionsForBenchmarks: true as const } : {}) };

    const subgraphs = {} as RunningSystem['subgraphs'];
    const start = async (name: keyof RunningSystem['subgraphs'], port: number, factory: () => Promise<{ listen(port?: number, host?: string): Promise<RunningSubgraph> }>) => {
      const external = options.externalSubgraphs?.[name];
      if (external) {
        subgraphs[name] = { name, url: external, port: Number(new URL(external).port), close: async () => {} };
        return;
      }
      const running = await (await factory()).listen(port, host);
      closers.push(() => running.close({ graceMs: graceLeft() }));
      subgraphs[name] = running;
      log(`${name.padEnd(9)} subgraph  ${running.url}`);
    };
    await start('accounts', settings.ports.accounts, () => createAccountsSubgraph({ ...common, salesforce, cache: caches.salesforce }));
    // placeOrder's progress between its steps, and the reconciler that ends what a failure left there.
    const reconciliation = options.externalSubgraphs?.orders ? undefined : startOrdersReconciliation({
      redisUrl: settings.redisUrl,
      progressPath: settings.writeProgressPath,
      boundMs: settings.writeReconcileBoundMs,
      odoo,
      cache: caches.odoo,
      idempotency,
      auditLog,
    });
    if (reconciliation) closers.push(() => reconciliation.close());
    await start('orders', settings.ports.orders, () =>
      createOrdersSubgraph({ ...common, odoo, cache: caches.odoo, ownership, progress: reconciliation?.progress, reconcileBoundMs: settings.writeReconcileBoundMs }),
    );
    await start('stock', settings.ports.stock, () => createStockSubgraph({ ...common, odoo, cache: caches.odoo, ownership }));
    await start('invoices', settings.ports.invoices, () => createInvoicesSubgraph({ ...common, odoo, cache: caches.odoo, ownership }));
    // A case's order is checked against the ERP: the directory reads through Odoo's record cache.
    const orders = createOdooOrderDirectory(odoo, caches.odoo);
    await start('cases', settings.ports.cases, () => createCasesSubgraph({ ...common, serviceDesk, cache: caches.servicedesk, ownership, orders }));

    let feeds: RunningFeeds | undefined;
    if (feedsOn) {
      // A gateway in this process is told in process (below); gateways elsewhere over Redis.
      const remoteGatewaysRedisUrl = (options.gateway ?? true) ? undefined : (options.gatewayInvalidationRedisUrl ?? settings.redisUrl);
      feeds = await startFeeds({ settings, health: feedHealth, sandboxes, caches, serviceDesk, remoteGatewaysRedisUrl, log });
      closers.push(() => feeds!.close());
    }

    let gatewayUrl: string | undefined;
    if (options.gateway ?? true) {
      const running = await startGateway({
        settings,
        supergraphSdl,
        subgraphUrls: Object.fromEntries(Object.entries(subgraphs).map(([name, s]) => [name, s.url])),
        principalSecret,
        auditLog,
        authorization: authorizationOn,
        devKeysDir: options.devKeysDir,
        responseCache: options.responseCache,
        dedup: options.dedup,
        fetchCache: options.fetchCache,
        rateLimits: options.rateLimits,
        invalidation: { secret: settings.feeds.invalidateSecret, onEntities: feeds ? (entities) => feeds!.invalidateEntities(entities) : undefined },
        readiness: feeds ? () => ({ feeds: feeds!.status() }) : undefined,
      });
      closers.push(() => running.close({ graceMs: graceLeft() }));
      feeds?.invalidator.addTagSink((tags) => void running.invalidateTags(tags));
      gatewayUrl = running.url;
      log(`gateway             ${running.url}`);
      if (running.metricsUrl) log(`metrics             ${running.metricsUrl}`);
    }

    return {
      gatewayUrl,
      subgraphs,
      sandboxes,
      connectors: { odoo, salesforce, serviceDesk },
      caches,
      skeleton,
      supergraphSdl,
      principalSecret,
      reconciler: reconciliation?.reconciler,
      feeds,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export { startGateway, type StartGatewayOptions } from './start-gateway.js';
