/**
 * `npm start`: the whole system in one process. Backends without settings in the environment run
 * on their seeded sandboxes; see README.md for the settings.
 */
import { survivePromiseRejections } from './process-safety.js';
import { ConfigError, loadSettings } from './config.js';
import { startSystem } from './system.js';
import { onShutdownSignal } from './shutdown.js';
import { componentLog } from '../platform/logging/index.js';
import { startObservability } from '../platform/observability/start.js';

const log = componentLog('start');

async function main(): Promise<void> {
  survivePromiseRejections();
  const started = Date.now();
  const settings = loadSettings();
  const tracing = await startObservability('customer360');
  const usingSandboxes = [!settings.odoo && 'Odoo', !settings.salesforce && 'Salesforce', !settings.zendesk && 'Zendesk'].filter(Boolean);
  if (usingSandboxes.length > 0) console.log(`Starting sandboxes for ${usingSandboxes.join(', ')} (${settings.sandboxCustomers} customers)…`);
  const system = await startSystem({ settings, log: (line) => console.log(`  ${line}`) });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const example = system.skeleton?.examples.manyOrders;
  console.log(`
Ready in ${seconds} s.

  GraphQL:  ${system.gatewayUrl}${settings.graphqlIde ? '   (open it in a browser for the IDE)' : ''}
  Health:   ${system.gatewayUrl!.replace(/\/graphql$/, '/healthz')}  ·  /readyz  ·  /metrics
  Token:    npm run token -- --role support_agent      (roles: support_agent sales_rep finance partner admin)
${example ? `  Example customer id: ${example}\n` : ''}
Try:
  TOKEN=$(npm run -s token -- --role support_agent)
  curl -s ${system.gatewayUrl} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"query":"{ customer(id: \\"${example ?? '<Account Id>'}\\") { name phone billing { onHold } openCaseCount orders(first: 3) { totalCount edges { node { number status amountTotal { amount currency } } } } } }"}'

  Search:  { customers(search: "North", first: 5) { totalCount edges { node { id name } } } }
  Order:   { orderByNumber(number: "S00014") { number status lines { product { sku name availability { free } } quantity } } }
`);
  onShutdownSignal(log, settings.shutdownGraceMs, async (graceMs) => {
    await system.close({ graceMs });
    await tracing?.shutdown();
  });
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    log.fatal({ setting: err.setting }, `Configuration error: ${err.message}`);
  } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    log.fatal(`Port in use: ${(err as Error).message}. Set the *_PORT variables (see README.md) to free ports.`);
  } else {
    log.fatal({ err }, 'start-up failed');
  }
  process.exit(1);
});
