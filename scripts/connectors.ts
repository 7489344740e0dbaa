/**
 * The three backend connectors from the settings: a real system where its settings are given,
 * else its sandbox (at the URL given, or at the sandbox's configured port on HOST).
 */
import { ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD } from '../sandbox/odoo/index.js';
import { SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET } from '../sandbox/salesforce/index.js';
import { ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_TOKEN } from '../sandbox/zendesk/index.js';
import { createOdooConnector, type OdooConnector } from '../subgraphs/shared/connectors/odoo/index.js';
import { createSalesforceConnector, type SalesforceConnector } from '../subgraphs/shared/connectors/salesforce/index.js';
import { createZendeskConnector, type ServiceDeskConnector } from '../subgraphs/shared/connectors/servicedesk/index.js';
import type { SystemSettings } from './config.js';

/** The backends' connectors. */
export interface Connectors {
  odoo: OdooConnector;
  salesforce: SalesforceConnector;
  serviceDesk: ServiceDeskConnector;
}

/** Where the sandbox of each backend without settings listens by default: its configured port on HOST. */
export function sandboxUrlsOf(settings: SystemSettings): { odoo?: string; salesforce?: string; zendesk?: string } {
  const local = (port: number) => `http://${settings.host}:${port}`;
  return {
    ...(settings.odoo ? {} : { odoo: local(settings.ports.odooSandbox) }),
    ...(settings.salesforce ? {} : { salesforce: local(settings.ports.salesforceSandbox) }),
    ...(settings.zendesk ? {} : { zendesk: local(settings.ports.zendeskSandbox) }),
  };
}

/** Creates the connectors; `sandboxUrls` names where running sandboxes listen (default: their configured ports). */
export function createConnectors(settings: SystemSettings, sandboxUrls: { odoo?: string; salesforce?: string; zendesk?: string } = {}): Connectors {
  const timeoutMs = settings.backendTimeoutMs;
  const deadlineMs = settings.backendDeadlineMs;
  const sandbox = { ...sandboxUrlsOf(settings), ...sandboxUrls };
  const odoo = createOdooConnector(
    settings.odoo
      ? { ...settings.odoo, timeoutMs, deadlineMs }
      : { url: sandbox.odoo!, db: ODOO_DB, login: ODOO_LOGIN, apiKey: ODOO_PASSWORD, protocol: 'jsonrpc', timeoutMs, deadlineMs },
  );
  const salesforce = createSalesforceConnector(
    settings.salesforce
      ? { ...settings.salesforce, timeoutMs, deadlineMs }
      : {
          loginUrl: sandbox.salesforce!,
          clientId: SALESFORCE_CLIENT_ID,
          clientSecret: SALESFORCE_CLIENT_SECRET,
          apiVersion: '62.0',
          multiCurrency: true,
          timeoutMs,
          deadlineMs,
        },
  );
  const z = settings.zendesk;
  const serviceDesk = createZendeskConnector(
    z
      ? { baseUrl: z.baseUrl, email: z.email, apiToken: z.apiToken, oauthToken: z.oauthToken, orderNumberFieldId: z.orderFieldId, timeoutMs, deadlineMs }
      : { baseUrl: sandbox.zendesk!, email: ZENDESK_SANDBOX_EMAIL, apiToken: ZENDESK_SANDBOX_TOKEN, timeoutMs, deadlineMs },
  );
  return { odoo, salesforce, serviceDesk };
}
