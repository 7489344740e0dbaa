import { WORLD_NOW } from '../world/skeleton.js';
import { AUTOMATION_MODELS } from './automation-models.js';
import type { ComputeEnv, FieldDef, ModelDef, OdooRecord } from './types.js';

/**
 * The models the sandbox serves (Odoo 17 with sale_stock and account): fields as `fields_get`
 * reports them, and how the non-stored computed fields are derived.
 */

type Opts = Partial<Omit<FieldDef, 'type' | 'string'>>;
const f = (type: FieldDef['type']) => (string: string, o: Opts = {}): FieldDef => ({ type, string, ...o });
const char = f('char');
const text = f('text');
const int = f('integer');
const float = f('float');
const money = f('monetary');
const bool = f('boolean');
const date = f('date');
const datetime = f('datetime');
const m2o = (relation: string, string: string, o: Opts = {}): FieldDef => ({ type: 'many2one', string, relation, ...o });
const o2m = (relation: string, inverse: string, string: string, o: Opts = {}): FieldDef => ({
  type: 'one2many',
  string,
  relation,
  inverse,
  readonly: o.compute ? true : o.readonly,
  ...o,
});
const m2m = (relation: string, string: string, o: Opts = {}): FieldDef => ({ type: 'many2many', string, relation, ...o });
const sel = (string: string, selection: Array<[string, string]>, o: Opts = {}): FieldDef => ({ type: 'selection', string, selection, ...o });
const computed = (def: FieldDef, compute: FieldDef['compute']): FieldDef => ({ ...def, compute, readonly: true });

/** Tax rate applied to every order line (a single 20% VAT keeps amounts checkable). */
export const TAX_RATE = 0.2;
/** The date the world considers "today" (for overdue computations). */
export const WORLD_TODAY = WORLD_NOW.toISOString().slice(0, 10);

/** Rounds to cents the way Odoo's currency rounding does (half away from zero). */
export function round2(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value) * 100 + 1e-9) / 100;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const sortedIds = (ids: Iterable<number>): number[] => [...ids].sort((a, b) => a - b);

/** Line amounts from quantity, unit price and discount. */
export function lineAmounts(rec: OdooRecord): { subtotal: number; tax: number; total: number } {
  const subtotal = round2(num(rec.product_uom_qty) * num(rec.price_unit) * (1 - num(rec.discount) / 100));
  const tax = round2(subtotal * TAX_RATE);
  return { subtotal, tax, total: round2(subtotal + tax) };
}

function orderLines(env: ComputeEnv, order: OdooRecord): OdooRecord[] {
  const out: OdooRecord[] = [];
  for (const id of env.idsBy('sale.order.line', 'order_id', order.id)) {
    const line = env.row('sale.order.line', id);
    if (line) out.push(line);
  }
  return out;
}

function orderAmounts(env: ComputeEnv, order: OdooRecord): { untaxed: number; tax: number; total: number } {
  let untaxed = 0;
  let tax = 0;
  for (const line of orderLines(env, order)) {
    const a = lineAmounts(line);
    untaxed += a.subtotal;
    tax += a.tax;
  }
  return { untaxed: round2(untaxed), tax: round2(tax), total: round2(untaxed + tax) };
}

function orderPickings(env: ComputeEnv, order: OdooRecord): OdooRecord[] {
  const out: OdooRecord[] = [];
  for (const id of env.idsBy('stock.picking', 'sale_id', order.id)) {
    const p = env.row('stock.picking', id);
    if (p) out.push(p);
  }
  return out;
}

/** sale_stock's `_compute_delivery_status`. */
function deliveryStatus(env: ComputeEnv, order: OdooRecord): string | false {
  const pickings = orderPickings(env, order);
  if (pickings.length === 0 || pickings.every((p) => p.state === 'cancel')) return false;
  if (pickings.every((p) => p.state === 'done' || p.state === 'cancel')) return 'full';
  const anyDone = pickings.some((p) => p.state === 'done');
  if (anyDone && orderLines(env, order).some((l) => num(l.qty_delivered) > 0)) return 'partial';
  if (anyDone) return 'started';
  return 'pending';
}

function invoiceStatus(env: ComputeEnv, order: OdooRecord): string {
  if (order.state !== 'sale') return 'no';
  const lines = orderLines(env, order);
  if (lines.length === 0) return 'no';
  if (lines.every((l) => num(l.qty_invoiced) >= num(l.product_uom_qty))) return 'invoiced';
  return 'to invoice';
}

/** Internal stock locations selected by the `location` / `warehouse` context keys (all internal ones when neither is set). */
export function contextLocations(env: ComputeEnv, all: Iterable<OdooRecord>, warehouses: Iterable<OdooRecord>): Set<number> {
  const ctx = env.context;
  const internal = [...all].filter((l) => l.usage === 'internal');
  const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  const location = ctx.location ?? ctx.location_id;
  const warehouse = ctx.warehouse ?? ctx.warehouse_id;
  if (location !== undefined && location !== false && location !== null && location !== '') {
    const roots = new Set<number>();
    for (const item of asList(location)) {
      if (typeof item === 'number') roots.add(item);
      else if (typeof item === 'string') {
        const needle = item.toLowerCase();
        for (const l of all) if (String(l.complete_name ?? '').toLowerCase().includes(needle)) roots.add(l.id);
      }
    }
    const byId = new Map([...all].map((l) => [l.id, l]));
    const under = (loc: OdooRecord): boolean => {
      for (let cur: OdooRecord | undefined = loc, depth = 0; cur && depth < 32; depth++) {
        if (roots.has(cur.id)) return true;
        cur = typeof cur.location_id === 'number' ? byId.get(cur.location_id) : undefined;
      }
      return false;
    };
    return new Set(internal.filter(under).map((l) => l.id));
  }
  if (warehouse !== undefined && warehouse !== false && warehouse !== null && warehouse !== '') {
    const ids = new Set<number>();
    for (const item of asList(warehouse)) {
      if (typeof item === 'number') ids.add(item);
      else if (typeof item === 'string') {
        const needle = item.toLowerCase();
        for (const w of warehouses) {
          if (String(w.name).toLowerCase().includes(needle) || String(w.code).toLowerCase() === needle) ids.add(w.id);
        }
      }
    }
    return new Set(internal.filter((l) => typeof l.warehouse_id === 'number' && ids.has(l.warehouse_id)).map((l) => l.id));
  }
  return new Set(internal.map((l) => l.id));
}

const OPEN_MOVE_STATES = new Set(['waiting', 'confirmed', 'partially_available', 'assigned']);

/** Quantities of one product within the context's locations. */
function productQuantities(env: ComputeEnv, product: OdooRecord) {
  const scope = contextLocations(env, env.rows('stock.location'), env.rows('stock.warehouse'));
  let onHand = 0;
  let reserved = 0;
  for (const id of env.idsBy('stock.quant', 'product_id', product.id)) {
    const q = env.row('stock.quant', id);
    if (!q || !scope.has(q.location_id as number)) continue;
    onHand += num(q.quantity);
    reserved += num(q.reserved_quantity);
  }
  let incoming = 0;
  let outgoing = 0;
  for (const id of env.idsBy('stock.move', 'product_id', product.id)) {
    const m = env.row('stock.move', id);
    if (!m || !OPEN_MOVE_STATES.has(m.state as string)) continue;
    const from = scope.has(m.location_id as number);
    const to = scope.has(m.location_dest_id as number);
    if (from && !to) outgoing += num(m.product_uom_qty);
    if (to && !from) incoming += num(m.product_uom_qty);
  }
  return { onHand, reserved, free: onHand - reserved, incoming, outgoing, forecast: onHand + incoming - outgoing };
}

const qty = (pick: (q: ReturnType<typeof productQuantities>) => number) => (env: ComputeEnv, rec: OdooRecord) => pick(productQuantities(env, rec));

/** Receivable of a partner (and its contacts): posted customer invoices minus credit notes, unpaid part. */
function partnerReceivable(env: ComputeEnv, partner: OdooRecord, overdueOnly: boolean): number {
  const ids = [partner.id, ...env.idsBy('res.partner', 'parent_id', partner.id)];
  let total = 0;
  for (const pid of ids) {
    for (const mid of env.idsBy('account.move', 'partner_id', pid)) {
      const m = env.row('account.move', mid);
      if (m?.state !== 'posted') continue;
      if (overdueOnly && !(typeof m.invoice_date_due === 'string' && m.invoice_date_due < WORLD_TODAY)) continue;
      if (m.move_type === 'out_invoice') total += num(m.amount_residual);
      else if (m.move_type === 'out_refund') total -= num(m.amount_residual);
    }
  }
  return round2(total);
}

const partnerDisplayName = (env: ComputeEnv, rec: OdooRecord): string => {
  const parent = typeof rec.parent_id === 'number' ? env.row('res.partner', rec.parent_id) : undefined;
  const own = rec.name === false || rec.name === undefined ? '' : String(rec.name);
  return parent?.is_company ? `${String(parent.name)}, ${own}` : own;
};

const company = m2o('res.company', 'Company', { default: () => 1 });
const currency = m2o('res.currency', 'Currency', { default: () => 1 });

const MODELS: ModelDef[] = [
  {
    name: 'res.partner',
    description: 'Contact',
    order: 'complete_name ASC, id DESC',
    recName: 'name',
    parentField: 'parent_id',
    indexed: ['ref', 'parent_id', 'name', 'email', 'vat'],
    nameSearchFields: ['email', 'ref', 'vat'],
    displayName: partnerDisplayName,
    fields: {
      name: char('Name', { required: true }),
      complete_name: computed(char('Complete Name'), partnerDisplayName),
      display_name: computed(char('Display Name'), partnerDisplayName),
      ref: char('Reference'),
      vat: char('Tax ID'),
      email: char('Email'),
      phone: char('Phone'),
      mobile: char('Mobile'),
      website: char('Website Link'),
      is_company: bool('Is a Company', { default: () => false }),
      company_type: computed(sel('Company Type', [['person', 'Individual'], ['company', 'Company']]), (_e, r) => (r.is_company ? 'company' : 'person')),
      type: sel('Address Type', [['contact', 'Contact'], ['invoice', 'Invoice Address'], ['delivery', 'Delivery Address'], ['other', 'Other Address']], { default: () => 'contact' }),
      parent_id: m2o('res.partner', 'Related Company'),
      child_ids: o2m('res.partner', 'parent_id', 'Contact'),
      commercial_partner_id: computed(m2o('res.partner', 'Commercial Entity'), (env, r) => {
        let cur = r;
        for (let depth = 0; depth < 16 && typeof cur.parent_id === 'number' && !cur.is_company; depth++) {
          const parent = env.row('res.partner', cur.parent_id);
          if (!parent) break;
          cur = parent;
        }
        return cur.id;
      }),
      street: char('Street'),
      street2: char('Street2'),
      city: char('City'),
      zip: char('Zip'),
      state_id: m2o('res.country.state', 'State'),
      country_id: m2o('res.country', 'Country'),
      active: bool('Active', { default: () => true }),
      customer_rank: int('Customer Rank', { default: () => 0 }),
      supplier_rank: int('Supplier Rank', { default: () => 0 }),
      credit_limit: float('Credit Limit', { default: () => 0 }),
      property_payment_term_id: m2o('account.payment.term', 'Customer Payment Terms'),
      sale_warn: sel('Sales Warnings', [['no-message', 'No Message'], ['warning', 'Warning'], ['block', 'Blocking Message']], { required: true, default: () => 'no-message' }),
      sale_warn_msg: text('Message for Sales Order'),
      category_id: m2m('res.partner.category', 'Tags'),
      credit: computed(money('Total Receivable'), (env, r) => partnerReceivable(env, r, false)),
      total_due: computed(money('Total Due'), (env, r) => partnerReceivable(env, r, false)),
      total_overdue: computed(money('Total Overdue'), (env, r) => partnerReceivable(env, r, true)),
      sale_order_count: computed(int('Sale Order Count'), (env, r) => env.idsBy('sale.order', 'partner_id', r.id).size),
      company_id: m2o('res.company', 'Company'),
      currency_id: computed(m2o('res.currency', 'Currency'), () => 1),
      lang: char('Language', { default: () => 'en_US' }),
    },
  },
  {
    name: 'res.partner.category',
    description: 'Partner Tags',
    order: 'name',
    recName: 'name',
    indexed: ['name'],
    fields: { name: char('Tag Name', { required: true }), active: bool('Active', { default: () => true }) },
  },
  {
    name: 'res.company',
    description: 'Companies',
    order: 'sequence, name',
    recName: 'name',
    indexed: [],
    fields: { name: char('Company Name', { required: true }), partner_id: m2o('res.partner', 'Partner'), currency_id: currency, sequence: int('Sequence') },
  },
  {
    name: 'res.country',
    description: 'Country',
    order: 'name',
    recName: 'name',
    indexed: ['code'],
    fields: { name: char('Country Name', { required: true }), code: char('Country Code') },
  },
  {
    name: 'res.country.state',
    description: 'Country state',
    order: 'code',
    recName: 'name',
    indexed: [],
    fields: { name: char('State Name', { required: true }), code: char('State Code'), country_id: m2o('res.country', 'Country') },
  },
  {
    name: 'res.currency',
    description: 'Currency',
    order: 'active desc, name',
    recName: 'name',
    indexed: ['name'],
    fields: { name: char('Currency', { required: true }), symbol: char('Symbol'), rounding: float('Rounding Factor'), decimal_places: int('Decimal Places'), active: bool('Active', { default: () => true }) },
  },
  {
    name: 'account.payment.term',
    description: 'Payment Terms',
    order: 'sequence, id',
    recName: 'name',
    indexed: [],
    fields: { name: char('Payment Terms', { required: true }), sequence: int('Sequence'), days: int('Days'), active: bool('Active', { default: () => true }) },
  },
  {
    name: 'uom.uom',
    description: 'Product Unit of Measure',
    order: 'factor DESC, id',
    recName: 'name',
    indexed: [],
    fields: { name: char('Unit of Measure', { required: true }), factor: float('Ratio'), active: bool('Active', { default: () => true }) },
  },
  {
    name: 'product.category',
    description: 'Product Category',
    order: 'complete_name',
    recName: 'complete_name',
    parentField: 'parent_id',
    indexed: ['parent_id'],
    fields: { name: char('Name', { required: true }), complete_name: char('Complete Name'), parent_id: m2o('product.category', 'Parent Category') },
  },
  {
    name: 'product.template',
    description: 'Product',
    order: 'priority desc, name, id',
    recName: 'name',
    indexed: ['default_code'],
    fields: {
      name: char('Name', { required: true }),
      default_code: char('Internal Reference'),
      list_price: float('Sales Price'),
      type: sel('Product Type', [['consu', 'Consumable'], ['service', 'Service'], ['product', 'Storable Product']], { default: () => 'consu' }),
      active: bool('Active', { default: () => true }),
      priority: sel('Favorite', [['0', 'Normal'], ['1', 'Favorite']], { default: () => '0' }),
    },
  },
  {
    name: 'product.product',
    description: 'Product Variant',
    order: 'default_code, name, id',
    recName: 'name',
    indexed: ['default_code', 'barcode', 'name'],
    nameSearchFields: ['default_code', 'barcode'],
    displayName: (_env, r) => (r.default_code ? `[${String(r.default_code)}] ${String(r.name)}` : String(r.name)),
    fields: {
      name: char('Name', { required: true }),
      display_name: computed(char('Display Name'), (_env, r) => (r.default_code ? `[${String(r.default_code)}] ${String(r.name)}` : String(r.name))),
      default_code: char('Internal Reference'),
      barcode: char('Barcode'),
      list_price: float('Sales Price', { default: () => 1 }),
      lst_price: computed(float('Sales Price'), (_env, r) => r.list_price),
      standard_price: float('Cost', { default: () => 0 }),
      type: sel('Product Type', [['consu', 'Consumable'], ['service', 'Service'], ['product', 'Storable Product']], { default: () => 'consu' }),
      detailed_type: computed(sel('Product Type', [['consu', 'Consumable'], ['service', 'Service'], ['product', 'Storable Product']]), (_e, r) => r.type),
      invoice_policy: sel('Invoicing Policy', [['order', 'Ordered quantities'], ['delivery', 'Delivered quantities']], { default: () => 'order' }),
      categ_id: m2o('product.category', 'Product Category', { default: () => 1 }),
      uom_id: m2o('uom.uom', 'Unit of Measure', { default: () => 1 }),
      uom_po_id: m2o('uom.uom', 'Purchase Unit of Measure', { default: () => 1 }),
      product_tmpl_id: m2o('product.template', 'Product Template'),
      sale_ok: bool('Can be Sold', { default: () => true }),
      purchase_ok: bool('Can be Purchased', { default: () => true }),
      weight: float('Weight'),
      active: bool('Active', { default: () => true }),
      qty_available: computed(float('Quantity On Hand'), qty((q) => q.onHand)),
      free_qty: computed(float('Free To Use Quantity '), qty((q) => q.free)),
      virtual_available: computed(float('Forecasted Quantity'), qty((q) => q.forecast)),
      incoming_qty: computed(float('Incoming'), qty((q) => q.incoming)),
      outgoing_qty: computed(float('Outgoing'), qty((q) => q.outgoing)),
      company_id: m2o('res.company', 'Company'),
      currency_id: computed(m2o('res.currency', 'Currency'), () => 1),
    },
  },
  {
    name: 'stock.warehouse',
    description: 'Warehouse',
    order: 'sequence,id',
    recName: 'name',
    indexed: ['code'],
    fields: {
      name: char('Warehouse', { required: true }),
      code: char('Short Name', { required: true }),
      lot_stock_id: m2o('stock.location', 'Location Stock'),
      view_location_id: m2o('stock.location', 'View Location'),
      partner_id: m2o('res.partner', 'Address'),
      sequence: int('Sequence'),
      active: bool('Active', { default: () => true }),
      company_id: company,
    },
  },
  {
    name: 'stock.location',
    description: 'Inventory Locations',
    order: 'complete_name, id',
    recName: 'complete_name',
    parentField: 'location_id',
    indexed: ['location_id'],
    fields: {
      name: char('Location Name', { required: true }),
      complete_name: char('Full Location Name'),
      location_id: m2o('stock.location', 'Parent Location'),
      usage: sel('Location Type', [['supplier', 'Vendor Location'], ['view', 'View'], ['internal', 'Internal Location'], ['customer', 'Customer Location'], ['inventory', 'Inventory Loss'], ['production', 'Production'], ['transit', 'Transit Location']], { required: true, default: () => 'internal' }),
      warehouse_id: m2o('stock.warehouse', 'Warehouse'),
      active: bool('Active', { default: () => true }),
      company_id: m2o('res.company', 'Company'),
    },
  },
  {
    name: 'stock.quant',
    description: 'Quants',
    order: 'id',
    recName: 'product_id',
    indexed: ['product_id', 'location_id'],
    displayName: (env, r) => {
      const loc = env.row('stock.location', r.location_id as number);
      const prod = env.row('product.product', r.product_id as number);
      return `${String(loc?.complete_name ?? '')} - ${String(prod?.name ?? '')}`;
    },
    fields: {
      product_id: m2o('product.product', 'Product', { required: true }),
      location_id: m2o('stock.location', 'Location', { required: true }),
      quantity: float('Quantity', { default: () => 0 }),
      reserved_quantity: float('Reserved Quantity', { default: () => 0 }),
      available_quantity: computed(float('Available Quantity'), (_e, r) => round2(num(r.quantity) - num(r.reserved_quantity))),
      warehouse_id: computed(m2o('stock.warehouse', 'Warehouse'), (env, r) => env.row('stock.location', r.location_id as number)?.warehouse_id ?? false),
      product_uom_id: computed(m2o('uom.uom', 'Unit of Measure'), () => 1),
    },
  },
  {
    name: 'stock.picking.type',
    description: 'Picking Type',
    order: 'sequence, id',
    recName: 'name',
    indexed: [],
    displayName: (env, r) => {
      const wh = typeof r.warehouse_id === 'number' ? env.row('stock.warehouse', r.warehouse_id) : undefined;
      return wh ? `${String(wh.name)}: ${String(r.name)}` : String(r.name);
    },
    fields: {
      name: char('Operation Type', { required: true }),
      code: sel('Type of Operation', [['incoming', 'Receipt'], ['outgoing', 'Delivery'], ['internal', 'Internal Transfer']], { required: true }),
      sequence_code: char('Sequence Prefix'),
      warehouse_id: m2o('stock.warehouse', 'Warehouse'),
      default_location_src_id: m2o('stock.location', 'Default Source Location'),
      default_location_dest_id: m2o('stock.location', 'Default Destination Location'),
      sequence: int('Sequence'),
    },
  },
  {
    name: 'delivery.carrier',
    description: 'Shipping Methods',
    order: 'sequence, id',
    recName: 'name',
    indexed: [],
    fields: { name: char('Delivery Method', { required: true }), delivery_type: sel('Provider', [['fixed', 'Fixed Price'], ['base_on_rule', 'Based on Rules']], { default: () => 'fixed' }), sequence: int('Sequence'), active: bool('Active', { default: () => true }) },
  },
  {
    name: 'stock.picking',
    description: 'Transfer',
    order: 'priority desc, scheduled_date asc, id desc',
    recName: 'name',
    indexed: ['name', 'origin', 'sale_id', 'partner_id'],
    fields: {
      name: char('Reference', { default: () => '/' }),
      origin: char('Source Document'),
      partner_id: m2o('res.partner', 'Contact'),
      picking_type_id: m2o('stock.picking.type', 'Operation Type', { required: true }),
      picking_type_code: sel('Type of Operation', [['incoming', 'Receipt'], ['outgoing', 'Delivery'], ['internal', 'Internal Transfer']]),
      location_id: m2o('stock.location', 'Source Location', { required: true }),
      location_dest_id: m2o('stock.location', 'Destination Location', { required: true }),
      scheduled_date: datetime('Scheduled Date'),
      date_deadline: datetime('Deadline'),
      date_done: datetime('Date of Transfer'),
      sale_id: m2o('sale.order', 'Sales Order'),
      state: sel('Status', [['draft', 'Draft'], ['waiting', 'Waiting Another Operation'], ['confirmed', 'Waiting'], ['assigned', 'Ready'], ['done', 'Done'], ['cancel', 'Cancelled']], { default: () => 'draft' }),
      priority: sel('Priority', [['0', 'Normal'], ['1', 'Urgent']], { default: () => '0' }),
      carrier_id: m2o('delivery.carrier', 'Carrier'),
      carrier_tracking_ref: char('Tracking Reference'),
      backorder_id: m2o('stock.picking', 'Back Order of'),
      move_ids: o2m('stock.move', 'picking_id', 'Stock Moves'),
      company_id: company,
    },
  },
  {
    name: 'stock.move',
    description: 'Stock Move',
    order: 'sequence, id',
    recName: 'name',
    indexed: ['picking_id', 'product_id', 'sale_line_id'],
    fields: {
      name: char('Description', { required: true }),
      reference: char('Reference'),
      origin: char('Source Document'),
      picking_id: m2o('stock.picking', 'Transfer'),
      product_id: m2o('product.product', 'Product', { required: true }),
      product_uom_qty: float('Demand', { default: () => 0 }),
      quantity: float('Quantity', { default: () => 0 }),
      product_uom: m2o('uom.uom', 'UoM', { default: () => 1 }),
      location_id: m2o('stock.location', 'Source Location', { required: true }),
      location_dest_id: m2o('stock.location', 'Destination Location', { required: true }),
      state: sel('Status', [['draft', 'New'], ['waiting', 'Waiting Another Move'], ['confirmed', 'Waiting Availability'], ['partially_available', 'Partially Available'], ['assigned', 'Available'], ['done', 'Done'], ['cancel', 'Cancelled']], { default: () => 'draft' }),
      sale_line_id: m2o('sale.order.line', 'Sale Line'),
      date: datetime('Date Scheduled'),
      sequence: int('Sequence'),
    },
  },
  {
    name: 'sale.order',
    description: 'Sales Order',
    order: 'date_order desc, id desc',
    recName: 'name',
    indexed: ['name', 'partner_id', 'client_order_ref'],
    nameSearchFields: ['client_order_ref'],
    fields: {
      name: char('Order Reference', { required: true, readonly: false }),
      partner_id: m2o('res.partner', 'Customer', { required: true }),
      partner_invoice_id: m2o('res.partner', 'Invoice Address'),
      partner_shipping_id: m2o('res.partner', 'Delivery Address'),
      date_order: datetime('Order Date', { required: true }),
      commitment_date: datetime('Delivery Date'),
      validity_date: date('Expiration'),
      client_order_ref: char('Customer Reference'),
      origin: char('Source Document'),
      note: text('Terms and conditions'),
      currency_id: currency,
      company_id: company,
      payment_term_id: m2o('account.payment.term', 'Payment Terms'),
      state: sel('Status', [['draft', 'Quotation'], ['sent', 'Quotation Sent'], ['sale', 'Sales Order'], ['cancel', 'Cancelled']], { readonly: true, default: () => 'draft' }),
      locked: bool('Locked', { default: () => false }),
      order_line: o2m('sale.order.line', 'order_id', 'Order Lines'),
      amount_untaxed: computed(money('Untaxed Amount'), (env, r) => orderAmounts(env, r).untaxed),
      amount_tax: computed(money('Taxes'), (env, r) => orderAmounts(env, r).tax),
      amount_total: computed(money('Total'), (env, r) => orderAmounts(env, r).total),
      invoice_ids: computed(m2m('account.move', 'Invoices'), (env, r) => sortedIds(env.idsBy('account.move', 'invoice_origin', r.name))),
      invoice_count: computed(int('Invoice Count'), (env, r) => env.idsBy('account.move', 'invoice_origin', r.name).size),
      invoice_status: computed(sel('Invoice Status', [['upselling', 'Upselling Opportunity'], ['invoiced', 'Fully Invoiced'], ['to invoice', 'To Invoice'], ['no', 'Nothing to Invoice']]), invoiceStatus),
      warehouse_id: m2o('stock.warehouse', 'Warehouse', { default: () => 1 }),
      picking_ids: computed(o2m('stock.picking', 'sale_id', 'Transfers'), (env, r) => sortedIds(env.idsBy('stock.picking', 'sale_id', r.id))),
      delivery_count: computed(int('Delivery Orders'), (env, r) => env.idsBy('stock.picking', 'sale_id', r.id).size),
      delivery_status: computed(sel('Delivery Status', [['pending', 'Not Delivered'], ['started', 'Started'], ['partial', 'Partially Delivered'], ['full', 'Fully Delivered']]), deliveryStatus),
      effective_date: computed(datetime('Effective Date'), (env, r) => {
        const dates = orderPickings(env, r).filter((p) => p.state === 'done' && typeof p.date_done === 'string').map((p) => p.date_done as string).sort();
        return dates[0] ?? false;
      }),
      carrier_id: m2o('delivery.carrier', 'Delivery Method'),
    },
  },
  {
    name: 'sale.order.line',
    description: 'Sales Order Line',
    order: 'order_id, sequence, id',
    recName: 'name',
    indexed: ['order_id', 'product_id'],
    displayName: (env, r) => `${String(env.row('sale.order', r.order_id as number)?.name ?? '')} - ${String(r.name)}`,
    fields: {
      order_id: m2o('sale.order', 'Order Reference', { required: true }),
      sequence: int('Sequence', { default: () => 10 }),
      product_id: m2o('product.product', 'Product'),
      name: text('Description', { required: true }),
      product_uom_qty: float('Quantity', { default: () => 1 }),
      product_uom: m2o('uom.uom', 'Unit of Measure', { default: () => 1 }),
      qty_delivered: float('Delivery Quantity', { default: () => 0 }),
      qty_invoiced: float('Invoiced Quantity', { default: () => 0 }),
      qty_to_invoice: computed(float('Quantity To Invoice'), (env, r) => {
        const order = env.row('sale.order', r.order_id as number);
        return order?.state === 'sale' ? Math.max(0, num(r.product_uom_qty) - num(r.qty_invoiced)) : 0;
      }),
      price_unit: float('Unit Price', { default: () => 0 }),
      discount: float('Discount (%)', { default: () => 0 }),
      price_subtotal: computed(money('Subtotal'), (_e, r) => lineAmounts(r).subtotal),
      price_tax: computed(float('Total Tax'), (_e, r) => lineAmounts(r).tax),
      price_total: computed(money('Total'), (_e, r) => lineAmounts(r).total),
      display_type: sel('Display Type', [['line_section', 'Section'], ['line_note', 'Note']]),
      state: computed(sel('Order Status', [['draft', 'Quotation'], ['sent', 'Quotation Sent'], ['sale', 'Sales Order'], ['cancel', 'Cancelled']]), (env, r) => env.row('sale.order', r.order_id as number)?.state ?? false),
      order_partner_id: computed(m2o('res.partner', 'Customer'), (env, r) => env.row('sale.order', r.order_id as number)?.partner_id ?? false),
      currency_id: computed(m2o('res.currency', 'Currency'), () => 1),
    },
  },
  {
    name: 'account.move',
    description: 'Journal Entry',
    order: 'date desc, name desc, id desc',
    recName: 'name',
    indexed: ['name', 'invoice_origin', 'partner_id', 'ref'],
    nameSearchFields: ['ref'],
    fields: {
      name: char('Number', { default: () => '/' }),
      move_type: sel('Type', [['entry', 'Journal Entry'], ['out_invoice', 'Customer Invoice'], ['out_refund', 'Customer Credit Note'], ['in_invoice', 'Vendor Bill'], ['in_refund', 'Vendor Credit Note'], ['out_receipt', 'Sales Receipt'], ['in_receipt', 'Purchase Receipt']], { required: true, default: () => 'entry' }),
      state: sel('Status', [['draft', 'Draft'], ['posted', 'Posted'], ['cancel', 'Cancelled']], { required: true, default: () => 'draft' }),
      payment_state: sel('Payment Status', [['not_paid', 'Not Paid'], ['in_payment', 'In Payment'], ['paid', 'Paid'], ['partial', 'Partially Paid'], ['reversed', 'Reversed'], ['invoicing_legacy', 'Invoicing App Legacy']], { default: () => 'not_paid' }),
      partner_id: m2o('res.partner', 'Partner'),
      commercial_partner_id: computed(m2o('res.partner', 'Commercial Entity'), (env, r) => {
        const p = typeof r.partner_id === 'number' ? env.row('res.partner', r.partner_id) : undefined;
        return p ? (typeof p.parent_id === 'number' ? p.parent_id : p.id) : false;
      }),
      date: date('Date'),
      invoice_date: date('Invoice/Bill Date'),
      invoice_date_due: date('Due Date'),
      invoice_origin: char('Origin'),
      invoice_payment_term_id: m2o('account.payment.term', 'Payment Terms'),
      ref: char('Reference'),
      payment_reference: char('Payment Reference'),
      reversed_entry_id: m2o('account.move', 'Reversal of'),
      currency_id: currency,
      company_id: company,
      amount_untaxed: money('Untaxed Amount', { default: () => 0 }),
      amount_tax: money('Tax', { default: () => 0 }),
      amount_total: money('Total', { default: () => 0 }),
      amount_residual: money('Amount Due', { default: () => 0 }),
    },
  },
  {
    name: 'res.users',
    description: 'User',
    order: 'name, login',
    recName: 'name',
    indexed: ['login'],
    deniedGroups: 'Administration/Access Rights',
    fields: { name: char('Name', { required: true }), login: char('Login', { required: true }), partner_id: m2o('res.partner', 'Related Partner'), active: bool('Active', { default: () => true }) },
  },
  {
    name: 'ir.config_parameter',
    description: 'System Parameter',
    order: 'key',
    recName: 'key',
    indexed: ['key'],
    deniedGroups: 'Administration/Settings',
    fields: { key: char('Key', { required: true }), value: text('Value', { required: true }) },
  },
];

/** Model definitions by technical name. */
export const MODEL_DEFS: ReadonlyMap<string, ModelDef> = new Map([...MODELS, ...AUTOMATION_MODELS].map((m) => [m.name, m]));
