
import type { HttpClient } from '../../../../platform/http/client.js';
import type {
  Many2one,
  OdooMove,
  OdooOrderLine,
  OdooPartner,
  OdooPicking,
  OdooProduct,
  OdooQuant,
  OdooSaleOrder,
  OdooWarehouse,
} from './records.js';


/** The Odoo connector's settings and interface, and the helpers its calls share. */

/** Settings of the Odoo connector. */
export interface OdooConnectorOptions {
  /** Base URL of the Odoo server, without a trailing path (`https://erp.example.com`). */
  url: string;
  /** Database name (sent as X-Odoo-Database over JSON-2). */
  db: string;
  /** Login of the API user (JSON-RPC only). */
  login: string;
  /** API key (or password) of the API user. Never logged. */
  apiKey: string;
  /** `jsonrpc` for Odoo 16-18, `json2` for Odoo 19's `/json/2` API. */
  protocol: 'jsonrpc' | 'json2';
  /** res.partner field holding the Salesforce Account Id (default `ref`). */
  partnerRefField?: string;
  /** Per-attempt timeout in milliseconds (default 5000). */
  timeoutMs?: number;
  /** Extra attempts for reads on transient errors (default 2). */
  readRetries?: number;
  /** Overall deadline of one read, retries included, in milliseconds (default DEFAULT_READ_DEADLINE_MS). */
  deadlineMs?: number;
  /** HTTP client (default the process-wide keep-alive client). */
  http?: HttpClient;
}

/** A sales order to create (lines by product id). */
export interface OdooOrderInput {
  partnerId: number;
  lines: { productId: number; quantity: number }[];
  clientOrderRef?: string;
  /** Source document (`origin`): where the idempotency reference of a placed order goes. */
  origin?: string;
}

/**
 * Batch-shaped access to Odoo: every method costs exactly one backend call (none for an empty
 * input), de-duplicates its keys and answers a Map holding the keys that were found. List-valued
 * maps hold every requested key, with an empty list where nothing matched. Reads by id include
 * archived records (`active_test: false`): a record another one points to (an old order's
 * product, an order's partner) must resolve even after it was archived. Searches (lists,
 * crosswalk, the catalog by SKU) keep Odoo's default of active records only.
 */
export interface OdooConnector {
  readonly protocol: 'jsonrpc' | 'json2';
  /** Database name: part of every cache key (the tenant). */
  readonly db: string;
  /** Partners by crosswalk value (Salesforce Account Id); the commercial entity wins over contacts. */
  partnersByRefs(refs: readonly string[]): Promise<Map<string, OdooPartner>>;
  partnersByIds(ids: readonly number[]): Promise<Map<number, OdooPartner>>;
  ordersByIds(ids: readonly number[]): Promise<Map<number, OdooSaleOrder>>;
  ordersByNames(names: readonly string[]): Promise<Map<string, OdooSaleOrder>>;
  /** Orders by source document (`origin`), the oldest first when several share one (lookups of placed orders by reference). */
  ordersByOrigins(origins: readonly string[]): Promise<Map<string, OdooSaleOrder>>;
  /** Order ids per partner, newest first (`date_order desc, id desc`). */
  orderIdsByPartnerIds(partnerIds: readonly number[]): Promise<Map<number, number[]>>;
  /**
   * Orders per partner with the canonical field set, newest first: a customer's order list and
   * its records in one call, so that the records can prime the record cache.
   */
  ordersByPartnerIds(partnerIds: readonly number[]): Promise<Map<number, OdooSaleOrder[]>>;
  orderLinesByIds(ids: readonly number[]): Promise<Map<number, OdooOrderLine>>;
  /** Products by id, archived ones included (old orders reference them). */
  productsByIds(ids: readonly number[]): Promise<Map<number, OdooProduct>>;
  /**
   * Products by SKU (`default_code`). By default only active products: the catalog a new order
   * may use. With `includeArchived`, archived ones too, an active product winning over an archived
   * one with the same SKU (the lookup of a product an old order or a support agent names).
   */
  productsBySkus(skus: readonly string[], options?: { includeArchived?: boolean }): Promise<Map<string, OdooProduct>>;
  /** Quants in internal locations per product (per-warehouse stock). */
  quantsByProductIds(productIds: readonly number[]): Promise<Map<number, OdooQuant[]>>;
  warehouses(): Promise<OdooWarehouse[]>;
  /** Outgoing pickings (deliveries) per order. */
  pickingsByOrderIds(orderIds: readonly number[]): Promise<Map<number, OdooPicking[]>>;
  movesByIds(ids: readonly number[]): Promise<Map<number, OdooMove>>;
  movesByNames(names: readonly string[]): Promise<Map<string, OdooMove>>;
  /** Customer invoice and credit note ids per partner, newest first. */
  moveIdsByPartnerIds(partnerIds: readonly number[]): Promise<Map<number, number[]>>;
  /**
   * Customer invoices and credit notes per partner with the canonical field set, newest first
   * (`invoice_date desc, id desc`): the list and its records in one call. Open items and an
   * order's invoices derive from it.
   */
  movesByPartnerIds(partnerIds: readonly number[]): Promise<Map<number, OdooMove[]>>;
  /** Customer invoices and credit notes per order name (`invoice_origin`). */
  movesByOrderNames(orderNames: readonly string[]): Promise<Map<string, OdooMove[]>>;
  /** Posted customer invoices and credit notes with an open residual, per partner. */
  openItemsByPartnerIds(partnerIds: readonly number[]): Promise<Map<number, OdooMove[]>>;
  /** Creates a draft sales order; returns its id. A write: never retried. */
  createOrder(input: OdooOrderInput): Promise<number>;
  /** Confirms a draft order (`action_confirm`). */
  confirmOrder(id: number): Promise<void>;
  /** Cancels an order (`action_cancel`, without the web client's confirmation wizard). */
  cancelOrder(id: number): Promise<void>;
  /** Deletes a draft order (`unlink`): undoes a create whose confirmation Odoo refused. */
  unlinkDraftOrder(id: number): Promise<void>;
  /** Sets the partner's sales warning (`block` is a credit hold). */
  setSalesWarn(partnerId: number, warn: 'no-message' | 'warning' | 'block', message: string | false): Promise<void>;
  /** Any model method (reads retried, anything else treated as a write). */
  call<T>(model: string, method: string, args?: readonly unknown[], kwargs?: Record<string, unknown>): Promise<T>;
}

/** Context of reads by key: Odoo's search hides archived records (`active_test`) unless told not to. */
export const INCLUDE_ARCHIVED = { active_test: false } as const;

export const READ_METHODS: ReadonlySet<string> = new Set(['search_read', 'read', 'search', 'search_count', 'name_search', 'fields_get', 'read_group', 'default_get']);

/** The id of a many2one value, or null when unset. */
export function many2oneId(value: Many2one | undefined): number | null {
  return Array.isArray(value) && typeof value[0] === 'number' ? value[0] : null;
}

export function uniqueIds(ids: readonly number[]): number[] {
  return [...new Set(ids.filter((id) => Number.isSafeInteger(id) && id > 0))];
}

export function uniqueStrings(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => typeof v === 'string' && v.length > 0))];
}

export function groupBy<K, T>(keys: readonly K[], records: readonly T[], keyOf: (record: T) => K | null): Map<K, T[]> {
  const grouped = new Map<K, T[]>(keys.map((k) => [k, []]));
  for (const record of records) {
    const key = keyOf(record);
    if (key !== null) grouped.get(key)?.push(record);
  }
  return grouped;
}

export function checkOptions(options: OdooConnectorOptions): void {
  for (const key of ['url', 'db', 'login', 'apiKey'] as const) {
    if (typeof options[key] !== 'string' || options[key].length === 0) throw new TypeError(`odoo ${key} must be a non-empty string`);
  }
  if (!/^https?:\/\//.test(options.url)) throw new TypeError(`odoo url must start with http:// or https://, got "${options.url}"`);
  if (options.protocol !== 'jsonrpc' && options.protocol !== 'json2') throw new TypeError(`odoo protocol must be "jsonrpc" or "json2", got "${String(options.protocol)}"`);
}
