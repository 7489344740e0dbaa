import type { RecordKind } from '../../cache/record-cache.js';

/**
 * Cache kinds of service-desk records, shared by everything over the service desk so that one
 * cached record serves every query. `#field` marks a lookup by that field; `@field` a list keyed by it.
 * `lifetime` names the schema type or field whose declared lifetime the records take.
 */
export const SERVICEDESK_KINDS = {
  ticket: { backend: 'servicedesk', model: 'ticket', lifetime: 'Case' },
  organization: { backend: 'servicedesk', model: 'organization', lifetime: 'Customer' },
  organizationByExternalId: { backend: 'servicedesk', model: 'organization#external_id', lifetime: 'Customer' },
  ticketIdsByOrganization: { backend: 'servicedesk', model: 'ticket@organization_id', lifetime: 'Customer.cases' },
  ticketIdsByOrderNumber: { backend: 'servicedesk', model: 'ticket@order_number', lifetime: 'Order.cases' },
  commentsByTicket: { backend: 'servicedesk', model: 'ticket.comment@ticket_id', lifetime: 'Case.comments' },
  openCountByOrganization: { backend: 'servicedesk', model: 'ticket@open_count', lifetime: 'Customer.openCaseCount' },
} as const satisfies Record<string, RecordKind>;
