/**
 * `npm run gateway`: the gateway alone, over the supergraph at SUPERGRAPH_PATH and the subgraph URLs
 * written in it (override one with <NAME>_SUBGRAPH_URL, e.g. ORDERS_SUBGRAPH_URL).
 */
import { readFileSync } from 'node:fs';
import { survivePromiseRejections } from '../../scripts/process-safety.js';
import { ConfigError, lifetimesFor, loadSettings } from '../../scripts/config.js';
import { devPrincipalSecret } from '../../scripts/dev-secret.js';
import { createGatewayAuth } from './auth/gateway-auth.js';
import { metricsRegistry } from '../../platform/metrics/registry.js';
import { createDevJwtVerifier } from './auth/dev-keys.js';
import { createJwtVerifier } from './auth/jwt.js';
import { supergraphForApolloGateway } from './auth/supergraph-for-gateway.js';
import { createGatewayServer } from './server.js';
import { deniedMutationAudit } from './plugins/denied-mutation-audit.js';
import { createAuditLog } from '../../platform/audit/audit-log.js';
import { componentLog } from '../../platform/logging/index.js';
import { startObservability } from '../../platform/observability/start.js';

const log = componentLog('gateway');

async function main(): Promise<void> {
  survivePromiseRejections();
  const settings = loadSettings();
  const tracing = await startObservability('customer360-gateway');
  let supergraphSdl: string;
  try {
    supergraphSdl = readFileSync(settings.supergraphPath, 'utf8');
  } catch {
    throw new ConfigError('SUPERGRAPH_PATH', `cannot read "${settings.supergraphPath}"`);
  }
  const subgraphUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    const match = /^([A-Z0-9_]+)_SUBGRAPH_URL$/.exec(key);
    if (match && value) subgraphUrls[match[1]!.toLowerCase()] = value;
  }
  const verifier = settings.jwt ? createJwtVerifier(settings.jwt) : createDevJwtVerifier();
  if (!settings.jwt) log.info('development tokens (npm run token); set JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URL or JWT_PUBLIC_KEY for real ones');
  const secret = settings.principalSecret ?? devPrincipalSecret();
  const gateway = await createGatewayServer({
    supergraphSdl: supergraphForApolloGateway(supergraphSdl),
    subgraphUrls,
    auth: createGatewayAuth(verifier, supergraphSdl, secret),
    subgraphTimeoutMs: settings.subgraphTimeoutMs,
    metrics: metricsRegistry,
    metricsPort: settings.metricsPort,
    // With Redis, invalidations reach the response caches of every gateway replica.
    responseCache: { redisUrl: settings.redisUrl, lifetimes: lifetimesFor(supergraphSdl, settings) },
    onDeniedMutations: deniedMutationAudit(createAuditLog({ path: settings.auditLogPath })),
  });
  const running = await gateway.listen(settings.ports.gateway, settings.host);
  log.info({ url: running.url }, `GraphQL on ${running.url}`);
  const stop = () => void running.close().then(() => tracing?.shutdown()).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  if (err instanceof ConfigError) log.fatal({ setting: err.setting }, `Configuration error: ${err.message}`);
  else log.fatal({ err }, 'the gateway failed to start');
  process.exit(1);
});
