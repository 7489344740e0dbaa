import type { ZendeskComment, ZendeskTicket, ZendeskTicketPriority, ZendeskTicketStatus } from '../shared/connectors/servicedesk/types.js';

/** The schema's CaseStatus. */
export type CaseStatus = 'NEW' | 'OPEN' | 'PENDING' | 'HOLD' | 'SOLVED' | 'CLOSED';
/** The schema's CasePriority. */
export type CasePriority = 'URGENT' | 'HIGH' | 'NORMAL' | 'LOW';

/** A case as the resolvers hand it to the schema (plus the keys the field resolvers follow). */
export interface CaseModel {
  id: string;
  ticketId: number;
  subject: string;
  description: string | null;
  status: CaseStatus;
  priority: CasePriority | null;
  createdAt: string;
  updatedAt: string;
  organizationId: number | null;
  orderNumber: string | null;
}

/** A comment as the schema's CaseComment. */
export interface CaseCommentModel {
  id: string;
  body: string;
  public: boolean;
  authorId: string | null;
  createdAt: string;
}

/** Zendesk status to CaseStatus; an unknown (custom) status counts as OPEN, the safest reading of "not done". */
export function toCaseStatus(status: ZendeskTicketStatus | string): CaseStatus {
  switch (status) {
    case 'new':
      return 'NEW';
    case 'open':
      return 'OPEN';
    case 'pending':
      return 'PENDING';
    case 'hold':
      return 'HOLD';
    case 'solved':
      return 'SOLVED';
    case 'closed':
      return 'CLOSED';
    default:
      return 'OPEN';
  }
}

/** Zendesk priority to CasePriority (null when unset or unknown). */
export function toCasePriority(priority: ZendeskTicketPriority | string | null): CasePriority | null {
  switch (priority) {
    case 'urgent':
      return 'URGENT';
    case 'high':
      return 'HIGH';
    case 'normal':
      return 'NORMAL';
    case 'low':
      return 'LOW';
    default:
      return null;
  }
}

/** CasePriority to Zendesk's priority. */
export function toZendeskPriority(priority: CasePriority): ZendeskTicketPriority {
  switch (priority) {
    case 'URGENT':
      return 'urgent';
    case 'HIGH':
      return 'high';
    case 'NORMAL':
      return 'normal';
    case 'LOW':
      return 'low';
    default: {
      const never: never = priority;
      return never;
    }
  }
}

/** The order number a ticket cites in its order-number field, or null. */
export function orderNumberOfTicket(ticket: ZendeskTicket, orderNumberFieldId: number): string | null {
  const value = ticket.custom_fields?.find((f) => f.id === orderNumberFieldId)?.value;
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** A ticket as a Case. A ticket without a subject (allowed by Zendesk) takes its description's first line. */
export function toCase(ticket: ZendeskTicket, orderNumberFieldId: number): CaseModel {
  const description = ticket.description ?? null;
  const subject = ticket.subject?.trim() || description?.split('\n')[0]?.trim().slice(0, 120) || `Ticket ${ticket.id}`;
  return {
    id: String(ticket.id),
    ticketId: ticket.id,
    subject,
    description,
    status: toCaseStatus(ticket.status),
    priority: toCasePriority(ticket.priority),
    createdAt: ticket.created_at,
    updatedAt: ticket.updated_at,
    organizationId: ticket.organization_id ?? null,
    orderNumber: orderNumberOfTicket(ticket, orderNumberFieldId),
  };
}

/** A Zendesk comment as a CaseComment. */
export function toCaseComment(comment: ZendeskComment): CaseCommentModel {
  return {
    id: String(comment.id),
    body: comment.plain_body ?? comment.body,
    public: comment.public,
    authorId: comment.author_id === null || comment.author_id === undefined ? null : String(comment.author_id),
    createdAt: comment.created_at,
  };
}

/** Public comments and internal notes, each oldest first. */
export function splitComments(comments: readonly ZendeskComment[]): { publicComments: CaseCommentModel[]; internalComments: CaseCommentModel[] } {
  const sorted = [...comments].sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id));
  return {
    publicComments: sorted.filter((c) => c.public).map(toCaseComment),
    internalComments: sorted.filter((c) => !c.public).map(toCaseComment),
  };
}

/** A ticket id from a case id argument: a positive integer string, else null. */
export function parseCaseId(id: string): number | null {
  if (!/^[1-9]\d{0,15}$/.test(id)) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : null;
}
