import type { RecordKind } from '../../cache/record-cache.js';

/**
 * Cache kinds of service-desk records, shared by everything over the service desk so that one
 * cached record serves every query. `#field` marks a lookup by that field; `@field` a list keyed by it.
 */
export const SERVICEDESK_KINDS = {
  ticket: { backend: 'servicedesk', model: 'ticket', cacheClass: 'status' },
  organization: { backend: 'servicedesk', model: 'organization', cacheClass: 'profile' },
  organizationByExternalId: { backend: 'servicedesk', model: 'organization#external_id', cacheClass: 'profile' },
  ticketIdsByOrganization: { backend: 'servicedesk', model: 'ticket@organization_id', cacheClass: 'list' },
  ticketIdsByOrderNumber: { backend: 'servicedesk', model: 'ticket@order_number', cacheClass: 'list' },
  commentsByTicket: { backend: 'servicedesk', model: 'ticket.comment@ticket_id', cacheClass: 'status' },
  openCountByOrganization: { backend: 'servicedesk', model: 'ticket@open_count', cacheClass: 'status' },
} as const satisfies Record<string, RecordKind>;
