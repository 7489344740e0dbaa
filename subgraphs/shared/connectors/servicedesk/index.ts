/** The service-desk connector: the ServiceDeskConnector seam and its Zendesk implementation. */
export type {
  ServiceDeskConnector,
  ZendeskTicket,
  ZendeskComment,
  ZendeskOrganization,
  ZendeskTicketStatus,
  ZendeskTicketPriority,
  ZendeskTicketType,
  ZendeskCustomFieldValue,
  NewTicketInput,
  CreatedTicket,
  CreateTicketOptions,
  AddedComment,
} from './types.js';
export { createZendeskConnector, DEFAULT_ORDER_NUMBER_FIELD_ID, orderNumberOf, type ZendeskConnectorOptions } from './zendesk-connector.js';
export { zendeskError, parseRetryAfter } from './zendesk-errors.js';
export { sanitizeSearchValue, keywordTerm, ticketQueryForValues } from './zendesk-search.js';
export { SERVICEDESK_KINDS } from './record-kinds.js';
