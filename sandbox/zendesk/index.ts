/** The Zendesk sandbox: Zendesk Support API v2 over the shared seeded world. */
export { createZendeskSandbox, type ZendeskSandbox, type ZendeskSandboxOptions } from './sandbox.js';
export { createZendeskBackend, type ZendeskBackend, type ZendeskBackendOptions } from './backend.js';
export { buildZendeskWorld, FIRST_TICKET_ID, API_AGENT_ID, type ZendeskWorld } from './world.js';
export {
  ZENDESK_SANDBOX_SUBDOMAIN,
  ZENDESK_SANDBOX_EMAIL,
  ZENDESK_SANDBOX_TOKEN,
  ZENDESK_SANDBOX_OAUTH_TOKEN,
  ZENDESK_ORDER_NUMBER_FIELD_ID,
} from './credentials.js';
export type { ZdTicket, ZdComment, ZdOrganization, ZdUser, ZdTicketField } from './records.js';
export type { ZendeskFeedOptions, ZendeskWebhookSpec } from './feeds.js';
export type { ZendeskWebhook, WebhookAuthentication } from './webhook-store.js';
export { EMITTED_EVENT_TYPES } from './webhook-store.js';
export { zendeskSignature, type ZendeskWebhookDeliveryOptions, type ZendeskWebhookStats } from './webhook-feed.js';
export { ZENDESK_ACCOUNT_ID } from './ticket-events.js';
