/**
 * The gateway's wiring, shared by `npm start` (scripts/system.ts) and `npm run gateway`
 * (gateway/src/index.ts): token verification, the operation filter, caches with their Redis
 * invalidations, trusted documents, rate limits and cost budgets.
 */
import { resolve } from 'node:path';
import { nonQueuingRedis } from '../platform/redis/client.js';
import type { Principal } from '../platform/authz/principal.js';
import { ALL_SCOPES, ROLES } from '../platform/authz/roles.js';
import type { AuditLog } from '../platform/audit/audit-log.js';
import { componentLog } from '../platform/logging/index.js';
import { metricsRegistry } from '../subgraphs/shared/metrics/index.js';
import { createJwtVerifier } from '../gateway/src/auth/jwt.js';
import { createDevJwtVerifier, DEV_KEYS_DIR, signDevToken } from '../gateway/src/auth/dev-keys.js';
import { supergraphForApolloGateway } from '../gateway/src/auth/supergraph-for-gateway.js';
import { createGatewayAuth } from '../gateway/src/auth/gateway-auth.js';
import { createGatewayServer, type GatewayServerOptions, type RunningGateway } from '../gateway/src/server.js';
import { deniedMutationAudit } from '../gateway/src/plugins/denied-mutation-audit.js';
import { createRequestLimiter } from '../gateway/src/pipeline/rate-limit.js';
import { createCostBudgets } from '../gateway/src/demand/cost-budget.js';
import { lifetimesFor, type SystemSettings } from './config.js';

const ROOT = resolve(new URL('..', import.meta.url).pathname);

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
  const rateRedis = settings.redisUrl && options.rateLimits !== false ? nonQueuingRedis(settings.redisUrl) : undefined;
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
    // Development tokens are offered only where the gateway verifies development keys anyway.
    ide: settings.graphqlIde ? { devRoles: ROLES, devToken: settings.devTokens && !settings.jwt ? (request) => signDevToken(request, { dir: options.devKeysDir ?? DEV_KEYS_DIR }) : undefined } : undefined,
  });
  // With Redis, the caches' invalidation channels come up before the first request: a write's
  // eviction published before then would not reach the other replicas. A Redis that is away
  // delays the start by at most 2 s; the caches then go on in process (bounded by their TTLs).
  if (settings.redisUrl) {
    const ready = await Promise.all([gateway.responseCache?.ready(2000), gateway.fetchCache?.ready(2000)]);
    if (ready.some((ok) => ok === false)) componentLog('gateway').warn('Redis not reachable at start: cache invalidations reach the other replicas once it is');
  }
  const running = await gateway.listen(settings.ports.gateway, settings.host);
  return { ...running, close: async (closeOptions) => { await running.close(closeOptions); rateRedis?.disconnect(); } };
}
