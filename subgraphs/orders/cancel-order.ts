import { invalidateRecords } from '../shared/cache/cached-loader.js';
import { ODOO_KINDS } from '../shared/connectors/odoo/record-kinds.js';
import type { OdooOrderLine, OdooSaleOrder } from '../shared/connectors/odoo/records.js';
import { codedError, ErrorCode } from '../../platform/errors/graphql-errors.js';
import type { WriteRun } from '../shared/mutations/write-run.js';
import { OutcomeUnknownError } from '../shared/mutations/outcome.js';
import type { OrdersContext } from './context.js';
import { invalidateOrder } from './place-order.js';

/** What a cancelled order leaves for the resolver (JSON-safe). */
export interface CancelledOrder {
  order: OdooSaleOrder;
  productIds: number[];
  /** The order's lines as read after the cancellation (a replay answers from them). */
  lines?: OdooOrderLine[];
}

/** The answer for an unknown order, and (identical) for an order of another reseller's customer. */
export function unknownOrder(): Error {
  return codedError(ErrorCode.NOT_FOUND, 'id: no such order', { field: 'id' });
}

/** The Salesforce Account Id of an order's customer, through the per-request (cached) partner loader. */
export async function accountIdOf(order: OdooSaleOrder, ctx: OrdersContext): Promise<string | null> {
  const partnerId = Array.isArray(order.partner_id) ? order.partner_id[0] : null;
  if (partnerId === null) return null;
  const partner = await ctx.loaders.partner.load(partnerId);
  return partner?.ref ? partner.ref : null;
}

async function finish(order: OdooSaleOrder, ctx: OrdersContext): Promise<CancelledOrder> {
  const partnerId = Array.isArray(order.partner_id) ? order.partner_id[0] : null;
  // Lines tell which products' reservations were released; invalidating first makes the loader read them fresh.
  await invalidateOrder(ctx.cache, order, []);
  // The cancellation landed: lines that cannot be read now only leave the stock to its TTL.
  const loaded: (OdooOrderLine | Error | null)[] = await ctx.loaders.orderLine.loadMany(order.order_line).catch(() => []);
  const lines = loaded.filter((l): l is OdooOrderLine => l !== null && !(l instanceof Error));
  const productIds = [...new Set(lines.flatMap((l) => (Array.isArray(l.product_id) ? [l.product_id[0]] : [])))];
  await Promise.all([
    invalidateRecords(ctx.cache, ODOO_KINDS.productStock, productIds),
    invalidateRecords(ctx.cache, ODOO_KINDS.quantsByProduct, productIds),
    // action_cancel also cancels the order's draft invoices: the records, and the customer's invoice
    // list from which open items and Order.invoices derive.
    invalidateRecords(ctx.cache, ODOO_KINDS.move, order.invoice_ids),
    invalidateRecords(ctx.cache, ODOO_KINDS.movesByOrderName, [order.name]),
    partnerId !== null ? invalidateRecords(ctx.cache, ODOO_KINDS.moveIdsByPartner, [partnerId]) : undefined,
  ]);
  return { order, productIds, lines };
}

/**
 * Cancels an order: fresh read, ownership (another reseller's order is answered like an unknown
 * one), `action_cancel`, fresh read. An order already cancelled is refused; a locked one is
 * refused by Odoo itself (UserError -> BACKEND_REJECTED).
 */
export async function executeCancelOrder(id: number, ctx: OrdersContext, run: WriteRun): Promise<CancelledOrder> {
  const { odoo } = ctx;
  // Read fresh, then through the row filter: another reseller's order is refused like an unknown one.
  const order = await ctx.loaders.order.admit(id, (await odoo.ordersByIds([id])).get(id) ?? null);
  if (!order) throw unknownOrder();
  if (order.state === 'cancel') {
    throw codedError(ErrorCode.BACKEND_REJECTED, `odoo: order ${order.name} is already cancelled`, { system: 'odoo', field: 'id', reason: 'ALREADY_CANCELLED' });
  }
  run.sent = true;
  await odoo.cancelOrder(id);
  run.applied = true;
  // A read-back that fails is answered from what was written: action_cancel answered, so the order is cancelled.
  const fresh = (await odoo.ordersByIds([id]).catch(() => undefined))?.get(id) ?? { ...order, state: 'cancel' as const };
  if (fresh.state !== 'cancel') {
    run.applied = false;
    await invalidateOrder(ctx.cache, fresh, []);
    throw codedError(ErrorCode.BACKEND_REJECTED, `odoo: order ${fresh.name} was not cancelled`, { system: 'odoo', field: 'id', reason: 'NOT_CANCELLED' });
  }
  return finish(fresh, ctx);
}

/**
 * After a cancellation of unknown outcome: the order, when it is cancelled now; `undefined` when
 * it is not and this call has not sent the cancellation itself; else OutcomeUnknownError (a
 * cancellation that just timed out may still be committing).
 */
export async function recoverCancelledOrder(id: number, ctx: OrdersContext, run: WriteRun): Promise<CancelledOrder | undefined> {
  const order = (await ctx.odoo.ordersByIds([id])).get(id);
  if (order?.state === 'cancel') return finish(order, ctx);
  if (!run.sent) return undefined;
  throw new OutcomeUnknownError({ backend: 'odoo', message: 'odoo did not confirm the cancellation: its outcome is unknown and it was not repeated' });
}
