/** Development credentials of the Zendesk sandbox (printed by `npm start`). */
export const ZENDESK_SANDBOX_SUBDOMAIN = 'retail';
/** The API user's email: basic auth is `<email>/token:<token>`. */
export const ZENDESK_SANDBOX_EMAIL = 'agent@retail.example';
/** The API token of the sandbox's API user. */
export const ZENDESK_SANDBOX_TOKEN = 'zd-sandbox-token';
/** An OAuth access token the sandbox accepts as `Authorization: Bearer <token>`. */
export const ZENDESK_SANDBOX_OAUTH_TOKEN = 'zd-sandbox-oauth';
/** Id of the ticket field "Order number" that cites a sales order (`S00042`). */
export const ZENDESK_ORDER_NUMBER_FIELD_ID = 360000000001;
