import { WORLD_NOW } from '../world/skeleton.js';
import { missingError, userError } from './errors.js';
import type { Context, MethodSpec, OdooRecord, Orm } from './types.js';

/**
 * Business behaviour beyond CRUD: name sequences on create, the sales order workflow
 * (`action_confirm` creates the delivery and reserves stock, `action_cancel` releases it) and
 * Odoo's refusal to delete confirmed orders.
 */

/** `YYYY-MM-DD HH:MM:SS` in UTC, Odoo's datetime wire format. */
export function formatDatetime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

const pad5 = (n: number) => String(n).padStart(5, '0');
const NOW = formatDatetime(WORLD_NOW);

/** The outgoing picking type of a warehouse. */
function outgoingType(orm: Orm, warehouseId: number): OdooRecord | undefined {
  for (const t of orm.table('stock.picking.type').rows.values()) if (t.warehouse_id === warehouseId && t.code === 'outgoing') return t;
  return undefined;
}

/** Name of a new picking from its operation type (`WH/OUT/00042`). */
export function pickingName(orm: Orm, typeId: number): string {
  const type = orm.row('stock.picking.type', typeId);
  const wh = type && typeof type.warehouse_id === 'number' ? orm.row('stock.warehouse', type.warehouse_id) : undefined;
  const prefix = `${String(wh?.code ?? 'WH')}/${String(type?.sequence_code ?? 'OUT')}`;
  return `${prefix}/${pad5(orm.nextSequence(`picking.${prefix}`))}`;
}

/** Fills the values Odoo computes on create (names from sequences, line prices from products). */
export function beforeCreate(orm: Orm, model: string, vals: Record<string, unknown>, _ctx: Context): void {
  switch (model) {
    case 'sale.order': {
      if (vals.name === undefined || vals.name === false || vals.name === 'New' || vals.name === '/') vals.name = `S${pad5(orm.nextSequence('sale.order'))}`;
      if (vals.date_order === undefined) vals.date_order = NOW;
      const partner = typeof vals.partner_id === 'number' ? orm.row('res.partner', vals.partner_id) : undefined;
      if (partner) {
        if (vals.partner_invoice_id === undefined) vals.partner_invoice_id = partner.id;
        if (vals.partner_shipping_id === undefined) vals.partner_shipping_id = partner.id;
        if (vals.payment_term_id === undefined && typeof partner.property_payment_term_id === 'number') vals.payment_term_id = partner.property_payment_term_id;
      }
      return;
    }
    case 'sale.order.line': {
      const product = typeof vals.product_id === 'number' ? orm.row('product.product', vals.product_id) : undefined;
      if (product) {
        if (vals.name === undefined || vals.name === false) vals.name = product.default_code ? `[${String(product.default_code)}] ${String(product.name)}` : String(product.name);
        if (vals.price_unit === undefined) vals.price_unit = product.list_price;
      }
      return;
    }
    case 'stock.picking': {
      if ((vals.name === undefined || vals.name === '/') && typeof vals.picking_type_id === 'number') {
        vals.name = pickingName(orm, vals.picking_type_id);
        const type = orm.row('stock.picking.type', vals.picking_type_id);
        if (type && vals.picking_type_code === undefined) vals.picking_type_code = type.code;
      }
      return;
    }
    case 'product.product': {
      if (vals.product_tmpl_id === undefined && typeof vals.name === 'string') {
        vals.product_tmpl_id = orm.createOne('product.template', { name: vals.name, default_code: vals.default_code ?? false, list_price: vals.list_price ?? 1, type: vals.type ?? 'consu' });
      }
      return;
    }
    case 'account.move': {
      if (vals.state === 'posted' && (vals.name === undefined || vals.name === '/')) {
        const year = String(vals.invoice_date ?? NOW).slice(0, 4);
        const prefix = vals.move_type === 'out_refund' ? 'RINV' : 'INV';
        vals.name = `${prefix}/${year}/${pad5(orm.nextSequence(`move.${prefix}.${year}`))}`;
      }
      return;
    }
    default:
      return;
  }
}

/** Refuses what Odoo refuses to delete. */
export function beforeUnlink(orm: Orm, model: string, ids: number[]): void {
  if (model === 'sale.order') {
    for (const id of ids) {
      const state = orm.row(model, id)?.state;
      if (state !== 'draft' && state !== 'cancel') {
        throw userError('You can not delete a sent quotation or a confirmed sales order. You must first cancel it.');
      }
    }
  }
}

function existing(orm: Orm, model: string, ids: number[]): OdooRecord[] {
  const missing = ids.filter((id) => !orm.row(model, id));
  if (missing.length) throw missingError(missing, orm.uid);
  return ids.map((id) => orm.row(model, id)!);
}

/** The free quantity of a product's quant at a location, creating the quant when absent. */
function quantAt(orm: Orm, productId: number, locationId: number): OdooRecord {
  for (const id of orm.idsBy('stock.quant', 'product_id', productId)) {
    const q = orm.row('stock.quant', id);
    if (q && q.location_id === locationId) return q;
  }
  const id = orm.createOne('stock.quant', { product_id: productId, location_id: locationId, quantity: 0, reserved_quantity: 0 });
  return orm.row('stock.quant', id)!;
}

/** Creates the outgoing picking of a confirmed order and reserves what stock allows. */
function createDelivery(orm: Orm, order: OdooRecord): void {
  const warehouseId = typeof order.warehouse_id === 'number' ? order.warehouse_id : 1;
  const warehouse = orm.row('stock.warehouse', warehouseId);
  const type = outgoingType(orm, warehouseId);
  if (!warehouse || !type) return;
  const lines = [...orm.idsBy('sale.order.line', 'order_id', order.id)].sort((a, b) => a - b).map((id) => orm.row('sale.order.line', id)!);
  const goods = lines.filter((l) => {
    const p = typeof l.product_id === 'number' ? orm.row('product.product', l.product_id) : undefined;
    return p && (p.type === 'product' || p.type === 'consu') && Number(l.product_uom_qty) > 0;
  });
  if (!goods.length) return;
  const stockLoc = warehouse.lot_stock_id as number;
  const customerLoc = type.default_location_dest_id as number;
  const pickingId = orm.createOne('stock.picking', {
    picking_type_id: type.id,
    picking_type_code: 'outgoing',
    origin: order.name,
    sale_id: order.id,
    partner_id: typeof order.partner_shipping_id === 'number' ? order.partner_shipping_id : order.partner_id,
    location_id: stockLoc,
    location_dest_id: customerLoc,
    scheduled_date: typeof order.commitment_date === 'string' ? order.commitment_date : NOW,
    state: 'confirmed',
  });
  const picking = orm.row('stock.picking', pickingId)!;
  let anyReserved = false;
  for (const line of goods) {
    const product = orm.row('product.product', line.product_id as number)!;
    const demand = Number(line.product_uom_qty);
    let reserved = demand;
    if (product.type === 'product') {
      const quant = quantAt(orm, product.id, stockLoc);
      const free = Math.max(0, Number(quant.quantity) - Number(quant.reserved_quantity));
      reserved = Math.min(free, demand);
      if (reserved > 0) orm.setRaw('stock.quant', quant.id, 'reserved_quantity', Number(quant.reserved_quantity) + reserved);
    }
    if (reserved > 0) anyReserved = true;
    orm.createOne('stock.move', {
      name: String(line.name),
      reference: picking.name,
      origin: order.name,
      picking_id: pickingId,
      product_id: product.id,
      product_uom_qty: demand,
      quantity: reserved,
      location_id: stockLoc,
      location_dest_id: customerLoc,
      state: reserved >= demand ? 'assigned' : reserved > 0 ? 'partially_available' : 'confirmed',
      sale_line_id: line.id,
      date: NOW,
    });
  }
  orm.setRaw('stock.picking', pickingId, 'state', anyReserved ? 'assigned' : 'confirmed');
}

/** Cancels the open moves of a picking and releases their reservations. */
function cancelPicking(orm: Orm, picking: OdooRecord): void {
  for (const moveId of orm.idsBy('stock.move', 'picking_id', picking.id)) {
    const move = orm.row('stock.move', moveId)!;
    if (move.state === 'done' || move.state === 'cancel') continue;
    const product = orm.row('product.product', move.product_id as number);
    const reserved = Number(move.quantity);
    if (product?.type === 'product' && reserved > 0) {
      const quant = quantAt(orm, product.id, move.location_id as number);
      orm.setRaw('stock.quant', quant.id, 'reserved_quantity', Math.max(0, Number(quant.reserved_quantity) - reserved));
    }
    orm.setRaw('stock.move', moveId, 'quantity', 0);
    orm.setRaw('stock.move', moveId, 'state', 'cancel');
  }
  orm.setRaw('stock.picking', picking.id, 'state', 'cancel');
}

/** Model-specific public methods. */
export const MODEL_METHODS: Record<string, Record<string, MethodSpec>> = {
  'sale.order': {
    action_confirm: {
      multi: true,
      params: [],
      run: (orm, model, ids) => {
        const orders = existing(orm, model, ids);
        if (orders.some((o) => o.state !== 'draft' && o.state !== 'sent')) throw userError('Some orders are not in a state requiring confirmation.');
        for (const order of orders) {
          const lines = [...orm.idsBy('sale.order.line', 'order_id', order.id)].map((id) => orm.row('sale.order.line', id)!);
          if (lines.some((l) => !l.display_type && l.product_id === false)) throw userError('A line on these orders missing a product, you cannot confirm it.');
        }
        for (const order of orders) {
          orm.setRaw(model, order.id, 'state', 'sale');
          orm.setRaw(model, order.id, 'date_order', NOW);
          createDelivery(orm, order);
        }
        return true;
      },
    },
    action_cancel: {
      multi: true,
      params: [],
      run: (orm, model, ids) => {
        const orders = existing(orm, model, ids);
        if (orders.some((o) => o.locked === true)) throw userError('You cannot cancel a locked order. Please unlock it first.');
        for (const order of orders) {
          for (const pid of [...orm.idsBy('stock.picking', 'sale_id', order.id)]) {
            const picking = orm.row('stock.picking', pid)!;
            if (picking.state !== 'done' && picking.state !== 'cancel') cancelPicking(orm, picking);
          }
          for (const mid of [...orm.idsBy('account.move', 'invoice_origin', order.name)]) {
            if (orm.row('account.move', mid)?.state === 'draft') orm.setRaw('account.move', mid, 'state', 'cancel');
          }
          orm.setRaw(model, order.id, 'state', 'cancel');
        }
        return true;
      },
    },
    action_draft: {
      multi: true,
      params: [],
      run: (orm, model, ids) => {
        const orders = existing(orm, model, ids);
        for (const order of orders) if (order.state === 'cancel' || order.state === 'sent') orm.setRaw(model, order.id, 'state', 'draft');
        return true;
      },
    },
  },
};
