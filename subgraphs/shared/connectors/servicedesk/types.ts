import type { BackendError } from '../../../../platform/errors/backend-error.js';
/**
 * The service-desk seam: the records and the batch-shaped operations the `cases` subgraph needs.
 * Zendesk Support is the default platform, so records keep Zendesk's names and wire fields; a
 * connector for another platform (Salesforce Service Cloud, Freshdesk) implements the same
 * interface by mapping its records into these shapes.
 */

/** Ticket statuses, in Zendesk's order (`new < open < pending < hold < solved < closed`). */
export type ZendeskTicketStatus = 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';
export type ZendeskTicketPriority = 'urgent' | 'high' | 'normal' | 'low';
export type ZendeskTicketType = 'problem' | 'incident' | 'question' | 'task';

/** A ticket custom field value. */
export interface ZendeskCustomFieldValue {
  id: number;
  value: string | number | boolean | null;
}

/** A Zendesk ticket: the fields the connector relies on (the wire record carries more). */
export interface ZendeskTicket {
  id: number;
  url?: string;
  external_id: string | null;
  type: ZendeskTicketType | null;
  subject: string | null;
  description: string | null;
  priority: ZendeskTicketPriority | null;
  status: ZendeskTicketStatus;
  requester_id: number | null;
  submitter_id?: number | null;
  assignee_id: number | null;
  organization_id: number | null;
  group_id?: number | null;
  tags: string[];
  custom_fields: ZendeskCustomFieldValue[];
  created_at: string;
  updated_at: string;
}

/** A ticket comment (`public: false` is an internal note). */
export interface ZendeskComment {
  id: number;
  type: string;
  author_id: number | null;
  body: string;
  html_body?: string;
  plain_body?: string;
  public: boolean;
  created_at: string;
}

/** A Zendesk organization; `external_id` carries the Salesforce Account Id (the crosswalk). */
export interface ZendeskOrganization {
  id: number;
  url?: string;
  name: string;
  external_id: string | null;
  tags?: string[];
  created_at: string;
  updated_at: string;
}

/** What opening a case needs. */
export interface NewTicketInput {
  subject: string;
  /** The first comment (becomes the description). */
  body: string;
  /** Whether the first comment is public (default true). */
  isPublic?: boolean;
  organizationId?: number | null;
  requesterId?: number | null;
  requester?: { name: string; email: string } | null;
  priority?: ZendeskTicketPriority | null;
  type?: ZendeskTicketType | null;
  tags?: string[];
  externalId?: string | null;
  /** Written to the order-number custom field. */
  orderNumber?: string | null;
}

/** The answer to a ticket creation: `replayed` when an idempotency key matched an earlier request. */
export interface CreatedTicket {
  ticket: ZendeskTicket;
  replayed: boolean;
}

/** How `createTicket` sends its request. */
export interface CreateTicketOptions {
  /**
   * Send the request exactly once, even with an idempotency key: the caller settles a timed-out
   * create itself (looks it up, then repeats it at most once). Default: with a key, retried like a
   * read, since Zendesk answers a repeat with the first ticket.
   */
  sendOnce?: boolean;
}

/** The answer to adding a comment. */
export interface AddedComment {
  ticket: ZendeskTicket;
  comment: ZendeskComment;
}

/**
 * Batch-shaped operations over the service desk. Every read takes many keys and answers one map,
 * with absent keys for records that do not exist (lists answer an empty array instead). Errors are
 * BackendError with backend `servicedesk`.
 */
export interface ServiceDeskConnector {
  /** Id of the ticket field that holds the order number (`S00042`). */
  readonly orderNumberFieldId: number;
  ticketsByIds(ids: readonly number[]): Promise<Map<number, ZendeskTicket>>;
  organizationsByIds(ids: readonly number[]): Promise<Map<number, ZendeskOrganization>>;
  /** Organizations by external id (the Salesforce Account Id). */
  organizationsByExternalIds(externalIds: readonly string[]): Promise<Map<string, ZendeskOrganization>>;
  /** Tickets of each organization, newest first (one list read, whole tickets); throws when any list fails. */
  ticketsByOrganizationIds(orgIds: readonly number[]): Promise<Map<number, ZendeskTicket[]>>;
  /**
   * The same, one call per organization, each settled alone: a list whose own call failed (a 429
   * under Zendesk's rate limit) is its BackendError, the others are answered.
   */
  settledTicketsByOrganizationIds(orgIds: readonly number[]): Promise<Map<number, ZendeskTicket[] | BackendError>>;
  /** Comments of each ticket, oldest first (public comments and internal notes); throws when any call fails. */
  commentsByTicketIds(ticketIds: readonly number[]): Promise<Map<number, ZendeskComment[]>>;
  /** The same, each ticket's call settled alone (absent: no such ticket; a BackendError: its call failed). */
  settledCommentsByTicketIds(ticketIds: readonly number[]): Promise<Map<number, ZendeskComment[] | BackendError>>;
  /** Tickets citing each order number in the order-number field, newest first. */
  ticketsByOrderNumbers(numbers: readonly string[]): Promise<Map<string, ZendeskTicket[]>>;
  /** Tickets not yet solved or closed, per organization. */
  openCaseCountsByOrganizationIds(orgIds: readonly number[]): Promise<Map<number, number>>;
  /** Opens a ticket; with an idempotency key a replay answers the first ticket. */
  createTicket(input: NewTicketInput, idempotencyKey?: string, options?: CreateTicketOptions): Promise<CreatedTicket>;
  /**
   * The organization's ticket carrying `externalId`, or null: reads the organization's ticket list
   * newest first (authoritative at once, unlike search, whose index lags writes). Used to find a
   * create whose answer was lost.
   */
  ticketByExternalId(organizationId: number, externalId: string): Promise<ZendeskTicket | null>;
  /** Adds a public comment or an internal note. */
  addComment(ticketId: number, body: string, isPublic: boolean): Promise<AddedComment>;
}
