import type { RecordKind } from '../../cache/record-cache.js';

/**
 * The cache kinds of Odoo records, shared by every subgraph over Odoo so that one cached record
 * serves them all. A `#field` suffix marks a lookup by that field instead of by id; an `@field`
 * suffix marks a list keyed by that field (ids or records grouped under it).
 */
export const ODOO_KINDS = {
  partner: { backend: 'odoo', model: 'res.partner', cacheClass: 'billing' },
  partnerByRef: { backend: 'odoo', model: 'res.partner#ref', cacheClass: 'billing' },
  order: { backend: 'odoo', model: 'sale.order', cacheClass: 'status' },
  orderByName: { backend: 'odoo', model: 'sale.order#name', cacheClass: 'status' },
  /** A partner's order ids; the list read primes `order` and `orderByName`. */
  orderIdsByPartner: { backend: 'odoo', model: 'sale.order@partner_id', cacheClass: 'list' },
  orderLine: { backend: 'odoo', model: 'sale.order.line', cacheClass: 'status' },
  product: { backend: 'odoo', model: 'product.product', cacheClass: 'catalog' },
  productBySku: { backend: 'odoo', model: 'product.product#default_code', cacheClass: 'catalog' },
  /** The quantity fields of product.product, cached with the stock TTL. */
  productStock: { backend: 'odoo', model: 'product.product@quantities', cacheClass: 'stock' },
  quantsByProduct: { backend: 'odoo', model: 'stock.quant@product_id', cacheClass: 'stock' },
  warehouses: { backend: 'odoo', model: 'stock.warehouse', cacheClass: 'catalog' },
  pickingsByOrder: { backend: 'odoo', model: 'stock.picking@sale_id', cacheClass: 'status' },
  move: { backend: 'odoo', model: 'account.move', cacheClass: 'billing' },
  moveByName: { backend: 'odoo', model: 'account.move#name', cacheClass: 'billing' },
  /** A partner's invoice ids; the list read primes `move`. Open items and an order's invoices derive from it. */
  moveIdsByPartner: { backend: 'odoo', model: 'account.move@partner_id', cacheClass: 'list' },
  /** Invoices by order name: only for an order whose customer is unknown. */
  movesByOrderName: { backend: 'odoo', model: 'account.move@invoice_origin', cacheClass: 'billing' },
} as const satisfies Record<string, RecordKind>;
