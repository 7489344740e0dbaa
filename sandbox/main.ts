/** `npm run sandbox`: the Odoo, Salesforce and Zendesk sandboxes alone, on their configured ports. */
import { ConfigError, loadSettings } from '../scripts/config.js';
import { createOdooSandbox, ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD } from './odoo/index.js';
import { createSalesforceSandbox, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, SALESFORCE_PASSWORD, SALESFORCE_USERNAME } from './salesforce/index.js';
import { createZendeskSandbox, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_SUBDOMAIN, ZENDESK_SANDBOX_TOKEN } from './zendesk/index.js';

async function main(): Promise<void> {
  const settings = loadSettings();
  const customers = settings.sandboxCustomers;
  const seed = process.env.SANDBOX_SEED ? Number(process.env.SANDBOX_SEED) : undefined;
  const host = settings.host;
  const odoo = await createOdooSandbox({ customers, seed }).listen(settings.ports.odooSandbox, host);
  const salesforce = await createSalesforceSandbox({ customers, seed }).listen(settings.ports.salesforceSandbox, host);
  const zendesk = await createZendeskSandbox({ customers, seed }).listen(settings.ports.zendeskSandbox, host);
  console.log(`Sandboxes over one seeded world (${customers} customers):
  Odoo        ${odoo.url}   database ${ODOO_DB}, login ${ODOO_LOGIN}, password/API key ${ODOO_PASSWORD}
  Salesforce  ${salesforce.url}   OAuth client ${SALESFORCE_CLIENT_ID} / ${SALESFORCE_CLIENT_SECRET}, user ${SALESFORCE_USERNAME} / ${SALESFORCE_PASSWORD}
  Zendesk     ${zendesk.url}/api/v2   subdomain ${ZENDESK_SANDBOX_SUBDOMAIN}, ${ZENDESK_SANDBOX_EMAIL} / token ${ZENDESK_SANDBOX_TOKEN}
Admin API on each: GET /__sandbox/stats · POST /__sandbox/reset · PUT /__sandbox/faults · POST /__sandbox/edit
  GET /__sandbox/changes?since=<ISO> · POST /__sandbox/change-stream {"perSecond": n} · GET /__sandbox/feeds · GET|PUT /__sandbox/webhooks (Odoo, Zendesk)
Change feeds: Odoo automation-rule webhooks · Salesforce CDC at ${salesforce.url}/cometd/62.0 · Zendesk signed webhooks`);
  const stop = () => void Promise.all([odoo.close(), salesforce.close(), zendesk.close()]).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `Configuration error: ${err.message}` : err);
  process.exit(1);
});
