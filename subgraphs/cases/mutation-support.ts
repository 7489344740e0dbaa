/**
 * What the cases mutations check before they write (input, the linked order) and look up after
 * an answer was lost (an added comment).
 */
import { isSalesforceId, toSalesforceId18 } from '../../platform/ids/salesforce-id.js';
import { badInput } from '../../platform/errors/graphql-errors.js';
import type { AddedComment, ServiceDeskConnector } from '../shared/connectors/servicedesk/types.js';
import { OutcomeUnknownError } from '../shared/mutations/outcome.js';
import type { CasePriority } from './mappers.js';
import type { OrderDirectory } from './order-directory.js';

/** The system of record of every cases mutation (schema/ownership.json). */
export const CASES_OWNER = 'servicedesk' as const;

/** Longest description or comment. */
export const MAX_BODY = 65_000;
const SALESFORCE_ID = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;
/** Order numbers are Odoo names such as S00042 or INV/2026/00001-style sequences: a letter first, then a short code. */
const ORDER_NUMBER = /^[A-Za-z][A-Za-z0-9/_-]{0,31}$/;
/** Control characters a one-line text may not hold. */
// eslint-disable-next-line no-control-regex
const LINE_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Control characters a multi-line text may not hold: all but tab, line feed and carriage return. */
// eslint-disable-next-line no-control-regex
export const TEXT_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** openCase's input as the schema gives it. */
export interface OpenCaseInput {
  customerId: string;
  subject: string;
  description: string;
  priority?: CasePriority | null;
  orderId?: string | null;
  idempotencyKey?: string | null;
}

/** Checks openCase's input before anything is sent, naming the field at fault. */
export function validateOpenCase(input: OpenCaseInput): {
  customerId: string;
  subject: string;
  description: string;
  priority: CasePriority | null;
  /** The order number or id as given (numbers upper-cased); checked against the ERP before use. */
  orderRef: string | null;
} {
  const customerId = String(input.customerId ?? '').trim();
  if (!SALESFORCE_ID.test(customerId)) throw badInput('input.customerId', 'must be a Salesforce Account Id (15 or 18 letters and digits)');
  const subject = String(input.subject ?? '').trim();
  if (subject === '') throw badInput('input.subject', 'must not be empty');
  if (subject.length > 150) throw badInput('input.subject', 'must be at most 150 characters');
  const description = String(input.description ?? '').trim();
  if (description === '') throw badInput('input.description', 'must not be empty');
  if (description.length > MAX_BODY) throw badInput('input.description', `must be at most ${MAX_BODY} characters`);
  // Checked before trimming too: a form feed at the end is a control character, not white space to drop.
  if (LINE_CONTROL.test(String(input.subject ?? '').replace(/^ +| +$/g, ''))) throw badInput('input.subject', 'must not contain control characters');
  if (TEXT_CONTROL.test(String(input.description ?? ''))) throw badInput('input.description', 'must not contain control characters other than tab and line breaks');
  let orderRef: string | null = null;
  if (input.orderId !== undefined && input.orderId !== null && String(input.orderId).trim() !== '') {
    const value = String(input.orderId).trim();
    if (!/^\d{1,15}$/.test(value) && !ORDER_NUMBER.test(value)) throw badInput('input.orderId', 'is not an order number or order id');
    orderRef = /^\d+$/.test(value) ? value : value.toUpperCase();
  }
  return { customerId, subject, description, priority: input.priority ?? null, orderRef };
}

/**
 * The number of the order a new case is about, checked to be an order of the case's customer. A
 * nonexistent order and another customer's order get the same answer.
 */
export async function linkedOrderNumber(orders: OrderDirectory | undefined, orderRef: string | null, customerId: string): Promise<string | null> {
  if (orderRef === null) return null;
  if (!orders) throw badInput('input.orderId', 'cannot be checked against the ERP here: open the case without an order');
  const order = await orders.find(orderRef);
  const sameCustomer = order?.customerId && isSalesforceId(order.customerId) && toSalesforceId18(order.customerId) === toSalesforceId18(customerId);
  if (!order || !sameCustomer) throw badInput('input.orderId', 'is not an order of this customer');
  return order.number;
}

/**
 * Looks up a comment whose answer was lost: it was applied when the ticket's newest comment has the
 * same text and visibility. A matching comment followed by others cannot be told apart from an
 * earlier identical one, so that case stays unknown rather than risking a duplicate or a loss.
 */
export async function findAddedComment(serviceDesk: ServiceDeskConnector, ticketId: number, body: string, isPublic: boolean): Promise<AddedComment | undefined> {
  const [comments, tickets] = await Promise.all([serviceDesk.commentsByTicketIds([ticketId]), serviceDesk.ticketsByIds([ticketId])]);
  const list = comments.get(ticketId) ?? [];
  const same = (c: { body: string; public: boolean }) => c.body.trim() === body && c.public === isPublic;
  const newest = list.at(-1);
  const ticket = tickets.get(ticketId);
  if (newest && ticket && same(newest)) return { ticket, comment: newest };
  if (list.some(same)) throw new OutcomeUnknownError({ backend: 'servicedesk', message: 'servicedesk did not confirm the comment and it cannot be told apart from an earlier one: it was not repeated' });
  return undefined;
}
