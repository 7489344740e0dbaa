import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { hasScope } from '../../platform/authz/principal.js';
import { badInput, codedError, ErrorCode } from '../../platform/errors/graphql-errors.js';
import { connectionOf, emptyConnection, pageOf, parsePage } from '../shared/paging/relay-page.js';
import { odooIdempotencyRef } from '../shared/connectors/odoo/mutation-support.js';
import { resolveIdempotencyKey, runAudited } from '../shared/mutations/subgraph-mutations.js';
import { invalidateRecords } from '../shared/cache/cached-loader.js';
import { ODOO_KINDS } from '../shared/connectors/odoo/record-kinds.js';
import type { OdooOrderLine, OdooPartner, OdooSaleOrder } from '../shared/connectors/odoo/records.js';
import { randomUUID } from 'node:crypto';
import { digestInput } from '../../platform/json/canonical-json.js';
import { auditPrincipal } from '../../platform/audit/audit-log.js';
import { idempotencyScope } from '../shared/mutations/run-mutation.js';
import { progressLeaseMs } from '../shared/mutations/reconciler.js';
import { isRecordName, parseRecordId } from '../shared/connectors/odoo/values.js';
import type { OrdersContext } from './context.js';
import { accountIdOf, executeCancelOrder, recoverCancelledOrder, type CancelledOrder } from './cancel-order.js';
import { newWriteRun, writeOutcomeUnknown } from '../shared/mutations/write-run.js';
import { settled } from '../shared/data-access/settled.js';
import { mapOrder, mapOrderLine, type OrderModel } from './mappers.js';
import {
  executePlaceOrder,
  parsePlaceOrderInput,
  recoverPlacedOrder,
  type PlacedOrder,
  type PlaceOrderRun,
} from './place-order.js';

const ORDER_MODEL = 'sale.order';

function orderId(value: unknown, field: string): number {
  const id = parseRecordId(value);
  if (id === null) throw badInput(field, 'must be a positive integer (an Odoo sale.order id)');
  return id;
}

function orderNumber(value: unknown, field: string): string {
  if (!isRecordName(value)) throw badInput(field, 'must be 1-64 letters, digits, "/", "_" or "-"');
  return value;
}

/** The Salesforce Account Id of an order's customer (its partner's crosswalk ref), or null. */
async function customerIdOf(order: OrderModel, ctx: OrdersContext): Promise<string | null> {
  if (order.partnerId === null) return null;
  const partner = await ctx.loaders.partner.load(order.partnerId);
  return partner?.ref ? partner.ref : null;
}

/**
 * Maps an order an entry point found (the loaders answer null for an order the caller may not
 * see, as for an unknown one); found by number, it then serves lookups by id too.
 */
function entryOrder(order: OdooSaleOrder | null, ctx: OrdersContext): OrderModel | null {
  if (!order) return null;
  ctx.loaders.order.prime(order.id, order);
  return mapOrder(order);
}

/** The permissions layer checks scopes too; writes check again where they run. */
function requireScope(ctx: OrdersContext, scope: string): void {
  if (!ctx.principal) throw codedError(ErrorCode.UNAUTHENTICATED, 'authentication required');
  if (!hasScope(ctx.principal, scope)) throw codedError(ErrorCode.FORBIDDEN, `this mutation needs the ${scope} scope`);
}

/** Tells the gateway which cached responses the write made stale. */
function invalidated(ctx: OrdersContext, tags: string[]): void {
  (ctx.invalidated ??= []).push(...tags);
}

/**
 * The order a mutation answers with: what the write returned (a replay's stored value included),
 * primed into this request's loaders with its lines and partner, so that the mutation's selection
 * is answered without reading Odoo again.
 */
function answerOrder(written: { order: OdooSaleOrder; lines?: OdooOrderLine[]; partner?: OdooPartner }, ctx: OrdersContext): OrderModel {
  const { order } = written;
  ctx.loaders.order.clear(order.id);
  ctx.loaders.order.prime(order.id, order);
  for (const line of written.lines ?? []) {
    ctx.loaders.orderLine.clear(line.id);
    ctx.loaders.orderLine.prime(line.id, line);
  }
  if (written.partner) {
    ctx.loaders.partner.clear(written.partner.id);
    ctx.loaders.partner.prime(written.partner.id, written.partner);
  }
  return mapOrder(order);
}

const audit = (operation: string, ctx: OrdersContext) => ({ operation, ownerSystem: 'odoo' as const, principal: ctx.principal, correlationId: ctx.requestId });

/** Resolvers of the orders subgraph. */
export const resolvers: GraphQLResolverMap<OrdersContext> = {
  Query: {
    async order(_root, args: { id: string }, ctx: OrdersContext) {
      const id = orderId(args.id, 'id');
      return entryOrder(await ctx.loaders.order.load(id), ctx);
    },
    async orderByNumber(_root, args: { number: string }, ctx: OrdersContext) {
      const number = orderNumber(args.number, 'number');
      return entryOrder(await ctx.loaders.orderByName.load(number), ctx);
    },
  },
  Mutation: {
    async placeOrder(_root, args: { input: Record<string, unknown> | null }, ctx: OrdersContext) {
      const raw = args.input ?? {};
      requireScope(ctx, 'orders:write');
      const cmd = parsePlaceOrderInput(raw);
      const key = resolveIdempotencyKey(raw.idempotencyKey, ctx.idempotencyKey, 'input.idempotencyKey');
      // Odoo's own record of the key: a committed order whose answer was lost is found by it, not duplicated.
      const ref = key === undefined ? undefined : odooIdempotencyRef('placeOrder', ctx.principal, key);
      // Every order carries a marker in origin, so that the reconciler finds a draft left behind even without a key.
      const marker = ref ?? `c360-run:${randomUUID()}`;
      const env = { odoo: ctx.odoo, cache: ctx.cache, rows: ctx.rows, progress: ctx.progress, progressLeaseMs: progressLeaseMs(ctx.reconcileBoundMs ?? 30_000) };
      const principal = auditPrincipal(ctx.principal);
      const meta = {
        correlationId: ctx.requestId,
        principal,
        ...(key !== undefined ? { idempotency: { scope: idempotencyScope('placeOrder', principal), key, inputDigest: digestInput(cmd) } } : {}),
      };
      const run: PlaceOrderRun = newWriteRun();
      let result;
      try {
        result = await runAudited<PlacedOrder>(ctx.mutations.runner, {
          ...audit('placeOrder', ctx),
          targetIds: [cmd.customerId],
          input: cmd,
          idempotencyKey: key,
          // The attempt holding the key goes into the progress: the reconciler settles the key over its lease.
          attempt: (keyAttempt) => executePlaceOrder(cmd, env, marker, run, meta.idempotency && keyAttempt ? { ...meta, idempotency: { ...meta.idempotency, attempt: keyAttempt } } : meta),
          recover: ref === undefined ? undefined : () => recoverPlacedOrder(env, ref, run),
          // An order of unknown outcome is the reconciler's to end (its progress record), not the store's to look up.
          followUp: false,
          isOutcomeUnknown: writeOutcomeUnknown(run),
          // A draft left behind is the reconciler's to finish: the client hears an error, the backend holds a pending write.
          backendOutcome: (err) => (run.applied && !run.undone ? 'pending' : writeOutcomeUnknown(run)(err) ? 'unknown' : undefined),
          backendRecordId: (placed) => String(placed.order.id),
        });
      } catch (err) {
        if (run.sent && !run.undone && run.partnerId !== undefined) {
          // An order may exist now: the customer's order list must not hide it.
          await invalidateRecords(ctx.cache, ODOO_KINDS.orderIdsByPartner, [run.partnerId]);
          invalidated(ctx, [`Customer:${cmd.customerId}`]);
        }
        throw err;
      }
      const { order, productIds } = result.value;
      invalidated(ctx, [`Order:${order.id}`, `Customer:${cmd.customerId}`, ...productIds.map((id) => `Product:${id}`)]);
      return answerOrder(result.value, ctx);
    },

    async cancelOrder(_root, args: { id: string }, ctx: OrdersContext) {
      requireScope(ctx, 'orders:write');
      const id = orderId(args.id, 'id');
      const key = resolveIdempotencyKey(undefined, ctx.idempotencyKey, 'idempotencyKey');
      const run = newWriteRun();
      const result = await runAudited<CancelledOrder>(ctx.mutations.runner, {
        ...audit('cancelOrder', ctx),
        targetIds: [String(id)],
        input: { id },
        idempotencyKey: key,
        attempt: () => executeCancelOrder(id, ctx, run),
        recover: key === undefined ? undefined : () => recoverCancelledOrder(id, ctx, run),
        isOutcomeUnknown: writeOutcomeUnknown(run),
        backendRecordId: (cancelled) => String(cancelled.order.id),
      });
      const { order, productIds } = result.value;
      // The customer's tag is best effort: the cancellation landed whatever this read does.
      const accountId = await accountIdOf(order, ctx).catch(() => null);
      invalidated(ctx, [
        `Order:${order.id}`,
        ...(accountId ? [`Customer:${accountId}`] : []),
        ...productIds.map((p) => `Product:${p}`),
        ...order.invoice_ids.map((m) => `Invoice:${m}`),
      ]);
      return answerOrder(result.value, ctx);
    },
  },
  Customer: {
    async orders(customer: { id: string }, args: { first?: number | null; after?: string | null }, ctx: OrdersContext) {
      const list = `${ORDER_MODEL}@${customer.id}`;
      const paging = parsePage(list, args.first, args.after);
      if (typeof customer.id !== 'string') return emptyConnection();
      // Another reseller's customer has no ERP partner for this caller: no orders, like a customer without one.
      const partner = await ctx.loaders.partnerByRef.load(customer.id);
      if (!partner) return emptyConnection();
      ctx.loaders.partner.prime(partner.id, partner);
      const page = pageOf(list, (await ctx.loaders.orderIdsByPartner.load(partner.id)) ?? [], paging);
      const orders = settled(await ctx.loaders.order.loadMany(page.keys));
      return connectionOf(page, orders.map((order) => (order ? mapOrder(order) : null)));
    },
  },
  Order: {
    // An entity reference is an entry point too (a back-office link, such as an invoice's origin,
    // may point across customers): the loaders answer another reseller's order as null.
    async __resolveReference(ref: { id?: string; number?: string }, ctx: OrdersContext) {
      const order =
        ref.id !== undefined && ref.id !== null
          ? await ctx.loaders.order.load(orderId(ref.id, 'id'))
          : await ctx.loaders.orderByName.load(orderNumber(ref.number, 'number'));
      return entryOrder(order, ctx);
    },
    async lines(order: OrderModel, _args, ctx: OrdersContext) {
      const lines = settled(await ctx.loaders.orderLine.loadMany(order.lineIds));
      return lines.flatMap((line) => {
        const mapped = line ? mapOrderLine(line, order.currency) : null;
        return mapped ? [mapped] : [];
      });
    },
    async customer(order: OrderModel, _args, ctx: OrdersContext) {
      const id = await customerIdOf(order, ctx);
      return id ? { __typename: 'Customer', id } : null;
    },
  },
};

export type { OrdersContext } from './context.js';
