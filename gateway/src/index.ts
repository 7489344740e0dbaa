/**
 * `npm run gateway`: the gateway alone, over the supergraph at SUPERGRAPH_PATH and the subgraph URLs
 * written in it (override one with <NAME>_SUBGRAPH_URL, e.g. ORDERS_SUBGRAPH_URL). It is wired by
 * the same `startGateway` as `npm start`: with REDIS_URL, the replicas share rate limits and cost
 * budgets and hear each other's invalidations of the response and fetch caches.
 */
import { readFileSync } from 'node:fs';
import { survivePromiseRejections } from '../../scripts/process-safety.js';
import { ConfigError, loadSettings } from '../../scripts/config.js';
import { devPrincipalSecret } from '../../scripts/dev-secret.js';
import { startGateway } from '../../scripts/start-gateway.js';
import { onShutdownSignal } from '../../scripts/shutdown.js';
import { createAuditLog } from '../../platform/audit/audit-log.js';
import { componentLog } from '../../platform/logging/index.js';
import { startObservability } from '../../platform/observability/start.js';

const log = componentLog('gateway');

/** `<NAME>_SUBGRAPH_URL` settings, by subgraph name in lower case. */
function subgraphUrlsFromEnv(env: Record<string, string | undefined> = process.env): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = /^([A-Z0-9_]+)_SUBGRAPH_URL$/.exec(key);
    if (match && value) urls[match[1]!.toLowerCase()] = value;
  }
  return urls;
}

async function main(): Promise<void> {
  survivePromiseRejections();
  const settings = loadSettings();
  // The gateway alone hands its spans on itself: no context manager (no AsyncLocalStorage) runs here.
  const tracing = await startObservability('customer360-gateway', { asyncContext: false });
  let supergraphSdl: string;
  try {
    supergraphSdl = readFileSync(settings.supergraphPath, 'utf8');
  } catch {
    throw new ConfigError('SUPERGRAPH_PATH', `cannot read "${settings.supergraphPath}"`);
  }
  if (!settings.jwt) log.info('development tokens (npm run token); set JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URL or JWT_PUBLIC_KEY for real ones');
  const auditLog = createAuditLog({ path: settings.auditLogPath });
  const running = await startGateway({
    settings,
    supergraphSdl,
    subgraphUrls: subgraphUrlsFromEnv(),
    principalSecret: settings.principalSecret ?? devPrincipalSecret(),
    auditLog,
  });
  log.info({ url: running.url, metricsUrl: running.metricsUrl }, `GraphQL on ${running.url}`);
  onShutdownSignal(log, settings.shutdownGraceMs, async (graceMs) => {
    await running.close({ graceMs });
    await auditLog.close();
    await tracing?.shutdown();
  });
}

main().catch((err) => {
  if (err instanceof ConfigError) log.fatal({ setting: err.setting }, `Configuration error: ${err.message}`);
  else log.fatal({ err }, 'the gateway failed to start');
  process.exit(1);
});
