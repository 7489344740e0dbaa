/** The Odoo sandbox: protocol-faithful JSON-RPC, XML-RPC and JSON-2 over a seeded retail database. */
export {
  createOdooSandbox,
  ODOO_API_KEY,
  ODOO_DB,
  ODOO_LOGIN,
  ODOO_PASSWORD,
  ODOO_SERVER_VERSION,
  ODOO_UID,
  type OdooSandbox,
  type OdooSandboxOptions,
} from './server.js';
export { buildOdooWorld, ORPHAN_PARTNER_REF, ARCHIVED_PRODUCT_IDS, type OdooWorld } from './world.js';
export { OdooOrm } from './orm.js';
export type { WebhookRule, StoredWebhookRule } from './automation.js';
export type { OdooFeedOptions } from './feeds.js';
export type { OdooWebhookDeliveryOptions, OdooWebhookStats } from './webhooks.js';
