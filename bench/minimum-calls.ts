/**
 * The minimum number of Odoo calls a workload could have cost (DESIGN.md, "Caching, precisely"):
 * a perfect cache with our TTLs and our batching. The records each completed view needed are
 * replayed in the order the views ran; a view whose records were all fetched within their TTL
 * costs nothing, otherwise it costs one call per model or list it needs fresh, and that call
 * fetches every record of that model or list the view lacked.
 */
import { lifetimeOf, type Lifetime } from '../platform/cache-lifetimes/index.js';
import type { WorldSkeleton } from '../sandbox/world/skeleton.js';
import type { RecordKind } from '../subgraphs/shared/cache/record-cache.js';
import { committedLifetimes } from '../subgraphs/shared/cache/committed-lifetimes.js';
import { ODOO_KINDS } from '../subgraphs/shared/connectors/odoo/record-kinds.js';
import type { ResponseSummary, ViewKind } from './summarize.js';

/**
 * The units one Odoo call fetches, as the subgraphs batch them (one call per unit and plan step),
 * with the record kind the subgraphs cache them as (its Odoo model, and the lifetime the
 * supergraph declares for it: `lifetimeOfUnit`). A partner's orders and a partner's invoices are each one list
 * read that brings the records with it (the canonical field set), so a fresh list means fresh
 * records; the customer's invoices, balances and each order's invoices all come from the one
 * invoice list. Products carry catalog fields (10 min) and quantities (5 s) in one record: a view
 * that shows availability needs them fetched within 5 s.
 */
export const UNITS = {
  partnerByRef: ODOO_KINDS.partnerByRef,
  ordersOfPartner: ODOO_KINDS.orderIdsByPartner,
  orderByName: ODOO_KINDS.orderByName,
  orderLine: ODOO_KINDS.orderLine,
  product: ODOO_KINDS.product,
  productStock: ODOO_KINDS.productStock,
  quantsByProduct: ODOO_KINDS.quantsByProduct,
  warehouses: ODOO_KINDS.warehouses,
  pickingsByOrder: ODOO_KINDS.pickingsByOrder,
  movesOfPartner: ODOO_KINDS.moveIdsByPartner,
} as const satisfies Record<string, RecordKind>;
export type Unit = keyof typeof UNITS;
const UNIT_ORDER = Object.keys(UNITS) as Unit[];

/** The Odoo model a unit's call reads (the kind's model without its `#field` or `@field` suffix). */
const modelOf = (unit: Unit) => UNITS[unit].model.split(/[#@]/)[0]!;

/** The lifetime the committed supergraph declares for a unit's records (the bench's systems run without overrides). */
export function lifetimeOfUnit(unit: Unit): Lifetime {
  return lifetimeOf(committedLifetimes(), UNITS[unit].lifetime)!;
}

/** The orders part of a view, when the response could not show it (see `OrdersFallback`). */
export interface OrdersOfCustomer {
  orderIds: number[];
  orderNumbers: string[];
  lineIds: number[];
  productIds: number[];
}

/** Orders of a customer read from the sandbox world, for views whose response lost them (first `n`, newest first). */
export type OrdersFallback = (accountId: string, first: number) => OrdersOfCustomer | undefined;

/** One completed view. */
export interface ViewRecord {
  /** Epoch ms when the query was sent. */
  start: number;
  view: ViewKind;
  accountId: string;
  summary: ResponseSummary;
  /** Sent during the warm-up: replayed (it fills the perfect cache) but its calls are not counted. */
  warmup?: boolean;
}

/** The records (unit -> keys) one view needed. */
export type Needs = Partial<Record<Unit, Array<string | number>>>;

const ORDERS_FIRST: Record<ViewKind, number> = { customer360: 50, crm: 5, partner: 10 };

/** The Odoo records a view needed, from its response and the world. */
export function needsOf(view: ViewRecord, world: WorldSkeleton, fallback?: OrdersFallback): Needs {
  const needs: Needs = { partnerByRef: [view.accountId] };
  const s = view.summary;
  const customer = world.byAccountId.get(view.accountId);
  if (view.view === 'customer360' && s.caseOrderNumbers.length > 0) needs.orderByName = s.caseOrderNumbers;
  if (!customer?.hasErpPartner) return needs;
  const pid = customer.odooPartnerId;
  let orders: OrdersOfCustomer = { orderIds: s.orderIds, orderNumbers: s.orderNumbers, lineIds: s.lineIds, productIds: s.productIds };
  // A response that lost its orders (null) still needed them: read what they were from the world.
  if (s.ordersNull && fallback) orders = fallback(view.accountId, ORDERS_FIRST[view.view]) ?? orders;
  needs.ordersOfPartner = [pid];
  if (view.view !== 'customer360') return needs;
  if (orders.lineIds.length > 0) needs.orderLine = orders.lineIds;
  if (orders.productIds.length > 0) {
    needs.product = orders.productIds;
    needs.productStock = orders.productIds;
    needs.quantsByProduct = orders.productIds;
    needs.warehouses = ['all'];
  }
  if (orders.orderIds.length > 0) needs.pickingsByOrder = orders.orderIds;
  needs.movesOfPartner = [pid];
  return needs;
}

/** The replay's answer. */
export interface MinimumCalls {
  calls: number;
  /** Calls by Odoo model (`sale.order`, ...), comparable with the sandbox's `<model>.search_read` counts. */
  byModel: Record<string, number>;
  views: number;
}

/** The replay's key of a unit's record: a product's stock is part of the product's one record. */
function recordKeyOf(unit: Unit, key: string | number): string {
  return `${unit === 'productStock' ? 'product' : unit}\u0000${key}`;
}

/** A unit's record evicted at `at` (epoch ms): the next view that needs it fetches it again. */
export interface UnitEviction {
  at: number;
  unit: Unit;
  key: string | number;
}

/** What the replay takes besides the views: other lifetimes than `UNITS`', and evictions (a change feed's). */
export interface MinimumOptions {
  /** How long a unit's records serve, in ms (default its TTL in `UNITS`). */
  lifetimeMs?: (unit: Unit) => number;
  evictions?: readonly UnitEviction[];
}

/** Replays the views in start order against a perfect cache with our TTLs (or the lifetimes and evictions given). */
export function minimumOdooCalls(views: readonly ViewRecord[], world: WorldSkeleton, fallback?: OrdersFallback, options: MinimumOptions = {}): MinimumCalls {
  const lifetimeMs = options.lifetimeMs ?? ((unit: Unit) => lifetimeOfUnit(unit).maxAge * 1000);
  const evictions = [...(options.evictions ?? [])].sort((a, b) => a.at - b.at);
  let evicted = 0;
  const fetchedAt = new Map<string, number>();
  const byModel: Record<string, number> = {};
  let calls = 0;
  const sorted = [...views].sort((a, b) => a.start - b.start);
  for (const view of sorted) {
    for (; evicted < evictions.length && evictions[evicted]!.at <= view.start; evicted++) {
      const { unit, key } = evictions[evicted]!;
      fetchedAt.delete(recordKeyOf(unit, key));
    }
    const needs = needsOf(view, world, fallback);
    // Products: one record, one call, whether the catalog or the quantities part is stale.
    const productCall = new Set<string | number>();
    // In UNITS order: a partner's order list comes before the orders cited by its cases.
    const entries = (Object.entries(needs) as Array<[Unit, Array<string | number>]>).sort(([a], [b]) => UNIT_ORDER.indexOf(a) - UNIT_ORDER.indexOf(b));
    for (const [unit, keys] of entries) {
      const model = modelOf(unit);
      const ttlMs = lifetimeMs(unit);
      const missing = keys.filter((key) => {
        const at = fetchedAt.get(recordKeyOf(unit, key));
        return at === undefined || view.start - at >= ttlMs;
      });
      if (missing.length === 0) continue;
      if (unit === 'product' || unit === 'productStock') {
        for (const key of missing) productCall.add(key);
        continue;
      }
      if (!view.warmup) {
        calls++;
        byModel[model] = (byModel[model] ?? 0) + 1;
      }
      for (const key of missing) fetchedAt.set(recordKeyOf(unit, key), view.start);
      // A partner's order list brings every order of the partner: those cited by cases too.
      if (unit === 'ordersOfPartner') {
        const customer = world.byAccountId.get(view.accountId);
        for (const order of customer?.orders ?? []) fetchedAt.set(recordKeyOf('orderByName', order.number), view.start);
      }
    }
    if (productCall.size > 0) {
      if (!view.warmup) {
        calls++;
        byModel['product.product'] = (byModel['product.product'] ?? 0) + 1;
      }
      for (const key of productCall) fetchedAt.set(recordKeyOf('product', key), view.start);
    }
  }
  return { calls, byModel, views: sorted.filter((v) => !v.warmup).length };
}
