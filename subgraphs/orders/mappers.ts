import type { OdooOrderLine, OdooSaleOrder } from '../shared/connectors/odoo/records.js';
import { many2oneName, orNull, toIsoDateTime, toMoney, type MoneyValue } from '../shared/connectors/odoo/values.js';

/** Pure mappings from Odoo sale.order records to the orders schema. */

export type OrderStatus = 'DRAFT' | 'SENT' | 'CONFIRMED' | 'CANCELLED';
export type DeliveryStatus = 'PENDING' | 'STARTED' | 'PARTIAL' | 'FULL';
export type OrderInvoiceStatus = 'NOTHING_TO_INVOICE' | 'TO_INVOICE' | 'INVOICED' | 'UPSELLING';

/** The Order as resolvers hand it to GraphQL, plus the ids its relations need. */
export interface OrderModel {
  id: string;
  number: string;
  status: OrderStatus;
  placedAt: string | null;
  clientReference: string | null;
  amountUntaxed: MoneyValue;
  amountTax: MoneyValue;
  amountTotal: MoneyValue;
  deliveryStatus: DeliveryStatus | null;
  invoiceStatus: OrderInvoiceStatus | null;
  /** sale.order.line ids, for `lines`. */
  lineIds: number[];
  /** res.partner id, for `customer` and ownership checks. */
  partnerId: number | null;
  currency: string;
}

/** An OrderLine of the schema. */
export interface OrderLineModel {
  id: string;
  product: { __typename: 'Product'; id: string };
  description: string | null;
  quantity: number;
  quantityDelivered: number;
  quantityInvoiced: number;
  unitPrice: MoneyValue;
  discount: number;
  subtotal: MoneyValue;
}

/** sale.order.state to OrderStatus (`done` is Odoo 16's locked confirmed order). */
export function orderStatus(state: string): OrderStatus {
  switch (state) {
    case 'draft':
      return 'DRAFT';
    case 'sent':
      return 'SENT';
    case 'sale':
    case 'done':
      return 'CONFIRMED';
    case 'cancel':
      return 'CANCELLED';
    default:
      throw new TypeError(`unknown sale.order state "${state}"`);
  }
}

/** sale.order.delivery_status to DeliveryStatus; null when there is nothing to deliver. */
export function deliveryStatus(value: string | false): DeliveryStatus | null {
  switch (value) {
    case 'pending':
      return 'PENDING';
    case 'started':
      return 'STARTED';
    case 'partial':
      return 'PARTIAL';
    case 'full':
      return 'FULL';
    default:
      return null;
  }
}

/** sale.order.invoice_status to OrderInvoiceStatus. */
export function invoiceStatus(value: string | false): OrderInvoiceStatus | null {
  switch (value) {
    case 'no':
      return 'NOTHING_TO_INVOICE';
    case 'to invoice':
      return 'TO_INVOICE';
    case 'invoiced':
      return 'INVOICED';
    case 'upselling':
      return 'UPSELLING';
    default:
      return null;
  }
}

/** Maps a sale.order. */
export function mapOrder(order: OdooSaleOrder, fallbackCurrency = 'EUR'): OrderModel {
  const currency = many2oneName(order.currency_id) ?? fallbackCurrency;
  const money = (amount: number) => toMoney(amount, order.currency_id, currency);
  return {
    id: String(order.id),
    number: order.name,
    status: orderStatus(order.state),
    placedAt: toIsoDateTime(order.date_order),
    clientReference: orNull(order.client_order_ref),
    amountUntaxed: money(order.amount_untaxed),
    amountTax: money(order.amount_tax),
    amountTotal: money(order.amount_total),
    deliveryStatus: deliveryStatus(order.delivery_status),
    invoiceStatus: invoiceStatus(order.invoice_status),
    lineIds: Array.isArray(order.order_line) ? order.order_line : [],
    partnerId: Array.isArray(order.partner_id) ? order.partner_id[0] : null,
    currency,
  };
}

/** Maps a sale.order.line; null for section and note lines, which have no product. */
export function mapOrderLine(line: OdooOrderLine, orderCurrency: string): OrderLineModel | null {
  if (line.display_type || !Array.isArray(line.product_id)) return null;
  const money = (amount: number) => toMoney(amount, line.currency_id, orderCurrency);
  return {
    id: String(line.id),
    product: { __typename: 'Product', id: String(line.product_id[0]) },
    description: orNull(line.name),
    quantity: line.product_uom_qty,
    quantityDelivered: line.qty_delivered,
    quantityInvoiced: line.qty_invoiced,
    unitPrice: money(line.price_unit),
    discount: line.discount ?? 0,
    subtotal: money(line.price_subtotal),
  };
}
