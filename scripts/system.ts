import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createOdooSandbox, ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD } from '../sandbox/odoo/index.js';
import { createSalesforceSandbox, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET } from '../sandbox/salesforce/index.js';
import { createZendeskSandbox, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_TOKEN } from '../sandbox/zendesk/index.js';
import type { Faults, RunningSandbox } from '../sandbox/common/server.js';
import { buildSkeleton, type WorldSkeleton } from '../sandbox/world/skeleton.js';
import { createOdooConnector, type OdooConnector } from '../subgraphs/shared/connectors/odoo/index.js';
import { createSalesforceConnector, type SalesforceConnector } from '../subgraphs/shared/connectors/salesforce/index.js';
import { createZendeskConnector, type ServiceDeskConnector } from '../subgraphs/shared/connectors/servicedesk/index.js';
import { createPassThroughCache, type RecordCache } from '../subgraphs/shared/cache/record-cache.js';
import { createRecordCache } from '../subgraphs/shared/cache/lru-record-cache.js';
import { createRedisLayer } from '../subgraphs/shared/cache/redis-layer.js';
import { metricsRegistry } from '../subgraphs/shared/metrics/index.js';
import type { Principal } from '../platform/authz/principal.js';
import { createAuthenticate } from '../platform/authz/principal-header.js';
import { ALL_SCOPES } from '../platform/authz/roles.js';
import { createJwtVerifier } from '../gateway/src/auth/jwt.js';
import type { Ownership } from '../subgraphs/shared/ownership/ownership.js';
import { salesforceOwnership } from '../subgraphs/shared/ownership/salesforce-ownership.js';
import type { RunningSubgraph } from '../subgraphs/shared/server/create-subgraph-server.js';
import { createAccountsSubgraph } from '../subgraphs/accounts/index.js';
import { createOrdersSubgraph } from '../subgraphs/orders/index.js';
import { createStockSubgraph } from '../subgraphs/stock/index.js';
import { createInvoicesSubgraph } from '../subgraphs/invoices/index.js';
import { createCasesSubgraph, createOdooOrderDirectory } from '../subgraphs/cases/index.js';
import { createIdempotencyStore } from '../subgraphs/shared/mutations/idempotency.js';
import { createAuditLog, type AuditLog } from '../platform/audit/audit-log.js';
import { createMutationRunner } from '../subgraphs/shared/mutations/run-mutation.js';
import { createGatewayServer, type GatewayServerOptions, type RunningGateway } from '../gateway/src/server.js';
import { deniedMutationAudit } from '../gateway/src/plugins/denied-mutation-audit.js';
import { createDevJwtVerifier, DEV_KEYS_DIR } from '../gateway/src/auth/dev-keys.js';
import { supergraphForApolloGateway } from '../gateway/src/auth/supergraph-for-gateway.js';
import { lifetimesFor, type SystemSettings } from './config.js';
import { createGatewayAuth } from '../gateway/src/auth/gateway-auth.js';
import { createRequestLimiter } from '../gateway/src/pipeline/rate-limit.js';
import { createCostBudgets } from '../gateway/src/demand/cost-budget.js';
import { Redis } from 'ioredis';
import { devPrincipalSecret } from './dev-secret.js';
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
  /**
   * The change feeds (default: as settings.feeds says, each on unless its setting turns it off);
   * false runs without them: TTLs alone bound freshness.
   */
  feeds?: boolean;
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
  close(): Promise<void>;
}

const ROOT = resolve(new URL('..', import.meta.url).pathname);

/** Starts sandboxes (for backends without settings), connectors, the five subgraphs and the gateway. */
export async function startSystem(options: StartSystemOptions): Promise<RunningSystem> {
  const { settings } = options;
  const log = options.log ?? (() => {});
  const host = settings.host;
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
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

    const timeoutMs = settings.backendTimeoutMs;
    const deadlineMs = settings.backendDeadlineMs;
    const odoo = createOdooConnector(
      settings.odoo
        ? { ...settings.odoo, timeoutMs, deadlineMs }
        : { url: sandboxes.odoo!.url, db: ODOO_DB, login: ODOO_LOGIN, apiKey: ODOO_PASSWORD, protocol: 'jsonrpc', timeoutMs, deadlineMs },
    );
    const salesforce = createSalesforceConnector(
      settings.salesforce
        ? { ...settings.salesforce, timeoutMs, deadlineMs }
        : { loginUrl: sandboxes.salesforce!.url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET, apiVersion: '62.0', multiCurrency: true, timeoutMs, deadlineMs },
    );
    const serviceDesk = createZendeskConnector(
      settings.zendesk
        ? { baseUrl: settings.zendesk.baseUrl, email: settings.zendesk.email, apiToken: settings.zendesk.apiToken, oauthToken: settings.zendesk.oauthToken, orderNumberFieldId: settings.zendesk.orderFieldId, timeoutMs, deadlineMs }
        : { baseUrl: sandboxes.zendesk!.url, email: ZENDESK_SANDBOX_EMAIL, apiToken: ZENDESK_SANDBOX_TOKEN, timeoutMs, deadlineMs },
    );

    const cacheOn = options.recordCache ?? true;
    // The record caches take their lifetimes from the same supergraph (and overrides) as the gateway.
    const supergraphSdl = readFileSync(resolve(ROOT, settings.supergraphPath), 'utf8');
    const lifetimes = lifetimesFor(supergraphSdl, settings);
    const feedsOn = (options.feeds ?? true) && (settings.feeds.odoo || settings.feeds.salesforce || settings.feeds.zendesk);
    const feedHealth = new FeedHealth({ maxLagMs: settings.feeds.maxLagMs });
    const extended = feedsOn ? feedLifetimes(feedHealth, settings.feeds.long) : undefined;
    const makeCache = (tenant: string): RecordCache => {
      if (!cacheOn) return createPassThroughCache();
      const redis = settings.redisUrl ? createRedisLayer({ url: settings.redisUrl }) : undefined;
      const cache = createRecordCache({ tenant, redis, budgets: settings.backendConcurrency, adaptiveBudgets: settings.adaptiveConcurrency, lifetimes, feedLifetimes: extended });
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
      const running = await (await factory()).listen(port, host);
      closers.push(() => running.close());
      subgraphs[name] = running;
      log(`${name.padEnd(9)} subgraph  ${running.url}`);
    };
    await start('accounts', settings.ports.accounts, () => createAccountsSubgraph({ ...common, salesforce, cache: caches.salesforce }));
    await start('orders', settings.ports.orders, () => createOrdersSubgraph({ ...common, odoo, cache: caches.odoo, ownership }));
    await start('stock', settings.ports.stock, () => createStockSubgraph({ ...common, odoo, cache: caches.odoo, ownership }));
    await start('invoices', settings.ports.invoices, () => createInvoicesSubgraph({ ...common, odoo, cache: caches.odoo, ownership }));
    // A case's order is checked against the ERP: the directory reads through Odoo's record cache.
    const orders = createOdooOrderDirectory(odoo, caches.odoo);
    await start('cases', settings.ports.cases, () => createCasesSubgraph({ ...common, serviceDesk, cache: caches.servicedesk, ownership, orders }));

    let feeds: RunningFeeds | undefined;
    if (feedsOn) {
      feeds = await startFeeds({ settings, health: feedHealth, sandboxes, caches, serviceDesk, log });
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
      closers.push(() => running.close());
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
      feeds,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** How to start the gateway alone, in front of subgraphs that already run (here or in another process). */
export interface StartGatewayOptions {
  /** Host, gateway port, JWT settings, subgraph timeout, Redis URL. */
  settings: SystemSettings;
  /** The supergraph SDL as committed (with its auth directives). */
  supergraphSdl: string;
  /** Where each subgraph runs, by name. */
  subgraphUrls: Record<string, string>;
  /** The principal signing secret the subgraphs verify with. */
  principalSecret: string;
  /** Where denied mutations are audited. */
  auditLog: AuditLog;
  /** Benchmarks only: false skips every authorization layer (see StartSystemOptions). Default true. */
  authorization?: boolean;
  /** Where development keys live (default var/dev-keys), when settings.jwt is not set. */
  devKeysDir?: string;
  /** Whole-response cache (default on). */
  responseCache?: boolean;
  /** In-flight deduplication of identical subgraph fetches (default on). */
  dedup?: boolean;
  /** Cache of subgraph query fetch answers (default on). */
  fetchCache?: boolean;
  /** Request rate limits per client (default on). */
  rateLimits?: boolean;
  /** `POST /invalidate` (see GatewayServerOptions.invalidation). */
  invalidation?: GatewayServerOptions['invalidation'];
  /** More `/readyz` state (the change feeds). */
  readiness?: GatewayServerOptions['readiness'];
}

/** Starts the gateway with the same wiring startSystem gives it, listening on settings.ports.gateway. */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { settings, supergraphSdl, principalSecret, auditLog } = options;
  const authorizationOn = options.authorization ?? true;
  const benchAdmin: Principal = { sub: 'bench-admin', roles: ['admin'], scopes: new Set(ALL_SCOPES) };
  const verifier = settings.jwt
    ? createJwtVerifier({ issuer: settings.jwt.issuer, audience: settings.jwt.audience, jwksUrl: settings.jwt.jwksUrl, publicKeyPem: settings.jwt.publicKeyPem, clockToleranceSec: settings.jwt.clockToleranceSec, verifiedCacheSec: settings.jwt.verifiedCacheSec })
    : createDevJwtVerifier(options.devKeysDir ?? DEV_KEYS_DIR);
  // The replicas count each client's requests together in Redis; a Redis that is away never queues a request.
  const rateRedis = settings.redisUrl && options.rateLimits !== false ? new Redis(settings.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: (n) => Math.min(n * 200, 2000) }) : undefined;
  rateRedis?.on('error', () => {});
  const gateway = await createGatewayServer({
    supergraphSdl: supergraphForApolloGateway(supergraphSdl),
    subgraphUrls: options.subgraphUrls,
    auth: authorizationOn
      ? createGatewayAuth(verifier, supergraphSdl, principalSecret)
      : { authenticate: async () => benchAdmin, principalHeaders: () => ({}), visibilityKey: () => 'bench-admin' },
    subgraphTimeoutMs: settings.subgraphTimeoutMs,
    metrics: metricsRegistry,
    metricsPort: settings.metricsPort,
    onDeniedMutations: deniedMutationAudit(auditLog),
    responseCache: options.responseCache === false ? false : { redisUrl: settings.redisUrl, lifetimes: lifetimesFor(supergraphSdl, settings) },
    dedup: options.dedup ?? true,
    fetchCache: options.fetchCache === false ? false : { redisUrl: settings.redisUrl },
    trustedDocuments: { manifestPath: resolve(ROOT, 'schema', 'persisted-operations.json'), mode: settings.trustedDocuments },
    rateLimiter: options.rateLimits === false ? undefined : createRequestLimiter({ rates: settings.rateLimits, redis: rateRedis }),
    costBudgets: createCostBudgets({ limits: settings.costLimits, redis: rateRedis }),
    alwaysReportCost: process.env.NODE_ENV === 'development',
    invalidation: options.invalidation ?? { secret: settings.feeds.invalidateSecret },
    readiness: options.readiness,
  });
  const running = await gateway.listen(settings.ports.gateway, settings.host);
  return { ...running, close: async () => { await running.close(); rateRedis?.disconnect(); } };
}
