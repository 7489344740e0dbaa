/** The Salesforce connector: typed, batch-shaped access to Accounts, Contacts and Users over jsforce. */
export { createSalesforceConnector, MAX_IDS_PER_QUERY, MAX_OFFSET, MAX_RETRIEVE_IDS, type AccountSearch, type SalesforceConnector, type SalesforceConnectorOptions } from './connector.js';
export { mapSalesforceError } from './errors.js';
export * from './records.js';
export { isSalesforceId, toSalesforceId18 } from '../../../../platform/ids/salesforce-id.js';
export { soqlEscape, soqlLike, soqlList, soqlString } from './soql.js';
