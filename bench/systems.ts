/**
 * A fresh system per benchmark run: new sandboxes (cold, realistic latency) and the five
 * subgraphs in a child process (bench/backends.ts), and one gateway in front, in this process:
 * ours, plain @apollo/gateway, or Hive Gateway. The load generator runs in a third process.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSettings, type SystemSettings } from '../scripts/config.js';
import { startGateway } from '../scripts/system.js';
import type { Faults } from '../sandbox/common/server.js';
import { ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD } from '../sandbox/odoo/index.js';
import { buildSkeleton, type WorldSkeleton } from '../sandbox/world/skeleton.js';
import { createOdooConnector, type OdooConnector } from '../subgraphs/shared/connectors/odoo/index.js';
import { createAuditLog } from '../platform/audit/audit-log.js';
import type { Principal } from '../platform/authz/principal.js';
import { scopesForRoles } from '../platform/authz/roles.js';
import { supergraphForApolloGateway } from '../gateway/src/auth/supergraph-for-gateway.js';
import { startBackendsProcess, type BackendsConfig, type BackendsProcess } from './backends.js';
import { startApolloPeer, startHivePeer, withSubgraphUrls, type RunningPeer } from './peers.js';

/** The gateways under test; `ours-ttl` is ours without the change feeds (TTLs alone bound freshness), run beside the others under `--changes`. */
export const GATEWAY_NAMES = ['ours', 'ours-ttl', 'apollo', 'hive', 'hive-rust'] as const;
export type GatewayName = (typeof GATEWAY_NAMES)[number];

/** Labels for the table: (a), (a-ttl), (b), (c), (d). */
export const GATEWAY_LABELS: Record<GatewayName, string> = { ours: '(a) ours', 'ours-ttl': '(a-ttl) ours', apollo: '(b) apollo', hive: '(c) hive', 'hive-rust': '(d) hive-rust' };

/** Whether the gateway is ours (with or without the change feeds). */
export function isOurs(gateway: GatewayName): boolean {
  return gateway === 'ours' || gateway === 'ours-ttl';
}

/** Backend latency of the sandboxes: Odoo 20-40 ms a call, Salesforce 60-100 ms, Zendesk 40-80 ms. */
export const REALISTIC_LATENCY: Record<'odoo' | 'salesforce' | 'zendesk', Faults> = {
  odoo: { latencyMs: 20, jitterMs: 20 },
  salesforce: { latencyMs: 60, jitterMs: 40 },
  zendesk: { latencyMs: 40, jitterMs: 40 },
};

/** The principal the subgraphs assume for the peers' unsigned requests (bench-only setting). */
export const PEER_PRINCIPAL: Principal = { sub: 'bench-peer', roles: ['admin'], scopes: scopesForRoles(['admin']) };

/** A running system with one gateway in front. */
export interface BenchSystem {
  gateway: GatewayName;
  url: string;
  /** The sandboxes and subgraphs, in their own process. */
  backends: BackendsProcess;
  /** The seeded world the sandboxes derive from (built here too: it is deterministic). */
  skeleton: WorldSkeleton;
  /** An uncached connector straight to the Odoo sandbox, for reads outside the measured window. */
  odoo: OdooConnector;
  /** Which checks ran, for the report. */
  checks: string;
  /** What the gateway had on (caches, dedup). */
  features: string[];
  close(): Promise<void>;
}

/** How to start a bench system. */
export interface BenchSystemOptions {
  customers: number;
  seed: number;
  devKeysDir: string;
  /** Latency injected into the sandboxes (default REALISTIC_LATENCY). */
  latency?: Partial<Record<'odoo' | 'salesforce' | 'zendesk', Faults>>;
  /** Ceilings of the subgraphs' concurrency budgets, and whether they adapt (default: the settings' defaults). */
  backendConcurrency?: SystemSettings['backendConcurrency'];
  adaptiveConcurrency?: boolean;
  /**
   * Our gateway as deployed instead of as compared with the peers: trusted documents for
   * partners, the request and cost limits given (the defaults where a role has none).
   */
  demandControl?: { rateLimits: SystemSettings['rateLimits']; costLimits: SystemSettings['costLimits'] };
  /** Where the backends process's log lines go after its start (default: dropped); the report stays on stdout. */
  logFile?: string;
  /**
   * Redis for the change feeds' evictions: the feeds run in the backends process and reach our
   * gateway's caches (in this process) over its pub/sub, as they reach gateway replicas in a
   * deployment. Nothing else of ours uses it (the record caches stay in process). Without it, our
   * gateway hears no change feed.
   */
  invalidationRedisUrl?: string;
}

const ROOT = resolve(new URL('..', import.meta.url).pathname);

/** Settings with every port picked by the OS and sandboxes for every backend (never the environment's real systems). */
function benchSettings(): SystemSettings {
  const base = loadSettings({});
  const ports = Object.fromEntries(Object.keys(base.ports).map((k) => [k, 0])) as SystemSettings['ports'];
  return { ...base, ports, auditLogPath: join(tmpdir(), `c360-bench-audit-${process.pid}.jsonl`) };
}

/** Which of our gateway's optional features startGateway knows of (read from scripts/system.ts). */
export function ourGatewayFeatures(): { responseCache: boolean; dedup: boolean } {
  const source = readFileSync(new URL('../scripts/system.ts', import.meta.url), 'utf8');
  return { responseCache: /\bresponseCache\??:/.test(source), dedup: /\bdedup\??:/.test(source) };
}

const skeletons = new Map<string, WorldSkeleton>();
function skeletonOf(customers: number, seed: number): WorldSkeleton {
  const key = `${customers}/${seed}`;
  if (!skeletons.has(key)) skeletons.set(key, buildSkeleton({ customers, seed }));
  return skeletons.get(key)!;
}

/** Starts a fresh system with the given gateway in front. */
export async function startBenchSystem(gateway: GatewayName, options: BenchSystemOptions): Promise<BenchSystem> {
  const settings = benchSettings();
  const ours = isOurs(gateway);
  // A new secret per run, shared with the child over its stdin: our gateway signs, its subgraphs verify.
  const principalSecret = randomBytes(32).toString('hex');
  const config: BackendsConfig = {
    customers: options.customers,
    seed: options.seed,
    faults: options.latency ?? REALISTIC_LATENCY,
    recordCache: ours,
    subgraphPermissions: true,
    allowUnsigned: ours ? undefined : { sub: PEER_PRINCIPAL.sub, roles: [...PEER_PRINCIPAL.roles], scopes: [...PEER_PRINCIPAL.scopes] },
    principalSecret,
    devKeysDir: options.devKeysDir,
    auditLogPath: settings.auditLogPath,
    host: settings.host,
    backendConcurrency: options.backendConcurrency,
    adaptiveConcurrency: options.adaptiveConcurrency,
    feeds: gateway !== 'ours-ttl',
    gatewayInvalidationRedisUrl: ours ? options.invalidationRedisUrl : undefined,
  };
  const backends = await startBackendsProcess(config, { logFile: options.logFile });
  const odoo = createOdooConnector({ url: backends.sandboxes.odoo, db: ODOO_DB, login: ODOO_LOGIN, apiKey: ODOO_PASSWORD, protocol: 'jsonrpc', timeoutMs: settings.backendTimeoutMs });
  const common = { backends, skeleton: skeletonOf(options.customers, options.seed), odoo };
  const supergraphSdl = readFileSync(resolve(ROOT, settings.supergraphPath), 'utf8');
  try {
    if (ours) {
      const known = ourGatewayFeatures();
      const auditLog = createAuditLog({ path: settings.auditLogPath });
      const running = await startGateway({
        // The peers have neither rate limits nor trusted documents: ours runs without them too, so that throughput compares like with like.
        // Demand control estimates and limits every operation, but no client's budget runs out in a run.
        // The invalidation Redis goes only to the response and fetch caches (their channels): rate limits are off.
        settings: options.demandControl
          ? { ...settings, trustedDocuments: 'partners', rateLimits: options.demandControl.rateLimits, costLimits: options.demandControl.costLimits }
          : { ...settings, trustedDocuments: 'off', costLimits: Object.fromEntries(['support_agent', 'sales_rep', 'finance', 'partner', 'admin'].map((r) => [r, { budget: 100_000_000 }])), redisUrl: options.invalidationRedisUrl },
        rateLimits: options.demandControl ? undefined : false,
        supergraphSdl,
        subgraphUrls: backends.subgraphs,
        principalSecret,
        auditLog,
        devKeysDir: options.devKeysDir,
        responseCache: true,
        dedup: true,
      }).catch(async (err: unknown) => {
        await auditLog.close();
        throw err;
      });
      const features = [gateway === 'ours' ? 'change feeds (long lifetimes while healthy)' : 'no change feeds (TTLs only)', 'record cache', known.responseCache ? 'response cache' : 'response cache: not in startGateway yet', known.dedup ? 'in-flight dedup' : 'dedup: not in startGateway yet'];
      return {
        gateway,
        url: running.url,
        ...common,
        checks: 'auth ON: JWT verified, operation filtered by scopes, signed principal to subgraphs, graphql-shield in subgraphs, partner row filter',
        features,
        async close() {
          await running.close().catch(() => {});
          await auditLog.close().catch(() => {});
          await backends.close();
        },
      };
    }
    const sdl = withSubgraphUrls(supergraphForApolloGateway(supergraphSdl), backends.subgraphs);
    const peer: RunningPeer = gateway === 'apollo' ? await startApolloPeer(sdl) : await startHivePeer(sdl, { rustPlanner: gateway === 'hive-rust' });
    return {
      gateway,
      url: peer.url,
      ...common,
      checks: 'auth OFF at the gateway (token ignored); subgraphs take unsigned requests as an admin principal; shield on (admin passes), no partner row filter',
      features:
        gateway === 'apollo'
          ? ['default RemoteGraphQLDataSource', 'no caches']
          : [
              ...(gateway === 'hive-rust' ? ["Hive Router's Rust query planner and executor (@graphql-hive/router-runtime)"] : []),
              'response cache (per-token session, TTLs from the supergraph @cacheControl: 5 s stock ... 30 s default)',
              "Hive's default upstream handling",
            ],
      async close() {
        await peer.close().catch(() => {});
        await backends.close();
      },
    };
  } catch (err) {
    await backends.close();
    throw err;
  }
}
