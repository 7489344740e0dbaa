/**
 * placeOrder as a small saga over Odoo: `create` (a draft sale.order marked with our `origin`),
 * then `confirm` (action_confirm); the compensation of `create` cancels the draft. Its progress is
 * kept in the write-progress store beside the idempotency key, and the reconciler ends any order
 * left as a draft: it confirms it (the write the client asked for), or cancels it when Odoo
 * refuses the confirmation; a draft carrying our marker whose progress was lost is cancelled.
 */
import type { RecordCache } from '../shared/cache/record-cache.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { domainFor } from '../shared/connectors/odoo/domain.js';
import { ORDER_FIELDS, type OdooOrderLine, type OdooSaleOrder } from '../shared/connectors/odoo/records.js';
import { isBackendError } from '../../platform/errors/backend-error.js';
import type { OrphanWrite, SagaDefinition, SagaEnd } from '../shared/mutations/reconciler.js';
import type { WriteProgress, WriteProgressStore } from '../shared/mutations/write-progress.js';

/** The steps of placeOrder, in order, and what undoes each. */
export const PLACE_ORDER_STEPS = [
  { step: 'created', does: 'sale.order.create (draft, origin = marker)', compensation: 'sale.order.action_cancel of the draft' },
  { step: 'confirmed', does: 'sale.order.action_confirm', compensation: null },
] as const;

/** The marker prefixes our orders carry in `origin`: keyed writes (idempotency reference) and unkeyed ones. */
export const ORDER_MARKER_PREFIXES = ['c360-idem:', 'c360-run:'] as const;

/** What a placed order leaves for the resolver and for replays (JSON-safe: a shared store keeps it). */
export interface PlacedOrderRecord {
  order: OdooSaleOrder;
  lines: OdooOrderLine[];
  productIds: number[];
}

/** Odoo refused the call (a business rule), as opposed to failing to answer. */
export const isRejected = (err: unknown) => isBackendError(err) && err.code === 'REJECTED';

/**
 * Confirms an order still in draft and answers it as it stands after: confirmed, or as Odoo holds
 * it when Odoo refused (a concurrent confirmation may have won the race; a draft left means Odoo
 * refuses this order).
 */
export async function confirmIfDraft(odoo: OdooConnector, order: OdooSaleOrder): Promise<OdooSaleOrder> {
  if (order.state !== 'draft' && order.state !== 'sent') return order;
  try {
    await odoo.confirmOrder(order.id);
    return { ...order, state: 'sale' };
  } catch (err) {
    if (!isRejected(err)) throw err;
  }
  return (await odoo.ordersByIds([order.id])).get(order.id) ?? order;
}

/** Orders by marker that are not cancelled: a cancelled one was compensated and does not count. */
export async function liveOrderByMarker(odoo: OdooConnector, marker: string): Promise<OdooSaleOrder | undefined> {
  const domain = domainFor('sale.order').where('origin', '=', marker).where('state', '!=', 'cancel').build();
  const rows = await odoo.call<OdooSaleOrder[]>('sale.order', 'search_read', [], { domain, fields: [...ORDER_FIELDS], order: 'id asc', limit: 1 });
  return rows[0];
}

/** The order and its lines, read after a write. */
export async function readPlaced(odoo: OdooConnector, id: number): Promise<PlacedOrderRecord | undefined> {
  const order = (await odoo.ordersByIds([id])).get(id);
  if (!order) return undefined;
  const lines = [...(await odoo.orderLinesByIds(order.order_line)).values()];
  const productIds = [...new Set(lines.flatMap((l) => (Array.isArray(l.product_id) ? [l.product_id[0]] : [])))];
  return { order, lines, productIds };
}

/** Records one step of a placeOrder in the progress store (a failure here stops the write before its next step). */
export async function recordStep(store: WriteProgressStore, progress: WriteProgress, step: string, data: Record<string, unknown> = {}): Promise<WriteProgress> {
  const next = { ...progress, step, data: { ...progress.data, ...data }, updatedAt: Date.now() };
  await store.put(next);
  return next;
}

/** After a request failed between steps: hands the write to the reconciler now (its lease ends at once). */
export async function markStalled(store: WriteProgressStore, progress: WriteProgress): Promise<void> {
  await store.put({ ...progress, status: 'stalled', leaseUntil: Date.now(), updatedAt: Date.now() }).catch(() => undefined);
}

/** What the placeOrder saga needs to end orders without a client. */
export interface PlaceOrderSagaDeps {
  odoo: OdooConnector;
  cache: RecordCache;
  /** Evicts what an order's confirmation or cancellation changed. */
  invalidate(order: OdooSaleOrder, productIds: number[]): Promise<void>;
}

/** The saga definition the reconciler runs for placeOrder. */
export function placeOrderSaga(deps: PlaceOrderSagaDeps): SagaDefinition {
  const { odoo } = deps;
  const cancel = async (order: OdooSaleOrder): Promise<SagaEnd> => {
    await odoo.cancelOrder(order.id);
    await deps.invalidate(order, []);
    return { outcome: 'compensated', backendRecordId: String(order.id) };
  };
  return {
    operation: 'placeOrder',
    ownerSystem: 'odoo',
    async resume(progress) {
      const orderId = typeof progress.data.orderId === 'number' ? progress.data.orderId : undefined;
      // Before `created` was recorded the create may still have landed: the marker tells.
      const found = orderId !== undefined ? (await odoo.ordersByIds([orderId])).get(orderId) : await liveOrderByMarker(odoo, progress.id);
      if (!found || found.state === 'cancel') return { outcome: 'compensated', backendRecordId: found ? String(found.id) : null };
      const order = await confirmIfDraft(odoo, found);
      if (order.state === 'draft' || order.state === 'sent') return cancel(order);
      const placed = await readPlaced(odoo, order.id);
      if (!placed) return { outcome: 'compensated', backendRecordId: String(order.id) };
      await deps.invalidate(placed.order, placed.productIds);
      return { outcome: 'completed', value: placed, backendRecordId: String(order.id) };
    },
    async findUnfinished(): Promise<OrphanWrite[]> {
      // One search for both markers ('c360-' starts each), then the exact prefixes.
      const domain = domainFor('sale.order').where('origin', '=like', 'c360-%').where('state', 'in', ['draft', 'sent']).build();
      const drafts = await odoo.call<OdooSaleOrder[]>('sale.order', 'search_read', [], { domain, fields: [...ORDER_FIELDS], limit: 200 });
      return drafts
        .filter((d): d is OdooSaleOrder & { origin: string } => typeof d.origin === 'string' && ORDER_MARKER_PREFIXES.some((p) => String(d.origin).startsWith(p)))
        .map((draft) => ({ id: draft.origin, backendRecordId: String(draft.id), compensate: async () => void (await cancel(draft)) }));
    },
  };
}
