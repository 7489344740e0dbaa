/**
 * The backends of one benchmark run in their own process: the three sandboxes (seeded, with
 * latency faults) and the five subgraphs, without a gateway. The parent writes one JSON line
 * (BackendsConfig) on stdin; this process answers with one JSON line (BackendsReady) on stdout
 * and runs until its stdin closes (so it never outlives the parent) or it gets SIGTERM/SIGINT.
 *
 * An admin server on its own port reports what the parent cannot see from outside:
 * `GET /metrics.json` (the prom-client registry as JSON: record cache counters) and
 * `GET /process` (this process's CPU time and memory).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Faults } from '../sandbox/common/server.js';
import { metricsRegistry } from '../subgraphs/shared/metrics/index.js';
import { loadSettings, type SystemSettings } from './config.js';
import { componentLog } from '../platform/logging/index.js';
import { startObservability } from '../platform/observability/start.js';
import { startSystem } from './system.js';

type Backend = 'odoo' | 'salesforce' | 'zendesk';

/** What the parent asks for (one JSON line on stdin). */
export interface BackendsConfig {
  customers: number;
  seed: number;
  /** Faults injected into the sandboxes at start (realistic latency). */
  faults?: Partial<Record<Backend, Faults>>;
  /** Cross-request record cache in the subgraphs. */
  recordCache: boolean;
  /** graphql-shield permissions in the subgraphs. */
  subgraphPermissions: boolean;
  /** Benchmarks only: subgraphs take unsigned requests as this principal (scopes as a list). */
  allowUnsigned?: { sub: string; roles: string[]; scopes: string[] };
  /** The secret the parent's gateway signs the principal with (at least 32 bytes). */
  principalSecret: string;
  /** The development keys directory of the parent (its gateway verifies tokens with them). */
  devKeysDir?: string;
  auditLogPath: string;
  host?: string;
  /** Ceilings of the record caches' concurrency budgets (default: the settings' defaults). */
  backendConcurrency?: SystemSettings['backendConcurrency'];
  /** Whether the budgets adapt to latency (default: the settings' default). */
  adaptiveConcurrency?: boolean;
  /** The change feeds (default on; false: TTLs alone bound freshness). */
  feeds?: boolean;
  /** Redis over which the feeds tell the parent's gateway what to evict (see startSystem's `gatewayInvalidationRedisUrl`). */
  gatewayInvalidationRedisUrl?: string;
}

/** The answer (one JSON line on stdout). */
export interface BackendsReady {
  type: 'ready';
  pid: number;
  sandboxes: Record<Backend, string>;
  subgraphs: Record<'accounts' | 'orders' | 'stock' | 'invoices' | 'cases', string>;
  /** Base URL of the admin server (`/metrics.json`, `/process`). */
  admin: string;
}

/** What `GET /process` answers. */
export interface BackendsProcessInfo {
  cpu: NodeJS.CpuUsage;
  rssBytes: number;
}

function readConfigLine(): Promise<BackendsConfig> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\n');
      if (end < 0) return;
      process.stdin.off('data', onData);
      try {
        resolve(JSON.parse(buffer.slice(0, end)) as BackendsConfig);
      } catch (err) {
        reject(err);
      }
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', () => reject(new Error('stdin closed before the configuration line')));
  });
}

function startAdmin(host: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/metrics.json') {
      metricsRegistry.getMetricsAsJSON().then((metrics) => reply(200, metrics), (err: unknown) => reply(500, { error: String(err) }));
    } else if (req.method === 'GET' && req.url === '/process') {
      reply(200, { cpu: process.cpuUsage(), rssBytes: process.memoryUsage().rss } satisfies BackendsProcessInfo);
    } else {
      reply(404, { error: 'not found' });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve({ url: `http://${host}:${(server.address() as AddressInfo).port}`, server }));
  });
}

async function main(): Promise<void> {
  // Traces and log levels follow the environment (the OTEL_* variables, LOG_LEVEL) like any entry point.
  await startObservability('customer360-backends');
  const config = await readConfigLine();
  // Never the environment's real systems: every backend is a sandbox, every port picked by the OS.
  const base = loadSettings({});
  const settings: SystemSettings = {
    ...base,
    host: config.host ?? base.host,
    ports: Object.fromEntries(Object.keys(base.ports).map((k) => [k, 0])) as SystemSettings['ports'],
    auditLogPath: config.auditLogPath,
    principalSecret: config.principalSecret,
    backendConcurrency: config.backendConcurrency ?? base.backendConcurrency,
    adaptiveConcurrency: config.adaptiveConcurrency ?? base.adaptiveConcurrency,
  };
  const system = await startSystem({
    settings,
    world: { customers: config.customers, seed: config.seed },
    sandboxFaults: config.faults,
    devKeysDir: config.devKeysDir,
    recordCache: config.recordCache,
    subgraphPermissions: config.subgraphPermissions,
    gateway: false,
    allowUnsignedForBenchmarks: config.allowUnsigned ? { ...config.allowUnsigned, scopes: new Set(config.allowUnsigned.scopes) } : undefined,
    feeds: config.feeds,
    gatewayInvalidationRedisUrl: config.gatewayInvalidationRedisUrl,
  });
  const admin = await startAdmin(settings.host);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    admin.server.closeAllConnections();
    admin.server.close();
    void system.close().finally(() => process.exit(0));
  };
  process.stdin.once('end', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const ready: BackendsReady = {
    type: 'ready',
    pid: process.pid,
    sandboxes: { odoo: system.sandboxes.odoo!.url, salesforce: system.sandboxes.salesforce!.url, zendesk: system.sandboxes.zendesk!.url },
    subgraphs: Object.fromEntries(Object.entries(system.subgraphs).map(([name, s]) => [name, s.url])) as BackendsReady['subgraphs'],
    admin: admin.url,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

main().catch((err: unknown) => {
  componentLog('backends').fatal({ err }, 'the backends process failed to start');
  process.exit(1);
});
