/** The Odoo connector: typed, batch-shaped reads and writes over JSON-RPC or JSON-2. */
export { createOdooConnector, many2oneId, type OdooConnector, type OdooConnectorOptions, type OdooOrderInput } from './connector.js';
export { domainFor, FILTERABLE_FIELDS, type Domain, type DomainBuilder, type DomainLeaf, type DomainOperator } from './domain.js';
export { ODOO_KINDS } from './record-kinds.js';
export * from './records.js';
export { fromHttpError, fromJsonRpcError } from './wire-errors.js';
