/** Identity of the sandbox's Odoo server: its database, API user, credentials and version. */

/** Database name. */
export const ODOO_DB = 'retail';
/** Login of the API user. */
export const ODOO_LOGIN = 'api@retail.example';
/** Password of the API user; also its API key (JSON-2 bearer token). */
export const ODOO_PASSWORD = 'odoo-sandbox-key';
/** The API key accepted by JSON-2 and as an RPC password. */
export const ODOO_API_KEY = ODOO_PASSWORD;
/** uid of the API user. */
export const ODOO_UID = 2;
/** The Odoo version the sandbox reports. */
export const ODOO_SERVER_VERSION = '17.0';

/** The `version` answer of the `common` service and of `/web/webclient/version_info`. */
export const VERSION_INFO = {
  server_version: ODOO_SERVER_VERSION,
  server_version_info: [17, 0, 0, 'final', 0, ''],
  server_serie: '17.0',
  protocol_version: 1,
};
