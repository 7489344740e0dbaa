import { many2oneId } from '../shared/connectors/odoo/connector.js';
import type { OdooPicking, OdooProduct, OdooQuant, OdooWarehouse } from '../shared/connectors/odoo/records.js';
import { many2oneName, orNull, toIsoDateTime, toMoney, type MoneyValue } from '../shared/connectors/odoo/values.js';

/** Pure mappings from Odoo product, stock and picking records to the stock schema. */

export type ShipmentStatus = 'DRAFT' | 'WAITING' | 'CONFIRMED' | 'READY' | 'DONE' | 'CANCELLED';

/** A Product as resolvers hand it to GraphQL. */
export interface ProductModel {
  id: string;
  sku: string | null;
  name: string;
  listPrice: MoneyValue;
  cost: MoneyValue;
  /** product.product id, for availability. */
  productId: number;
}

/** Quantities over all warehouses; `byWarehouse` is resolved separately (it costs its own calls). */
export interface AvailabilityModel {
  onHand: number;
  free: number;
  reserved: number;
  forecast: number;
  productId: number;
}

/** Stock of one product in one warehouse. */
export interface WarehouseStockModel {
  warehouse: { id: string; code: string; name: string };
  onHand: number;
  free: number;
  reserved: number;
}

/** A Shipment of the schema. */
export interface ShipmentModel {
  id: string;
  number: string;
  status: ShipmentStatus;
  scheduledAt: string | null;
  shippedAt: string | null;
  carrier: string | null;
  trackingReference: string | null;
}

/** Quantities are floats in Odoo; round away float noise (3 decimals is Odoo's default UoM precision). */
function qty(value: number): number {
  return Math.round((Number.isFinite(value) ? value : 0) * 1000) / 1000;
}

/** Maps a product.product. */
export function mapProduct(product: OdooProduct): ProductModel {
  return {
    id: String(product.id),
    sku: orNull(product.default_code),
    name: orNull(product.name) ?? orNull(product.display_name) ?? '',
    listPrice: toMoney(product.lst_price ?? product.list_price, product.currency_id),
    cost: toMoney(product.standard_price, product.currency_id),
    productId: product.id,
  };
}

/** Availability from the product's computed quantities (all warehouses). */
export function mapAvailability(product: OdooProduct): AvailabilityModel {
  return {
    onHand: qty(product.qty_available),
    free: qty(product.free_qty),
    reserved: qty(Math.max(0, product.qty_available - product.free_qty)),
    forecast: qty(product.virtual_available),
    productId: product.id,
  };
}

/** Per-warehouse stock: every warehouse, with zeros where the product has no quant. */
export function mapWarehouseStock(quants: readonly OdooQuant[], warehouses: readonly OdooWarehouse[]): WarehouseStockModel[] {
  const sums = new Map<number, { onHand: number; reserved: number }>();
  for (const q of quants) {
    const wh = many2oneId(q.warehouse_id);
    if (wh === null) continue;
    const sum = sums.get(wh) ?? { onHand: 0, reserved: 0 };
    sum.onHand += q.quantity;
    sum.reserved += q.reserved_quantity;
    sums.set(wh, sum);
  }
  return warehouses.map((w) => {
    const sum = sums.get(w.id) ?? { onHand: 0, reserved: 0 };
    return {
      warehouse: { id: String(w.id), code: w.code, name: w.name },
      onHand: qty(sum.onHand),
      reserved: qty(sum.reserved),
      free: qty(Math.max(0, sum.onHand - sum.reserved)),
    };
  });
}

/** stock.picking.state to ShipmentStatus. */
export function shipmentStatus(state: string): ShipmentStatus {
  switch (state) {
    case 'draft':
      return 'DRAFT';
    case 'waiting':
      return 'WAITING';
    case 'confirmed':
      return 'CONFIRMED';
    case 'assigned':
      return 'READY';
    case 'done':
      return 'DONE';
    case 'cancel':
      return 'CANCELLED';
    default:
      throw new TypeError(`unknown stock.picking state "${state}"`);
  }
}

/** Maps a stock.picking. */
export function mapShipment(picking: OdooPicking): ShipmentModel {
  return {
    id: String(picking.id),
    number: picking.name,
    status: shipmentStatus(picking.state),
    scheduledAt: toIsoDateTime(picking.scheduled_date),
    shippedAt: toIsoDateTime(picking.date_done),
    carrier: many2oneName(picking.carrier_id),
    trackingReference: orNull(picking.carrier_tracking_ref),
  };
}
