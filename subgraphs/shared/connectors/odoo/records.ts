/**
 * Typed Odoo records and the one canonical field set read per model. Every subgraph over Odoo
 * reads these same fields, so one cached record serves every query shape. Records keep Odoo's
 * names and wire values: many2one `[id, "Name"] | false`, empty values `false`, datetimes
 * `"YYYY-MM-DD HH:MM:SS"` UTC.
 */

/** A many2one value on the wire: `[id, display name]`, or `false` when unset. */
export type Many2one = [number, string] | false;

/** Char/date/datetime/selection values that Odoo sends as `false` when empty. */
export type OdooString = string | false;

/** The models the connector reads. */
export type OdooModel =
  | 'res.partner'
  | 'sale.order'
  | 'sale.order.line'
  | 'product.product'
  | 'stock.quant'
  | 'stock.warehouse'
  | 'stock.picking'
  | 'account.move';

/** res.partner: the ERP customer (billing entity). `ref` holds the crosswalk value (the Salesforce Account Id). */
export interface OdooPartner {
  id: number;
  name: OdooString;
  display_name: OdooString;
  /** The crosswalk value, read from the configured field (default `ref`). */
  ref: OdooString;
  vat: OdooString;
  email: OdooString;
  phone: OdooString;
  is_company: boolean;
  commercial_partner_id: Many2one;
  street: OdooString;
  street2: OdooString;
  city: OdooString;
  zip: OdooString;
  state_id: Many2one;
  country_id: Many2one;
  credit_limit: number;
  /** Total receivable (account module). */
  credit: number;
  property_payment_term_id: Many2one;
  /** The company currency the partner's amounts are in. */
  currency_id: Many2one;
  /** `no-message | warning | block`; `block` is a sales block (credit hold). */
  sale_warn: OdooString;
  sale_warn_msg: OdooString;
}

/** sale.order. */
export interface OdooSaleOrder {
  id: number;
  name: string;
  partner_id: Many2one;
  date_order: OdooString;
  commitment_date: OdooString;
  validity_date: OdooString;
  client_order_ref: OdooString;
  origin: OdooString;
  currency_id: Many2one;
  payment_term_id: Many2one;
  amount_untaxed: number;
  amount_tax: number;
  amount_total: number;
  /** `draft | sent | sale | cancel` (16 also `done`). */
  state: string;
  /** `upselling | invoiced | to invoice | no`. */
  invoice_status: OdooString;
  /** `pending | started | partial | full` (sale_stock), false when nothing to deliver. */
  delivery_status: OdooString;
  order_line: number[];
  picking_ids: number[];
  invoice_ids: number[];
  warehouse_id: Many2one;
}

/** sale.order.line. */
export interface OdooOrderLine {
  id: number;
  order_id: Many2one;
  product_id: Many2one;
  name: OdooString;
  product_uom_qty: number;
  qty_delivered: number;
  qty_invoiced: number;
  price_unit: number;
  discount: number;
  price_subtotal: number;
  price_tax: number;
  price_total: number;
  currency_id: Many2one;
  /** `line_section | line_note` for non-product lines, false otherwise. */
  display_type: OdooString;
}

/** product.product with its computed quantities (all warehouses). */
export interface OdooProduct {
  id: number;
  default_code: OdooString;
  name: OdooString;
  display_name: OdooString;
  barcode: OdooString;
  list_price: number;
  lst_price: number;
  standard_price: number;
  qty_available: number;
  virtual_available: number;
  free_qty: number;
  incoming_qty: number;
  outgoing_qty: number;
  uom_id: Many2one;
  type: OdooString;
  currency_id: Many2one;
  /** False once archived: old orders keep pointing to it, new orders may not use it. */
  active: boolean;
}

/** stock.quant (internal locations). */
export interface OdooQuant {
  id: number;
  product_id: Many2one;
  location_id: Many2one;
  warehouse_id: Many2one;
  quantity: number;
  reserved_quantity: number;
  available_quantity: number;
}

/** stock.warehouse. */
export interface OdooWarehouse {
  id: number;
  name: string;
  code: string;
  lot_stock_id: Many2one;
}

/** stock.picking (a delivery). */
export interface OdooPicking {
  id: number;
  name: string;
  origin: OdooString;
  partner_id: Many2one;
  picking_type_code: OdooString;
  scheduled_date: OdooString;
  date_deadline: OdooString;
  date_done: OdooString;
  sale_id: Many2one;
  /** `draft | waiting | confirmed | assigned | done | cancel`. */
  state: string;
  carrier_id: Many2one;
  carrier_tracking_ref: OdooString;
}

/** account.move (customer invoice or credit note). */
export interface OdooMove {
  id: number;
  name: OdooString;
  /** `out_invoice | out_refund | ...`. */
  move_type: string;
  /** `draft | posted | cancel`. */
  state: string;
  /** `not_paid | in_payment | paid | partial | reversed | blocked | invoicing_legacy`. */
  payment_state: OdooString;
  partner_id: Many2one;
  invoice_date: OdooString;
  invoice_date_due: OdooString;
  /** The order name(s) the invoice comes from. */
  invoice_origin: OdooString;
  ref: OdooString;
  payment_reference: OdooString;
  currency_id: Many2one;
  amount_untaxed: number;
  amount_tax: number;
  amount_total: number;
  amount_residual: number;
}

/** The canonical field set of res.partner (the crosswalk field is added from the configuration). */
export const PARTNER_FIELDS = [
  'id', 'name', 'display_name', 'vat', 'email', 'phone', 'is_company', 'commercial_partner_id', 'street', 'street2', 'city', 'zip',
  'state_id', 'country_id', 'credit_limit', 'credit', 'property_payment_term_id', 'currency_id', 'sale_warn', 'sale_warn_msg',
] as const;

/** The canonical field set of sale.order. */
export const ORDER_FIELDS = [
  'id', 'name', 'partner_id', 'date_order', 'commitment_date', 'validity_date', 'client_order_ref', 'origin', 'currency_id',
  'payment_term_id', 'amount_untaxed', 'amount_tax', 'amount_total', 'state', 'invoice_status', 'delivery_status', 'order_line',
  'picking_ids', 'invoice_ids', 'warehouse_id',
] as const satisfies readonly (keyof OdooSaleOrder)[];

/** The canonical field set of sale.order.line. */
export const ORDER_LINE_FIELDS = [
  'id', 'order_id', 'product_id', 'name', 'product_uom_qty', 'qty_delivered', 'qty_invoiced', 'price_unit', 'discount',
  'price_subtotal', 'price_tax', 'price_total', 'currency_id', 'display_type',
] as const satisfies readonly (keyof OdooOrderLine)[];

/** The canonical field set of product.product. */
export const PRODUCT_FIELDS = [
  'id', 'default_code', 'name', 'display_name', 'barcode', 'list_price', 'lst_price', 'standard_price', 'qty_available',
  'virtual_available', 'free_qty', 'incoming_qty', 'outgoing_qty', 'uom_id', 'type', 'currency_id', 'active',
] as const satisfies readonly (keyof OdooProduct)[];

/** The canonical field set of stock.quant. */
export const QUANT_FIELDS = [
  'id', 'product_id', 'location_id', 'warehouse_id', 'quantity', 'reserved_quantity', 'available_quantity',
] as const satisfies readonly (keyof OdooQuant)[];

/** The canonical field set of stock.warehouse. */
export const WAREHOUSE_FIELDS = ['id', 'name', 'code', 'lot_stock_id'] as const satisfies readonly (keyof OdooWarehouse)[];

/** The canonical field set of stock.picking. */
export const PICKING_FIELDS = [
  'id', 'name', 'origin', 'partner_id', 'picking_type_code', 'scheduled_date', 'date_deadline', 'date_done', 'sale_id', 'state',
  'carrier_id', 'carrier_tracking_ref',
] as const satisfies readonly (keyof OdooPicking)[];

/** The canonical field set of account.move. */
export const MOVE_FIELDS = [
  'id', 'name', 'move_type', 'state', 'payment_state', 'partner_id', 'invoice_date', 'invoice_date_due', 'invoice_origin', 'ref',
  'payment_reference', 'currency_id', 'amount_untaxed', 'amount_tax', 'amount_total', 'amount_residual',
] as const satisfies readonly (keyof OdooMove)[];

/** Customer-facing move types: invoices and credit notes. */
export const CUSTOMER_MOVE_TYPES = ['out_invoice', 'out_refund'] as const;
