import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { createHash } from 'node:crypto';
import { hasScope } from '../../platform/authz/principal.js';
import { auditPrincipal } from '../../platform/audit/audit-log.js';
import { badInput, codedError, ErrorCode } from '../../platform/errors/graphql-errors.js';
import { invalidateRecords } from '../shared/cache/cached-loader.js';
import { SERVICEDESK_KINDS } from '../shared/connectors/servicedesk/record-kinds.js';
import type { AddedComment, NewTicketInput, ZendeskTicket } from '../shared/connectors/servicedesk/types.js';
import { settled } from '../shared/data-access/settled.js';
import { isOutcomeUnknown as writeOutcomeUnknown } from '../shared/mutations/outcome.js';
import { idempotencyScope } from '../shared/mutations/run-mutation.js';
import { resolveIdempotencyKey, runAudited } from '../shared/mutations/subgraph-mutations.js';
import { connectionOf, emptyConnection, pageOf, parsePage } from '../shared/paging/relay-page.js';
import type { CasesContext } from './context.js';
import { parseCaseId, splitComments, toCase, toCaseComment, toZendeskPriority, type CaseModel } from './mappers.js';
import { CASES_OWNER, findAddedComment, linkedOrderNumber, MAX_BODY, TEXT_CONTROL, validateOpenCase, type OpenCaseInput } from './mutation-support.js';

function caseId(value: string, field: string): number {
  const id = parseCaseId(value);
  if (id === null) throw badInput(field, 'must be a positive integer (a ticket id)');
  return id;
}

/** A case by ticket id; null when it does not exist, and (the loader's same answer) when it is another reseller's customer's. */
async function loadCase(ticketId: number, ctx: CasesContext): Promise<CaseModel | null> {
  const ticket = await ctx.loaders.ticket.load(ticketId);
  return ticket ? toCase(ticket, ctx.serviceDesk.orderNumberFieldId) : null;
}

/** Resolvers of the cases subgraph. */
export const resolvers: GraphQLResolverMap<CasesContext> = {
  Query: {
    async case(_root, args: { id: string }, ctx: CasesContext) {
      return loadCase(caseId(args.id, 'id'), ctx);
    },
  },

  Mutation: {
    async openCase(_root, args: { input: OpenCaseInput }, ctx: CasesContext) {
      const input = validateOpenCase(args.input);
      const key = resolveIdempotencyKey(args.input?.idempotencyKey, ctx.idempotencyKey, 'input.idempotencyKey');
      // Unknown customer and another partner's customer get the same answer.
      const notFound = () => codedError(ErrorCode.NOT_FOUND, 'input.customerId: no such customer', { field: 'input.customerId' });
      const principal = auditPrincipal(ctx.principal);
      // Zendesk keys are account-wide: derive ours from the caller's key scope so that two callers never share one.
      // The same digest marks the ticket (external_id), so that a create whose answer was lost can be found again.
      const reference = key === undefined ? undefined : createHash('sha256').update(JSON.stringify([idempotencyScope('openCase', principal), key])).digest('hex');
      const externalId = reference === undefined ? null : `c360-case:${reference.slice(0, 40)}`;
      // The lookups run inside the attempt: a replay of a completed key is answered from the store
      // without Zendesk or the ERP, and a refusal (unknown customer or order) is audited with its key.
      const organization = async () => {
        // Refused before Zendesk hears of it; the organization goes through the row filter too.
        if (!(await ctx.rows.canSee(input.customerId))) throw notFound();
        const org = await ctx.loaders.organizationByExternalId.load(input.customerId);
        if (!org) throw notFound();
        return org;
      };
      let sent = false;
      let orderNumber: string | null = null;
      const invalidate = (orgId: number | null) =>
        Promise.all([
          orgId !== null ? ctx.cache.invalidate(SERVICEDESK_KINDS.ticketIdsByOrganization, [orgId]) : undefined,
          orgId !== null ? ctx.cache.invalidate(SERVICEDESK_KINDS.openCountByOrganization, [orgId]) : undefined,
          orderNumber ? ctx.cache.invalidate(SERVICEDESK_KINDS.ticketIdsByOrderNumber, [orderNumber]) : Promise.resolve(),
        ]);
      let orgId: number | null = null;
      let ticket: ZendeskTicket;
      try {
        ({ value: ticket } = await runAudited(ctx.mutations.runner, {
          operation: 'openCase',
          ownerSystem: CASES_OWNER,
          principal,
          correlationId: ctx.requestId,
          targetIds: [input.customerId],
          input: { customerId: input.customerId, subject: input.subject, description: input.description, priority: input.priority, orderRef: input.orderRef },
          idempotencyKey: key,
          // Sent once: an unknown outcome is settled by the write guard (recover, then at most one repeat,
          // which Zendesk's own Idempotency-Key turns into a replay if the first one did land).
          attempt: async () => {
            const org = await organization();
            orgId = org.id;
            orderNumber = await linkedOrderNumber(ctx.orders, input.orderRef, input.customerId);
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
            sent = true;
            return (await ctx.serviceDesk.createTicket(ticketInput, reference, { sendOnce: true })).ticket;
          },
          isOutcomeUnknown: (err) => sent && writeOutcomeUnknown(err),
          recover:
            externalId === null
              ? undefined
              : async () => {
                  const org = await organization();
                  orgId = org.id;
                  return (await ctx.serviceDesk.ticketByExternalId(org.id, externalId)) ?? undefined;
                },
          backendRecordId: (t) => String(t.id),
        }));
      } catch (err) {
        // A create of unknown outcome may have landed: the organization's lists may be wrong now.
        if (writeOutcomeUnknown(err)) {
          await invalidate(orgId);
          ctx.invalidated = [...(ctx.invalidated ?? []), `Customer:${input.customerId}`];
        }
        throw err;
      }
      await invalidate(ticket.organization_id ?? orgId).catch(() => undefined);
      ctx.loaders.ticket.clear(ticket.id);
      ctx.loaders.ticket.prime(ticket.id, ticket);
      ctx.invalidated = [...(ctx.invalidated ?? []), `Case:${ticket.id}`, `Customer:${input.customerId}`];
      return toCase(ticket, ctx.serviceDesk.orderNumberFieldId);
    },

    async addCaseComment(_root, args: { caseId: string; body: string; internal?: boolean | null }, ctx: CasesContext) {
      const ticketId = caseId(args.caseId, 'caseId');
      const body = typeof args.body === 'string' ? args.body.trim() : '';
      if (body === '') throw badInput('body', 'must not be empty');
      if (body.length > MAX_BODY) throw badInput('body', `must be at most ${MAX_BODY} characters`);
      if (TEXT_CONTROL.test(String(args.body ?? ''))) throw badInput('body', 'must not contain control characters other than tab and line breaks');
      const internal = args.internal === true;
      // The permission layer checks cases:write; an internal note depends on an argument, so it is checked here.
      if (internal && !hasScope(ctx.principal, 'cases:internal')) {
        throw codedError(ErrorCode.FORBIDDEN, 'internal notes need the cases:internal scope', { field: 'internal' });
      }
      const key = resolveIdempotencyKey(undefined, ctx.idempotencyKey, 'Idempotency-Key');
      // The case is checked inside the attempt: a replay of a completed key needs no Zendesk call.
      const checkCase = async () => {
        const visible = await loadCase(ticketId, ctx);
        if (!visible) throw codedError(ErrorCode.NOT_FOUND, 'caseId: no such case', { field: 'caseId' });
      };
      let sent = false;
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
          attempt: async () => {
            await checkCase();
            sent = true;
            return ctx.serviceDesk.addComment(ticketId, body, !internal);
          },
          isOutcomeUnknown: (err) => sent && writeOutcomeUnknown(err),
          recover: key === undefined ? undefined : () => findAddedComment(ctx.serviceDesk, ticketId, body, !internal),
          backendRecordId: (a) => String(a.comment.id),
        }));
      } catch (err) {
        if (writeOutcomeUnknown(err)) await invalidate();
        throw err;
      }
      await invalidate().catch(() => undefined);
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
      const org = await ctx.loaders.organizationByExternalId.load(customer.id);
      if (!org) return emptyConnection();
      const page = pageOf(list, (await ctx.loaders.ticketIdsByOrganization.load(org.id)) ?? [], paging);
      // A failed record load must fail the field, not silently shorten the page.
      const tickets = settled(await ctx.loaders.ticket.loadMany(page.keys));
      return connectionOf(page, tickets.map((t) => (t ? toCase(t, ctx.serviceDesk.orderNumberFieldId) : null)));
    },
    async openCaseCount(customer: { id: string }, _args, ctx: CasesContext) {
      const org = await ctx.loaders.organizationByExternalId.load(customer.id);
      if (!org) return 0;
      return (await ctx.loaders.openCaseCount.load(org.id)) ?? 0;
    },
  },

  Case: {
    async __resolveReference(ref: { id: string }, ctx: CasesContext) {
      const id = parseCaseId(String(ref.id));
      return id === null ? null : loadCase(id, ctx);
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
      return tickets.map((t) => toCase(t, ctx.serviceDesk.orderNumberFieldId));
    },
  },
};
