import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { createHash } from 'node:crypto';
import { hasScope } from '../../platform/authz/principal.js';
import { invalidateRecords } from '../shared/cache/cached-loader.js';
import type { RecordCache } from '../shared/cache/record-cache.js';
import { SERVICEDESK_KINDS } from '../shared/connectors/servicedesk/record-kinds.js';
import type { AddedComment, NewTicketInput, ServiceDeskConnector, ZendeskTicket } from '../shared/connectors/servicedesk/types.js';
import { OutcomeUnknownError } from '../shared/mutations/outcome.js';
import { idempotencyScope } from '../shared/mutations/run-mutation.js';
import { badInput, codedError, ErrorCode } from '../../platform/errors/graphql-errors.js';
import type { OwnershipGuard } from '../shared/ownership/ownership.js';
import type { BaseSubgraphContext } from '../shared/server/context.js';
import type { CasesLoaders } from './loaders.js';
import type { OrderDirectory } from './order-directory.js';
import { isSalesforceId, toSalesforceId18 } from '../../platform/ids/salesforce-id.js';
import { auditPrincipal } from '../../platform/audit/audit-log.js';
import { resolveIdempotencyKey, runAudited, type SubgraphMutations } from '../shared/mutations/subgraph-mutations.js';
import { isOutcomeUnknown as writeOutcomeUnknown } from '../shared/mutations/outcome.js';
import { connectionOf, emptyConnection, pageOf, parsePage } from '../shared/paging/relay-page.js';
import { settled } from '../shared/data-access/settled.js';
import {
  parseCaseId,
  splitComments,
  toCase,
  toCaseComment,
  toZendeskPriority,
  type CaseModel,
  type CasePriority,
} from './mappers.js';

/** Per-request context of the cases subgraph. */
export interface CasesContext extends BaseSubgraphContext {
  loaders: CasesLoaders;
  /** Whether the caller may see a customer's rows (partners: only their own customers). */
  guard: OwnershipGuard;
  serviceDesk: ServiceDeskConnector;
  cache: RecordCache;
  /** Idempotency store and audit log of the mutations. */
  mutations: SubgraphMutations;
  /** The request's `Idempotency-Key` header (forwarded by the gateway), used when the argument is absent. */
  idempotencyKeyHeader: string | null;
  /** The ERP's orders, to check the order a new case is linked to; without it a case cannot name an order. */
  orders?: OrderDirectory;
}

/** The system of record of every cases mutation (schema/ownership.json). */
export const CASES_OWNER = 'servicedesk' as const;

const MAX_BODY = 65_000;
const SALESFORCE_ID = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;
/** Order numbers are Odoo names such as S00042 or INV/2026/00001-style sequences: a letter first, then a short code. */
const ORDER_NUMBER = /^[A-Za-z][A-Za-z0-9/_-]{0,31}$/;
/** Control characters a one-line text may not hold. */
// eslint-disable-next-line no-control-regex
const LINE_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Control characters a multi-line text may not hold: all but tab, line feed and carriage return. */
// eslint-disable-next-line no-control-regex
const TEXT_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

function caseId(value: string, field: string): number {
  const id = parseCaseId(value);
  if (id === null) throw badInput(field, 'must be a positive integer (a ticket id)');
  return id;
}

/** The account a ticket belongs to (its organization's external id), or null. */
async function accountOf(ticket: ZendeskTicket, ctx: CasesContext): Promise<string | null> {
  if (ticket.organization_id === null) return null;
  const org = await ctx.loaders.organization.load(ticket.organization_id);
  return org?.external_id ?? null;
}

/** The tickets the caller may see; a partner sees only tickets of its own customers. */
async function visibleTickets(tickets: ZendeskTicket[], ctx: CasesContext): Promise<ZendeskTicket[]> {
  if (!ctx.guard.restricted) return tickets;
  const allowed = await Promise.all(tickets.map(async (t) => ctx.guard.canSee(await accountOf(t, ctx))));
  return tickets.filter((_, i) => allowed[i]);
}

/** A case by ticket id, or null when it does not exist or belongs to another partner's customer (the same answer). */
async function loadVisibleCase(ticketId: number, ctx: CasesContext): Promise<CaseModel | null> {
  const ticket = await ctx.loaders.ticket.load(ticketId);
  if (!ticket) return null;
  const [visible] = await visibleTickets([ticket], ctx);
  return visible ? toCase(visible, ctx.serviceDesk.orderNumberFieldId) : null;
}

/** Resolvers of the cases subgraph. */
export const resolvers: GraphQLResolverMap<CasesContext> = {
  Query: {
    async case(_root, args: { id: string }, ctx: CasesContext) {
      return loadVisibleCase(caseId(args.id, 'id'), ctx);
    },
  },

  Mutation: {
    async openCase(_root, args: { input: OpenCaseInput }, ctx: CasesContext) {
      const input = validateOpenCase(args.input);
      const key = resolveIdempotencyKey(args.input?.idempotencyKey, ctx.idempotencyKeyHeader, 'input.idempotencyKey');
      // Unknown customer and another partner's customer get the same answer.
      const notFound = () => codedError(ErrorCode.NOT_FOUND, 'input.customerId: no such customer', { field: 'input.customerId' });
      if (!(await ctx.guard.canSee(input.customerId))) throw notFound();
      const org = await ctx.loaders.organizationByExternalId.load(input.customerId);
      if (!org) throw notFound();
      const orderNumber = await linkedOrderNumber(ctx, input.orderRef, input.customerId);
      const principal = auditPrincipal(ctx.principal);
      // Zendesk keys are account-wide: derive ours from the caller's key scope so that two callers never share one.
      // The same digest marks the ticket (external_id), so that a create whose answer was lost can be found again.
      const reference = key === undefined ? undefined : createHash('sha256').update(JSON.stringify([idempotencyScope('openCase', principal), key])).digest('hex');
      const externalId = reference === undefined ? null : `c360-case:${reference.slice(0, 40)}`;
      const ticketInput: NewTicketInput = {
        subject: input.subject,
        body: input.description,
        isPublic: true,
        organizationId: org.id,
        priority: input.priority ? toZendeskPriority(input.priority) : null,
        orderNumber,
        tags: ['customer360'],
        externalId,
      };
      const invalidate = () =>
        Promise.all([
          ctx.cache.invalidate(SERVICEDESK_KINDS.ticketIdsByOrganization, [org.id]),
          ctx.cache.invalidate(SERVICEDESK_KINDS.openCountByOrganization, [org.id]),
          orderNumber ? ctx.cache.invalidate(SERVICEDESK_KINDS.ticketIdsByOrderNumber, [orderNumber]) : Promise.resolve(),
        ]);
      let ticket: ZendeskTicket;
      try {
        ({ value: ticket } = await runAudited(ctx.mutations.runner, {
          operation: 'openCase',
          ownerSystem: CASES_OWNER,
          principal,
          correlationId: ctx.requestId,
          targetIds: [input.customerId],
          input: { customerId: input.customerId, subject: input.subject, description: input.description, priority: input.priority, orderNumber },
          idempotencyKey: key,
          // Sent once: an unknown outcome is settled by the write guard (recover, then at most one repeat,
          // which Zendesk's own Idempotency-Key turns into a replay if the first one did land).
          attempt: async () => (await ctx.serviceDesk.createTicket(ticketInput, reference, { sendOnce: true })).ticket,
          recover: externalId === null ? undefined : async () => (await ctx.serviceDesk.ticketByExternalId(org.id, externalId)) ?? undefined,
          backendRecordId: (t) => String(t.id),
        }));
      } catch (err) {
        // A create of unknown outcome may have landed: the organization's lists may be wrong now.
        if (writeOutcomeUnknown(err)) {
          await invalidate();
          ctx.invalidated = [...(ctx.invalidated ?? []), `Customer:${input.customerId}`];
        }
        throw err;
      }
      await invalidate();
      ctx.loaders.ticket.clear(ticket.id).prime(ticket.id, ticket);
      ctx.invalidated = [...(ctx.invalidated ?? []), `Case:${ticket.id}`, `Customer:${input.customerId}`];
      return toCase(ticket, ctx.serviceDesk.orderNumberFieldId);
    },

    async addCaseComment(_root, args: { caseId: string; body: string; internal?: boolean | null }, ctx: CasesContext) {
      const ticketId = caseId(args.caseId, 'caseId');
      const body = typeof args.body === 'string' ? args.body.trim() : '';
      if (body === '') throw badInput('body', 'must not be empty');
      if (body.length > MAX_BODY) throw badInput('body', `must be at most ${MAX_BODY} characters`);
      if (TEXT_CONTROL.test(body)) throw badInput('body', 'must not contain control characters other than tab and line breaks');
      const internal = args.internal === true;
      // The permission layer checks cases:write; an internal note depends on an argument, so it is checked here.
      if (internal && !hasScope(ctx.principal, 'cases:internal')) {
        throw codedError(ErrorCode.FORBIDDEN, 'internal notes need the cases:internal scope', { field: 'internal' });
      }
      const key = resolveIdempotencyKey(undefined, ctx.idempotencyKeyHeader, 'Idempotency-Key');
      const visible = await loadVisibleCase(ticketId, ctx);
      if (!visible) throw codedError(ErrorCode.NOT_FOUND, 'caseId: no such case', { field: 'caseId' });
      const invalidate = async () => {
        // Through invalidateRecords: an organization's ticket list read before this write must not prime the old ticket back.
        await Promise.all([ctx.cache.invalidate(SERVICEDESK_KINDS.commentsByTicket, [ticketId]), invalidateRecords(ctx.cache, SERVICEDESK_KINDS.ticket, [ticketId])]);
        ctx.loaders.comments.clear(ticketId);
        ctx.loaders.ticket.clear(ticketId);
        ctx.invalidated = [...(ctx.invalidated ?? []), `Case:${ticketId}`];
      };
      let added: AddedComment;
      try {
        ({ value: added } = await runAudited(ctx.mutations.runner, {
          operation: 'addCaseComment',
          ownerSystem: CASES_OWNER,
          principal: auditPrincipal(ctx.principal),
          correlationId: ctx.requestId,
          targetIds: [String(ticketId)],
          input: { caseId: ticketId, body, internal },
          idempotencyKey: key,
          // Without a key a timed-out comment is reported (outcome unknown), never sent again.
          attempt: () => ctx.serviceDesk.addComment(ticketId, body, !internal),
          recover: key === undefined ? undefined : () => findAddedComment(ctx.serviceDesk, ticketId, body, !internal),
          backendRecordId: (a) => String(a.comment.id),
        }));
      } catch (err) {
        if (writeOutcomeUnknown(err)) await invalidate();
        throw err;
      }
      await invalidate();
      ctx.loaders.ticket.prime(ticketId, added.ticket);
      return toCaseComment(added.comment);
    },
  },

  Customer: {
    __resolveReference(ref: { id: string }) {
      return { id: ref.id };
    },
    async cases(customer: { id: string }, args: { first?: number | null; after?: string | null }, ctx: CasesContext) {
      const list = `ticket@${customer.id}`;
      const paging = parsePage(list, args.first, args.after);
      if (!(await ctx.guard.canSee(customer.id))) return emptyConnection();
      const org = await ctx.loaders.organizationByExternalId.load(customer.id);
      if (!org) return emptyConnection();
      const page = pageOf(list, (await ctx.loaders.ticketIdsByOrganization.load(org.id)) ?? [], paging);
      // A failed record load must fail the field, not silently shorten the page.
      const tickets = settled(await ctx.loaders.ticket.loadMany(page.keys));
      return connectionOf(page, tickets.map((t) => (t ? toCase(t, ctx.serviceDesk.orderNumberFieldId) : null)));
    },
    async openCaseCount(customer: { id: string }, _args, ctx: CasesContext) {
      if (!(await ctx.guard.canSee(customer.id))) return 0;
      const org = await ctx.loaders.organizationByExternalId.load(customer.id);
      if (!org) return 0;
      return (await ctx.loaders.openCaseCount.load(org.id)) ?? 0;
    },
  },

  Case: {
    async __resolveReference(ref: { id: string }, ctx: CasesContext) {
      const id = parseCaseId(String(ref.id));
      return id === null ? null : loadVisibleCase(id, ctx);
    },
    async comments(c: CaseModel, _args, ctx: CasesContext) {
      return splitComments((await ctx.loaders.comments.load(c.ticketId)) ?? []).publicComments;
    },
    async internalComments(c: CaseModel, _args, ctx: CasesContext) {
      return splitComments((await ctx.loaders.comments.load(c.ticketId)) ?? []).internalComments;
    },
    async customer(c: CaseModel, _args, ctx: CasesContext) {
      if (c.organizationId === null) return null;
      const org = await ctx.loaders.organization.load(c.organizationId);
      return org?.external_id ? { __typename: 'Customer', id: org.external_id } : null;
    },
    order(c: CaseModel) {
      return c.orderNumber ? { __typename: 'Order', number: c.orderNumber } : null;
    },
  },

  Order: {
    __resolveReference(ref: { number: string }) {
      return { number: ref.number };
    },
    async cases(order: { number: string }, _args, ctx: CasesContext) {
      const number = String(order.number ?? '').trim();
      if (number === '') return [];
      const ids = (await ctx.loaders.ticketIdsByOrderNumber.load(number)) ?? [];
      const tickets = (await ctx.loaders.ticket.loadMany(ids)).filter((t): t is ZendeskTicket => !!t && !(t instanceof Error));
      return (await visibleTickets(tickets, ctx)).map((t) => toCase(t, ctx.serviceDesk.orderNumberFieldId));
    },
  },
};

interface OpenCaseInput {
  customerId: string;
  subject: string;
  description: string;
  priority?: CasePriority | null;
  orderId?: string | null;
  idempotencyKey?: string | null;
}

/** Checks openCase's input before anything is sent, naming the field at fault. */
function validateOpenCase(input: OpenCaseInput): {
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
  if (LINE_CONTROL.test(subject)) throw badInput('input.subject', 'must not contain control characters');
  if (TEXT_CONTROL.test(description)) throw badInput('input.description', 'must not contain control characters other than tab and line breaks');
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
async function linkedOrderNumber(ctx: CasesContext, orderRef: string | null, customerId: string): Promise<string | null> {
  if (orderRef === null) return null;
  if (!ctx.orders) throw badInput('input.orderId', 'cannot be checked against the ERP here: open the case without an order');
  const order = await ctx.orders.find(orderRef);
  const sameCustomer = order?.customerId && isSalesforceId(order.customerId) && toSalesforceId18(order.customerId) === toSalesforceId18(customerId);
  if (!order || !sameCustomer) throw badInput('input.orderId', 'is not an order of this customer');
  return order.number;
}

/**
 * Looks up a comment whose answer was lost: it was applied when the ticket's newest comment has the
 * same text and visibility. A matching comment followed by others cannot be told apart from an
 * earlier identical one, so that case stays unknown rather than risking a duplicate or a loss.
 */
async function findAddedComment(serviceDesk: ServiceDeskConnector, ticketId: number, body: string, isPublic: boolean): Promise<AddedComment | undefined> {
  const [comments, tickets] = await Promise.all([serviceDesk.commentsByTicketIds([ticketId]), serviceDesk.ticketsByIds([ticketId])]);
  const list = comments.get(ticketId) ?? [];
  const same = (c: { body: string; public: boolean }) => c.body.trim() === body && c.public === isPublic;
  const newest = list.at(-1);
  const ticket = tickets.get(ticketId);
  if (newest && ticket && same(newest)) return { ticket, comment: newest };
  if (list.some(same)) throw new OutcomeUnknownError({ backend: 'servicedesk', message: 'servicedesk did not confirm the comment and it cannot be told apart from an earlier one: it was not repeated' });
  return undefined;
}
