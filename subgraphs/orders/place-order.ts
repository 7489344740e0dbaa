import type { RecordCache } from '../shared/cache/record-cache.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { many2oneId } from '../shared/connectors/odoo/connector.js';
import type { WriteRun } from '../shared/mutations/write-run.js';
import { invalidateRecords } from '../shared/cache/cached-loader.js';
import { ODOO_KINDS } from '../shared/connectors/odoo/record-kinds.js';
import type { OdooPartner, OdooSaleOrder } from '../shared/connectors/odoo/records.js';
import { isSalesforceId } from '../../platform/ids/salesforce-id.js';
import { BackendError } from '../../platform/errors/backend-error.js';
import { badInput, codedError, ErrorCode } from '../../platform/errors/graphql-errors.js';
import { OutcomeUnknownError } from '../shared/mutations/outcome.js';
import type { RowFilter } from '../shared/data-access/row-filter.js';
import type { WriteProgress, WriteProgressStore } from '../shared/mutations/write-progress.js';
import { refuseWriteWithoutStore } from '../shared/mutations/store-unavailable.js';
import { confirmIfDraft, isRejected, liveOrderByMarker, markStalled, readPlaced, recordStep, type PlacedOrderRecord } from './place-order-saga.js';

/** Most lines one order may carry. */
export const MAX_ORDER_LINES = 100;
/** Largest quantity of one line. */
export const MAX_LINE_QUANTITY = 100_000;
/**
 * Decimal places of an ordered quantity: Odoo's "Product Unit of Measure" precision (2 unless an
 * administrator changed it). A finer quantity would be rounded by Odoo, to 0 for 0.0001.
 */
export const QUANTITY_DIGITS = 2;
/** Longest client reference (Odoo `client_order_ref`). */
export const MAX_CLIENT_REFERENCE = 64;

const SKU = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;
// Printable characters only: a reference ends up on the customer's documents.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A validated placeOrder input (the idempotency key travels apart: it is not part of the input digest). */
export interface PlaceOrderCommand {
  customerId: string;
  lines: { sku: string; quantity: number }[];
  clientReference: string | null;
}

/**
 * Checks every field of a PlaceOrderInput before any backend call; throws BAD_USER_INPUT naming
 * the first field at fault (`input.lines[2].quantity`).
 */
export function parsePlaceOrderInput(input: unknown): PlaceOrderCommand {
  if (input === null || typeof input !== 'object') throw badInput('input', 'must be an object');
  const raw = input as Record<string, unknown>;
  if (!isSalesforceId(raw.customerId)) throw badInput('input.customerId', 'must be a Salesforce Account Id (15 or 18 characters)');
  if (!Array.isArray(raw.lines) || raw.lines.length === 0 || raw.lines.length > MAX_ORDER_LINES) {
    throw badInput('input.lines', `must hold 1 to ${MAX_ORDER_LINES} lines`);
  }
  const lines = raw.lines.map((line: unknown, i) => {
    const { sku, quantity } = (line ?? {}) as { sku?: unknown; quantity?: unknown };
    if (typeof sku !== 'string' || !SKU.test(sku)) throw badInput(`input.lines[${i}].sku`, 'must be 1 to 64 letters, digits, ".", "_", "/" or "-", starting with a letter or digit');
    if (typeof quantity !== 'number' || !Number.isFinite(quantity) || quantity <= 0 || quantity > MAX_LINE_QUANTITY) {
      throw badInput(`input.lines[${i}].quantity`, `must be a number greater than 0 and at most ${MAX_LINE_QUANTITY}`);
    }
    if (Number(quantity.toFixed(QUANTITY_DIGITS)) !== quantity) {
      throw badInput(`input.lines[${i}].quantity`, `must have at most ${QUANTITY_DIGITS} decimal places (the unit of measure's precision)`);
    }
    return { sku, quantity };
  });
  let clientReference: string | null = null;
  if (raw.clientReference !== undefined && raw.clientReference !== null) {
    if (typeof raw.clientReference !== 'string') throw badInput('input.clientReference', 'must be a string');
    const trimmed = raw.clientReference.trim();
    if (trimmed.length > MAX_CLIENT_REFERENCE) throw badInput('input.clientReference', `must be at most ${MAX_CLIENT_REFERENCE} characters`);
    if (CONTROL.test(trimmed)) throw badInput('input.clientReference', 'must not contain control characters');
    clientReference = trimmed.length > 0 ? trimmed : null;
  }
  return { customerId: raw.customerId, lines, clientReference };
}

/**
 * What a placed order leaves for the resolver and for replays of its key (JSON-safe: a shared
 * idempotency store keeps it): the order, its lines and the ordered products (their stock changed
 * with the reservation), enough to answer the mutation's selection without reading Odoo again.
 */
export interface PlacedOrder extends PlacedOrderRecord {
  /** The customer's ERP partner as read for this order (absent after a recovery). */
  partner?: OdooPartner;
}

/** What one placeOrder call works with. */
export interface PlaceOrderEnv {
  odoo: OdooConnector;
  cache: RecordCache;
  /** The request's row filter: the customer must be one the caller may see. */
  rows: RowFilter;
  /** Where the order's progress between its steps is kept for the reconciler (absent: not kept). */
  progress?: WriteProgressStore;
  /** How long this request holds the progress before the reconciler may take it over, in ms. */
  progressLeaseMs?: number;
}

/** Who and what a placeOrder's progress record names, for the reconciler's audit and the key it settles. */
export type PlaceOrderSagaMeta = Pick<WriteProgress, 'idempotency' | 'correlationId' | 'principal'>;

/** One placeOrder call's progress: the shared outcome facts, and which order (and ERP partner) it concerns. */
export interface PlaceOrderRun extends WriteRun {
  orderId?: number;
  partnerId?: number;
}

/**
 * The answer for a customer without an ERP partner, and (identical) for another reseller's
 * customer: NOT_FOUND, as cancelOrder and openCase answer an unknown target.
 */
export function unknownCustomer(field = 'input.customerId'): Error {
  return codedError(ErrorCode.NOT_FOUND, `${field}: no such customer`, { field });
}

/** Evicts what a placed (or cancelled) order changed from the shared record cache. */
export async function invalidateOrder(cache: RecordCache, order: OdooSaleOrder, productIds: readonly number[]): Promise<void> {
  const partnerId = many2oneId(order.partner_id);
  await Promise.all([
    invalidateRecords(cache, ODOO_KINDS.order, [order.id]),
    invalidateRecords(cache, ODOO_KINDS.orderByName, [order.name]),
    invalidateRecords(cache, ODOO_KINDS.orderLine, order.order_line),
    invalidateRecords(cache, ODOO_KINDS.pickingsByOrder, [order.id]),
    // A customer's order ids are cached through getMany, keyed by the partner id.
    partnerId !== null ? invalidateRecords(cache, ODOO_KINDS.orderIdsByPartner, [partnerId]) : undefined,
    // Confirming reserves stock and cancelling releases it.
    invalidateRecords(cache, ODOO_KINDS.productStock, productIds),
    invalidateRecords(cache, ODOO_KINDS.quantsByProduct, productIds),
  ]);
}



/**
 * Sends the order as a saga: checks the customer (crosswalk, ownership, sales block) and the
 * products, records its progress, creates the sale.order with its lines and `origin = marker`
 * (the idempotency reference when keyed, else a run marker), confirms it and reads it back. A
 * confirmation Odoo refuses deletes the draft again, so that a refused order leaves nothing
 * behind; any other failure between the steps hands the draft to the reconciler.
 */
export async function executePlaceOrder(cmd: PlaceOrderCommand, env: PlaceOrderEnv, marker: string, run: PlaceOrderRun, meta?: PlaceOrderSagaMeta): Promise<PlacedOrder> {
  const { odoo } = env;
  // Another reseller's customer is answered like an unknown one, before Odoo hears of it.
  if (!(await env.rows.canSee(cmd.customerId))) throw unknownCustomer();
  // Fresh reads, not the cache: a sales block set in Odoo a second ago must stop this order.
  const skus = [...new Set(cmd.lines.map((l) => l.sku))];
  const [partners, products] = await Promise.all([odoo.partnersByRefs([cmd.customerId]), odoo.productsBySkus(skus)]);
  const partner = partners.get(cmd.customerId);
  if (!partner) throw unknownCustomer();
  if (partner.sale_warn === 'block') {
    const hold = typeof partner.sale_warn_msg === 'string' && partner.sale_warn_msg.length > 0 ? partner.sale_warn_msg : 'the customer is on sales block';
    throw codedError(ErrorCode.BACKEND_REJECTED, `Sales block: ${hold}`, { system: 'odoo', field: 'input.customerId', reason: 'SALES_BLOCK' });
  }
  const lines = cmd.lines.map((line, i) => {
    const product = products.get(line.sku);
    if (!product) {
      throw codedError(ErrorCode.BACKEND_REJECTED, `input.lines[${i}].sku: unknown or archived product "${line.sku}"`, {
        system: 'odoo',
        field: `input.lines[${i}].sku`,
        sku: line.sku,
        reason: 'UNKNOWN_PRODUCT',
      });
    }
    return { productId: product.id, quantity: line.quantity };
  });
  const productIds = [...new Set(lines.map((l) => l.productId))];
  run.partnerId = partner.id;

  // The progress is durable before anything is sent: a store that cannot take it stops the write here.
  let progress: WriteProgress | undefined;
  if (env.progress) {
    const now = Date.now();
    progress = {
      id: marker,
      operation: 'placeOrder',
      step: 'started',
      status: 'running',
      leaseUntil: now + (env.progressLeaseMs ?? 15_000),
      ...(meta?.idempotency ? { idempotency: meta.idempotency } : {}),
      correlationId: meta?.correlationId ?? null,
      principal: meta?.principal ?? null,
      targetIds: [cmd.customerId],
      data: {},
      reconcileAttempts: 0,
      updatedAt: now,
    };
    await env.progress.put(progress).catch((err: unknown) => refuseWriteWithoutStore('write-progress', err));
  }
  const stall = async () => {
    if (env.progress && progress) await markStalled(env.progress, progress);
  };
  run.sent = true;
  let id: number;
  try {
    id = await odoo.createOrder({ partnerId: partner.id, lines, clientOrderRef: cmd.clientReference ?? undefined, origin: marker });
  } catch (err) {
    await stall();
    throw err;
  }
  run.orderId = id;
  run.applied = true;
  // Without this record the reconciler still finds the draft by its marker.
  if (env.progress && progress) progress = await recordStep(env.progress, progress, 'created', { orderId: id }).catch(() => progress);
  try {
    await odoo.confirmOrder(id);
  } catch (err) {
    if (isRejected(err)) {
      // Odoo refused the order itself: undo the draft so that the refusal is certain (and a retry starts clean).
      await odoo.unlinkDraftOrder(id).then(() => (run.undone = true), () => undefined);
    }
    if (run.undone) await env.progress?.remove(marker).catch(() => undefined);
    else await stall();
    throw err;
  }
  if (env.progress && progress) progress = await recordStep(env.progress, progress, 'confirmed').catch(() => progress);
  // The order is confirmed; its number and totals are Odoo's to compute, so it is read back. Should
  // that read fail, the progress stays for the reconciler, which reads it and settles the key.
  const placed = await readPlaced(odoo, id).catch(async (err) => {
    await stall();
    throw err;
  });
  if (!placed) throw new BackendError({ backend: 'odoo', code: 'INTERNAL', message: `odoo: sale.order ${id} vanished after it was written`, retryable: false });
  await env.progress?.remove(marker).catch(() => undefined);
  await invalidateOrder(env.cache, placed.order, productIds);
  return { ...placed, productIds, partner };
}

/**
 * Looks a keyed order up by its reference after an attempt of unknown outcome, and finishes it
 * (confirms a draft whose confirmation never went out). Not found: `undefined` when this call has
 * not sent the create itself (the earlier attempt did not commit, so sending is safe), else
 * OutcomeUnknownError, because a create that just timed out may still be committing and must not
 * be sent twice.
 */
export async function recoverPlacedOrder(env: PlaceOrderEnv, ref: string, run: PlaceOrderRun): Promise<PlacedOrder | undefined> {
  const { odoo } = env;
  const found = await liveOrderByMarker(odoo, ref);
  if (!found) {
    if (!run.sent) return undefined;
    throw new OutcomeUnknownError({ backend: 'odoo', message: 'odoo did not confirm the order and it is not visible yet: its outcome is unknown and it was not repeated' });
  }
  const order = await confirmIfDraft(odoo, found);
  if (order.state === 'draft' || order.state === 'sent') {
    throw codedError(ErrorCode.BACKEND_REJECTED, `odoo: order ${order.name} was created but could not be confirmed`, { system: 'odoo', reason: 'NOT_CONFIRMED' });
  }
  const placed = await readPlaced(odoo, order.id);
  if (!placed) throw new BackendError({ backend: 'odoo', code: 'INTERNAL', message: `odoo: sale.order ${order.id} vanished after it was written`, retryable: false });
  await invalidateOrder(env.cache, placed.order, placed.productIds);
  return placed;
}
