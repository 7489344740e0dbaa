import type { RecordKind } from '../../cache/record-cache.js';

/**
 * The cache kinds of Odoo records, shared by every subgraph over Odoo so that one cached record
 * serves them all. A `#field` suffix marks a lookup by that field instead of by id; an `@field`
 * suffix marks a list keyed by that field (ids or records grouped under it). `lifetime` names the
 * schema type or field whose declared `@cacheControl` lifetime the records take.
 */
export const ODOO_KINDS = {
  partner: { backend: 'odoo', model: 'res.partner', lifetime: 'BillingProfile' },
  partnerByRef: { backend: 'odoo', model: 'res.partner#ref', lifetime: 'Customer.billing' },
  order: { backend: 'odoo', model: 'sale.order', lifetime: 'Order' },
  orderByName: { backend: 'odoo', model: 'sale.order#name', lifetime: 'Order' },
  /** A partner's order ids; the list read primes `order` and `orderByName`. */
  orderIdsByPartner: { backend: 'odoo', model: 'sale.order@partner_id', lifetime: 'Customer.orders' },
  orderLine: { backend: 'odoo', model: 'sale.order.line', lifetime: 'OrderLine' },
  product: { backend: 'odoo', model: 'product.product', lifetime: 'Product' },
  productBySku: { backend: 'odoo', model: 'product.product#default_code', lifetime: 'Product' },
  /** The quantity fields of product.product: they live as long as a product's availability, not as the product. */
  productStock: { backend: 'odoo', model: 'product.product@quantities', lifetime: 'Product.availability' },
  quantsByProduct: { backend: 'odoo', model: 'stock.quant@product_id', lifetime: 'StockAvailability.byWarehouse' },
  warehouses: { backend: 'odoo', model: 'stock.warehouse', lifetime: 'Warehouse' },
  pickingsByOrder: { backend: 'odoo', model: 'stock.picking@sale_id', lifetime: 'Order.shipments' },
  move: { backend: 'odoo', model: 'account.move', lifetime: 'Invoice' },
  moveByName: { backend: 'odoo', model: 'account.move#name', lifetime: 'Invoice' },
  /** A partner's invoice ids; the list read primes `move`. Open items and an order's invoices derive from it. */
  moveIdsByPartner: { backend: 'odoo', model: 'account.move@partner_id', lifetime: 'Customer.invoices' },
  /** Invoices by order name: only for an order whose customer is unknown. */
  movesByOrderName: { backend: 'odoo', model: 'account.move@invoice_origin', lifetime: 'Order.invoices' },
} as const satisfies Record<string, RecordKind>;
