import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { hasScope } from '../../platform/authz/principal.js';
import { badInput, codedError, ErrorCode } from '../../platform/errors/graphql-errors.js';
import { connectionOf, emptyConnection, pageOf, parsePage } from '../shared/paging/relay-page.js';
import { resolveIdempotencyKey, runAudited } from '../shared/mutations/subgraph-mutations.js';
import type { InvoicesContext } from './context.js';
import type { OdooMove, OdooPartner } from '../shared/connectors/odoo/records.js';
import { isRecordName, parseRecordId } from '../shared/connectors/odoo/values.js';
import { settled } from '../shared/data-access/settled.js';
import { balances, mapBilling, mapInvoice, type BillingModel, type InvoiceModel } from './mappers.js';
import { executeSetCreditHold, parseCreditHoldArgs, recoverCreditHold } from './set-credit-hold.js';
import { newWriteRun, writeOutcomeUnknown } from '../shared/mutations/write-run.js';

const MOVE_MODEL = 'account.move';
const CUSTOMER_MOVE_TYPES = new Set(['out_invoice', 'out_refund']);

function recordId(value: unknown, field: string, model: string): number {
  const id = parseRecordId(value);
  if (id === null) throw badInput(field, `must be a positive integer (an Odoo ${model} id)`);
  return id;
}

function recordName(value: unknown, field: string): string {
  if (!isRecordName(value)) throw badInput(field, 'must be 1-64 letters, digits, "/", "_" or "-"');
  return value;
}

/** An Order as this subgraph receives it: its key, and the number and customer it @requires. */
interface OrderRef {
  id: string;
  number?: string;
  /** The order's customer (Salesforce Account Id), when the gateway sent it. */
  customerId?: string;
}

/** Whether a move's origin names the order (Odoo joins several origins with ", "). */
function citesOrder(move: OdooMove, number: string): boolean {
  return typeof move.invoice_origin === 'string' && move.invoice_origin.split(',').some((origin) => origin.trim() === number);
}

/** Customer invoices and credit notes only: vendor bills and journal entries are not exposed. */
function customerMove(move: OdooMove | null): OdooMove | null {
  return move && CUSTOMER_MOVE_TYPES.has(move.move_type) ? move : null;
}

async function customerIdOf(partnerId: number | null, ctx: InvoicesContext): Promise<string | null> {
  if (partnerId === null) return null;
  const partner = await ctx.loaders.partner.load(partnerId);
  return partner?.ref ? partner.ref : null;
}

/**
 * Maps an invoice an entry point found (the loaders answer null for an invoice the caller may not
 * see, as for an unknown one); found by number, it then serves lookups by id too.
 */
function entryInvoice(found: OdooMove | null, ctx: InvoicesContext): InvoiceModel | null {
  const move = customerMove(found);
  if (!move) return null;
  ctx.loaders.move.prime(move.id, move);
  return mapInvoice(move);
}

/** Resolvers of the invoices subgraph. */
export const resolvers: GraphQLResolverMap<InvoicesContext> = {
  Query: {
    async invoice(_root, args: { id: string }, ctx: InvoicesContext) {
      return entryInvoice(await ctx.loaders.move.load(recordId(args.id, 'id', MOVE_MODEL)), ctx);
    },
    async invoiceByNumber(_root, args: { number: string }, ctx: InvoicesContext) {
      return entryInvoice(await ctx.loaders.moveByName.load(recordName(args.number, 'number')), ctx);
    },
  },
  Mutation: {
    async setCreditHold(_root, args: { customerId: string; onHold: boolean; reason?: string | null }, ctx: InvoicesContext) {
      const audit = { operation: 'setCreditHold', ownerSystem: 'odoo' as const, principal: ctx.principal, correlationId: ctx.requestId };
      // The permissions layer checks the scope too; the write checks again where it runs.
      if (!ctx.principal) throw codedError(ErrorCode.UNAUTHENTICATED, 'authentication required');
      if (!hasScope(ctx.principal, 'credit:write')) throw codedError(ErrorCode.FORBIDDEN, 'this mutation needs the credit:write scope');
      const cmd = parseCreditHoldArgs(args);
      const key = resolveIdempotencyKey(undefined, ctx.idempotencyKey, 'idempotencyKey');
      const env = { odoo: ctx.odoo, cache: ctx.cache, rows: ctx.rows };
      const run = newWriteRun();
      const result = await runAudited<OdooPartner>(ctx.mutations.runner, {
        ...audit,
        targetIds: [cmd.customerId],
        input: cmd,
        idempotencyKey: key,
        attempt: () => executeSetCreditHold(cmd, env, run),
        recover: key === undefined ? undefined : () => recoverCreditHold(cmd, env, run),
        isOutcomeUnknown: writeOutcomeUnknown(run),
        backendRecordId: (partner) => String(partner.id),
      });
      // Answered from what the write returned, a replay included: a client retrying while Odoo is
      // degraded learns that its hold is in place, without a read that could fail.
      const partner = result.value;
      ctx.loaders.partner.clear(partner.id);
      ctx.loaders.partner.prime(partner.id, partner);
      (ctx.invalidated ??= []).push(`Customer:${cmd.customerId}`);
      return mapBilling(partner);
    },
  },
  Customer: {
    async billing(customer: { id: string }, _args, ctx: InvoicesContext) {
      if (typeof customer.id !== 'string') return null;
      // Another reseller's customer has no ERP partner for this caller: no billing profile, like a customer without one.
      const partner = await ctx.loaders.partnerByRef.load(customer.id);
      return partner ? mapBilling(partner) : null;
    },
    async invoices(customer: { id: string }, args: { first?: number | null; after?: string | null }, ctx: InvoicesContext) {
      const list = `${MOVE_MODEL}@${customer.id}`;
      const paging = parsePage(list, args.first, args.after);
      if (typeof customer.id !== 'string') return emptyConnection();
      const partner = await ctx.loaders.partnerByRef.load(customer.id);
      if (!partner) return emptyConnection();
      ctx.loaders.partner.prime(partner.id, partner);
      // The partner's whole list, records included: billing's open items and the orders' invoices come from it too.
      const page = pageOf(list, (await ctx.loaders.moveIdsByPartner.load(partner.id)) ?? [], paging);
      const moves = settled(await ctx.loaders.move.loadMany(page.keys));
      return connectionOf(page, moves.map((move) => (customerMove(move) ? mapInvoice(move!) : null)));
    },
  },
  BillingProfile: {
    // Balances need the open items: the partner's invoice list (one call per batch, none when cached), only read when asked for.
    async outstanding(billing: BillingModel, _args, ctx: InvoicesContext) {
      return balances(await ctx.loaders.openItems.load(billing.partnerId), ctx.today, billing.currency).outstanding;
    },
    async overdue(billing: BillingModel, _args, ctx: InvoicesContext) {
      return balances(await ctx.loaders.openItems.load(billing.partnerId), ctx.today, billing.currency).overdue;
    },
  },
  Invoice: {
    // An entity reference is an entry point too: the loaders answer another reseller's invoice as null, like an unknown one.
    async __resolveReference(ref: { id: string }, ctx: InvoicesContext) {
      return entryInvoice(await ctx.loaders.move.load(recordId(ref.id, 'id', MOVE_MODEL)), ctx);
    },
    async order(invoice: InvoiceModel, _args, ctx: InvoicesContext) {
      if (!invoice.orderNumber || !isRecordName(invoice.orderNumber)) return null;
      // The Order's resolvable key in this subgraph is its id: one batched sale.order read by name.
      // The origin is free text: an own invoice may name another customer's order (grouped
      // invoicing, a typo). The loader then answers no order to a partner, as for an origin naming none.
      const order = await ctx.loaders.orderByName.load(invoice.orderNumber);
      if (!order) return null;
      return { __typename: 'Order', id: String(order.id), number: order.name };
    },
    async customer(invoice: InvoiceModel, _args, ctx: InvoicesContext) {
      const id = await customerIdOf(invoice.partnerId, ctx);
      return id ? { __typename: 'Customer', id } : null;
    },
  },
  Order: {
    __resolveReference(ref: { id: string; number?: string; customer?: { id?: unknown } | null }) {
      const customerId = ref.customer && typeof ref.customer.id === 'string' ? ref.customer.id : undefined;
      return { id: String(recordId(ref.id, 'id', 'sale.order')), number: typeof ref.number === 'string' ? ref.number : undefined, customerId };
    },
    async invoices(order: OrderRef, _args, ctx: InvoicesContext) {
      // The gateway sends the number (@requires); a caller that omits it costs one sale.order read.
      const number = order.number ?? (await ctx.loaders.order.load(recordId(order.id, 'id', 'sale.order')))?.name;
      if (!number) return [];
      // With the customer known, the invoices come from its invoice list, which Customer.invoices
      // and billing read too: no account.move call of their own.
      const partner = order.customerId !== undefined ? await ctx.loaders.partnerByRef.load(order.customerId) : null;
      if (partner) {
        const moves = (await ctx.loaders.movesOfPartner.load(partner.id)).filter((m) => citesOrder(m, number)).sort((a, b) => a.id - b.id);
        return moves.filter((m) => customerMove(m)).map((m) => mapInvoice(m));
      }
      // Found by origin, across customers: the loader keeps a partner's own customers' invoices only.
      const moves = (await ctx.loaders.movesByOrderName.load(number)) ?? [];
      return moves.filter((m) => customerMove(m)).map((m) => mapInvoice(m));
    },
  },
};
