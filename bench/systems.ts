/**
 * A fresh system per benchmark run: new sandboxes (cold, realistic latency), the five subgraphs,
 * and one gateway in front: ours, plain @apollo/gateway, or Hive Gateway.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, type SystemSettings } from '../scripts/config.js';
import { startSystem, type RunningSystem, type StartSystemOptions } from '../scripts/system.js';
import type { Faults } from '../sandbox/common/server.js';
import type { Principal } from '../subgraphs/shared/authz/principal.js';
import { scopesForRoles } from '../subgraphs/shared/authz/roles.js';
import { supergraphForApolloGateway } from '../gateway/src/auth/supergraph-for-gateway.js';
import { startApolloPeer, startHivePeer, withSubgraphUrls, type RunningPeer } from './peers.js';

/** The gateways under test. */
export const GATEWAY_NAMES = ['ours', 'apollo', 'hive'] as const;
export type GatewayName = (typeof GATEWAY_NAMES)[number];

/** Labels for the table: (a), (b), (c). */
export const GATEWAY_LABELS: Record<GatewayName, string> = { ours: '(a) ours', apollo: '(b) apollo', hive: '(c) hive' };

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
  system: RunningSystem;
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
}

/** Settings with every port picked by the OS and sandboxes for every backend (never the environment's real systems). */
function benchSettings(): SystemSettings {
  const base = loadSettings({});
  const ports = Object.fromEntries(Object.keys(base.ports).map((k) => [k, 0])) as SystemSettings['ports'];
  return { ...base, ports, auditLogPath: join(tmpdir(), `c360-bench-audit-${process.pid}.jsonl`) };
}

/** Which of our gateway's optional features startSystem knows of yet (options being added elsewhere). */
export function ourGatewayFeatures(): { responseCache: boolean; dedup: boolean } {
  const source = readFileSync(new URL('../scripts/system.ts', import.meta.url), 'utf8');
  return { responseCache: /\bresponseCache\??:/.test(source), dedup: /\bdedup\??:/.test(source) };
}

/** Starts a fresh system with the given gateway in front. */
export async function startBenchSystem(gateway: GatewayName, options: BenchSystemOptions): Promise<BenchSystem> {
  const common: StartSystemOptions = {
    settings: benchSettings(),
    world: { customers: options.customers, seed: options.seed },
    sandboxFaults: options.latency ?? REALISTIC_LATENCY,
    devKeysDir: options.devKeysDir,
    subgraphPermissions: true,
  };
  if (gateway === 'ours') {
    const known = ourGatewayFeatures();
    // Passed whether or not startSystem knows them yet: unknown options are ignored.
    const extra: Record<string, unknown> = { responseCache: true, dedup: true };
    const system = await startSystem({ ...common, recordCache: true, gateway: true, ...extra } as StartSystemOptions);
    const features = ['record cache', known.responseCache ? 'response cache' : 'response cache: not in startSystem yet', known.dedup ? 'in-flight dedup' : 'dedup: not in startSystem yet'];
    return {
      gateway,
      url: system.gatewayUrl!,
      system,
      checks: 'auth ON: JWT verified, operation filtered by scopes, signed principal to subgraphs, graphql-shield in subgraphs, partner row filter',
      features,
      close: () => system.close(),
    };
  }
  const system = await startSystem({ ...common, recordCache: false, gateway: false, allowUnsignedForBenchmarks: PEER_PRINCIPAL });
  const urls = Object.fromEntries(Object.entries(system.subgraphs).map(([name, s]) => [name, s.url]));
  const sdl = withSubgraphUrls(supergraphForApolloGateway(system.supergraphSdl), urls);
  let peer: RunningPeer;
  try {
    peer = gateway === 'apollo' ? await startApolloPeer(sdl) : await startHivePeer(sdl);
  } catch (err) {
    await system.close();
    throw err;
  }
  return {
    gateway,
    url: peer.url,
    system,
    checks: 'auth OFF at the gateway (token ignored); subgraphs take unsigned requests as an admin principal; shield on (admin passes), no partner row filter',
    features: gateway === 'apollo' ? ['default RemoteGraphQLDataSource', 'no caches'] : ['response cache (per-token session, our TTL rules: 5 s stock ... 30 s default)', "Hive's default upstream handling"],
    async close() {
      await peer.close().catch(() => {});
      await system.close();
    },
  };
}
