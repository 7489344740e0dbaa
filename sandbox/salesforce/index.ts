/** The Salesforce sandbox: a protocol-faithful emulator of the Salesforce REST API for tests, benchmarks and `npm run sandbox`. */
export { createSalesforceSandbox, type SalesforceSandbox, type SalesforceSandboxOptions } from './sandbox.js';
export { SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, SALESFORCE_PASSWORD, SALESFORCE_USERNAME } from './oauth.js';
export { buildSalesforceWorld, type SalesforceWorld } from './world.js';
export type { SalesforceFeedOptions } from './feeds.js';
export type { BusRetention } from './cdc-bus.js';
