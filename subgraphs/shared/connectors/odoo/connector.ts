import { BackendError } from '../../../../platform/errors/backend-error.js';
import { sharedHttpClient, type HttpClient } from '../../../../platform/http/client.js';
import { createResilience, type Resilience } from '../resilience.js';
import { checkFieldName, domainFor, type Domain } from './domain.js';
import {
  CUSTOMER_MOVE_TYPES,
  MOVE_FIELDS,
  ORDER_FIELDS,
  ORDER_LINE_FIELDS,
  PARTNER_FIELDS,
  PICKING_FIELDS,
  PRODUCT_FIELDS,
  QUANT_FIELDS,
  WAREHOUSE_FIELDS,
  type Many2one,
  type OdooModel,
  type OdooMove,
  type OdooOrderLine,
  type OdooPartner,
  type OdooPicking,
  type OdooProduct,
  type OdooQuant,
  type OdooSaleOrder,
  type OdooWarehouse,
} from './records.js';
import { createJson2Transport, createJsonRpcTransport, type OdooTransport } from './transport.js';

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
const INCLUDE_ARCHIVED = { active_test: false } as const;

const READ_METHODS: ReadonlySet<string> = new Set(['search_read', 'read', 'search', 'search_count', 'name_search', 'fields_get', 'read_group', 'default_get']);

/** The id of a many2one value, or null when unset. */
export function many2oneId(value: Many2one | undefined): number | null {
  return Array.isArray(value) && typeof value[0] === 'number' ? value[0] : null;
}

function uniqueIds(ids: readonly number[]): number[] {
  return [...new Set(ids.filter((id) => Number.isSafeInteger(id) && id > 0))];
}

function uniqueStrings(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => typeof v === 'string' && v.length > 0))];
}

function groupBy<K, T>(keys: readonly K[], records: readonly T[], keyOf: (record: T) => K | null): Map<K, T[]> {
  const grouped = new Map<K, T[]>(keys.map((k) => [k, []]));
  for (const record of records) {
    const key = keyOf(record);
    if (key !== null) grouped.get(key)?.push(record);
  }
  return grouped;
}

function checkOptions(options: OdooConnectorOptions): void {
  for (const key of ['url', 'db', 'login', 'apiKey'] as const) {
    if (typeof options[key] !== 'string' || options[key].length === 0) throw new TypeError(`odoo ${key} must be a non-empty string`);
  }
  if (!/^https?:\/\//.test(options.url)) throw new TypeError(`odoo url must start with http:// or https://, got "${options.url}"`);
  if (options.protocol !== 'jsonrpc' && options.protocol !== 'json2') throw new TypeError(`odoo protocol must be "jsonrpc" or "json2", got "${String(options.protocol)}"`);
}

/** Creates the Odoo connector. Configuration mistakes throw a TypeError naming the bad value. */
export function createOdooConnector(options: OdooConnectorOptions): OdooConnector {
  checkOptions(options);
  const refField = checkFieldName(options.partnerRefField ?? 'ref', 'odoo partnerRefField');
  const transportOptions = { url: options.url.replace(/\/+$/, ''), db: options.db, login: options.login, apiKey: options.apiKey, http: options.http ?? sharedHttpClient() };
  const transport: OdooTransport = options.protocol === 'json2' ? createJson2Transport(transportOptions) : createJsonRpcTransport(transportOptions);
  const resilience: Resilience = createResilience({ backend: 'odoo', timeoutMs: options.timeoutMs, readRetries: options.readRetries, deadlineMs: options.deadlineMs });
  const partnerFields = [...new Set([...PARTNER_FIELDS, 'ref', refField])];

  const read = <T>(model: string, method: string, args: readonly unknown[], kwargs: Record<string, unknown> = {}) =>
    resilience.read((signal) => transport.execute<T>(model, method, args, kwargs, signal));
  const write = <T>(model: string, method: string, args: readonly unknown[], kwargs: Record<string, unknown> = {}) =>
    resilience.write((signal) => transport.execute<T>(model, method, args, kwargs, signal));

  const searchRead = async <T>(model: OdooModel, domain: Domain, fields: readonly string[], order?: string, context?: Record<string, unknown>): Promise<T[]> => {
    const records = await read<T[]>(model, 'search_read', [], { domain, fields, ...(order ? { order } : {}), ...(context ? { context } : {}) });
    if (!Array.isArray(records)) throw new BackendError({ backend: 'odoo', code: 'INTERNAL', message: `odoo: ${model}.search_read did not return a list`, retryable: false });
    return records;
  };

  const toPartner = (raw: Record<string, unknown>): OdooPartner => {
    const partner = raw as unknown as OdooPartner;
    // The crosswalk value always travels as `ref`, whichever field holds it.
    return refField === 'ref' ? partner : { ...partner, ref: (raw[refField] as string | false) ?? false };
  };

  const byIds = async <T extends { id: number }>(model: OdooModel, ids: readonly number[], fields: readonly string[]): Promise<Map<number, T>> => {
    const unique = uniqueIds(ids);
    if (unique.length === 0) return new Map();
    const records = await searchRead<T>(model, domainFor(model).where('id', 'in', unique).build(), fields, undefined, INCLUDE_ARCHIVED);
    return new Map(records.map((r) => [r.id, r]));
  };

  /** Records by a field's value, the first (lowest id) per value; `context` as for the search (archived records). */
  const byField = async <T>(
    model: OdooModel,
    field: string,
    values: readonly string[],
    fields: readonly string[],
    keyOf: (r: T) => string | false,
    context?: Record<string, unknown>,
    prefer?: (candidate: T, current: T) => boolean,
  ): Promise<Map<string, T>> => {
    const unique = uniqueStrings(values);
    if (unique.length === 0) return new Map();
    const records = await searchRead<T>(model, domainFor(model).where(field, 'in', unique).build(), fields, 'id asc', context);
    const found = new Map<string, T>();
    for (const r of records) {
      const key = keyOf(r);
      if (key === false) continue;
      const current = found.get(key);
      if (current === undefined || (prefer && prefer(r, current))) found.set(key, r);
    }
    return found;
  };

  const listsByPartner = async <T extends { id: number; partner_id: Many2one }>(
    model: 'sale.order' | 'account.move',
    partnerIds: readonly number[],
    extra: (d: ReturnType<typeof domainFor>) => void,
    fields: readonly string[],
    order: string,
  ): Promise<Map<number, T[]>> => {
    const unique = uniqueIds(partnerIds);
    if (unique.length === 0) return new Map<number, T[]>();
    const d = domainFor(model).where('partner_id', 'in', unique);
    extra(d);
    const rows = await searchRead<T>(model, d.build(), fields, order);
    return groupBy(unique, rows, (r) => many2oneId(r.partner_id));
  };
  const idListsByPartner = async (model: 'sale.order' | 'account.move', partnerIds: readonly number[], extra: (d: ReturnType<typeof domainFor>) => void, order: string) => {
    const grouped = await listsByPartner<{ id: number; partner_id: Many2one }>(model, partnerIds, extra, ['id', 'partner_id'], order);
    return new Map([...grouped].map(([k, v]) => [k, v.map((r) => r.id)]));
  };
  const customerMoves = (d: ReturnType<typeof domainFor>) => void d.where('move_type', 'in', [...CUSTOMER_MOVE_TYPES]);

  return {
    protocol: options.protocol,
    db: options.db,

    async partnersByRefs(refs) {
      const unique = uniqueStrings(refs);
      if (unique.length === 0) return new Map();
      const raws = await searchRead<Record<string, unknown>>('res.partner', domainFor('res.partner', [refField]).where(refField, 'in', unique).build(), partnerFields, 'id asc');
      const found = new Map<string, OdooPartner>();
      for (const partner of raws.map(toPartner)) {
        if (partner.ref === false) continue;
        const current = found.get(partner.ref);
        // Contacts may repeat the company's ref: the commercial entity is the billing partner.
        const isCommercial = many2oneId(partner.commercial_partner_id) === partner.id;
        if (!current || (isCommercial && many2oneId(current.commercial_partner_id) !== current.id)) found.set(partner.ref, partner);
      }
      return found;
    },

    async partnersByIds(ids) {
      const unique = uniqueIds(ids);
      if (unique.length === 0) return new Map();
      // An order's or invoice's partner must resolve even after it was archived.
      const raws = await searchRead<Record<string, unknown>>('res.partner', domainFor('res.partner').where('id', 'in', unique).build(), partnerFields, undefined, INCLUDE_ARCHIVED);
      return new Map(raws.map(toPartner).map((p) => [p.id, p]));
    },

    ordersByIds: (ids) => byIds<OdooSaleOrder>('sale.order', ids, ORDER_FIELDS),
    ordersByNames: (names) => byField<OdooSaleOrder>('sale.order', 'name', names, ORDER_FIELDS, (r) => r.name),
    ordersByOrigins: (origins) => byField<OdooSaleOrder>('sale.order', 'origin', origins, ORDER_FIELDS, (r) => r.origin),
    orderIdsByPartnerIds: (partnerIds) => idListsByPartner('sale.order', partnerIds, () => {}, 'date_order desc, id desc'),
    ordersByPartnerIds: (partnerIds) => listsByPartner<OdooSaleOrder>('sale.order', partnerIds, () => {}, ORDER_FIELDS, 'date_order desc, id desc'),
    orderLinesByIds: (ids) => byIds<OdooOrderLine>('sale.order.line', ids, ORDER_LINE_FIELDS),
    productsByIds: (ids) => byIds<OdooProduct>('product.product', ids, PRODUCT_FIELDS),
    productsBySkus: (skus, options) =>
      options?.includeArchived
        ? byField<OdooProduct>('product.product', 'default_code', skus, PRODUCT_FIELDS, (r) => r.default_code, INCLUDE_ARCHIVED, (r, current) => r.active !== false && current.active === false)
        : byField<OdooProduct>('product.product', 'default_code', skus, PRODUCT_FIELDS, (r) => r.default_code),

    async quantsByProductIds(productIds) {
      const unique = uniqueIds(productIds);
      if (unique.length === 0) return new Map();
      const domain = domainFor('stock.quant').where('product_id', 'in', unique).where('location_id.usage', '=', 'internal').build();
      const quants = await searchRead<OdooQuant>('stock.quant', domain, QUANT_FIELDS, 'id asc');
      return groupBy(unique, quants, (q) => many2oneId(q.product_id));
    },

    warehouses: () => searchRead<OdooWarehouse>('stock.warehouse', [], WAREHOUSE_FIELDS, 'id asc'),

    async pickingsByOrderIds(orderIds) {
      const unique = uniqueIds(orderIds);
      if (unique.length === 0) return new Map();
      const domain = domainFor('stock.picking').where('sale_id', 'in', unique).where('picking_type_code', '=', 'outgoing').build();
      const pickings = await searchRead<OdooPicking>('stock.picking', domain, PICKING_FIELDS, 'id asc');
      return groupBy(unique, pickings, (p) => many2oneId(p.sale_id));
    },

    movesByIds: (ids) => byIds<OdooMove>('account.move', ids, MOVE_FIELDS),
    movesByNames: (names) => byField<OdooMove>('account.move', 'name', names, MOVE_FIELDS, (r) => r.name),
    moveIdsByPartnerIds: (partnerIds) => idListsByPartner('account.move', partnerIds, customerMoves, 'invoice_date desc, id desc'),
    movesByPartnerIds: (partnerIds) => listsByPartner<OdooMove>('account.move', partnerIds, customerMoves, MOVE_FIELDS, 'invoice_date desc, id desc'),

    async movesByOrderNames(orderNames) {
      const unique = uniqueStrings(orderNames);
      if (unique.length === 0) return new Map();
      const domain = domainFor('account.move').where('invoice_origin', 'in', unique).where('move_type', 'in', [...CUSTOMER_MOVE_TYPES]).build();
      const moves = await searchRead<OdooMove>('account.move', domain, MOVE_FIELDS, 'id asc');
      return groupBy(unique, moves, (m) => (m.invoice_origin === false ? null : m.invoice_origin));
    },

    async openItemsByPartnerIds(partnerIds) {
      const unique = uniqueIds(partnerIds);
      if (unique.length === 0) return new Map();
      const domain = domainFor('account.move')
        .where('partner_id', 'in', unique)
        .where('move_type', 'in', [...CUSTOMER_MOVE_TYPES])
        .where('state', '=', 'posted')
        .where('amount_residual', '!=', 0)
        .build();
      const moves = await searchRead<OdooMove>('account.move', domain, MOVE_FIELDS, 'invoice_date_due asc, id asc');
      return groupBy(unique, moves, (m) => many2oneId(m.partner_id));
    },

    async createOrder(input) {
      const lines = input.lines.map((l) => [0, 0, { product_id: l.productId, product_uom_qty: l.quantity }]);
      const vals: Record<string, unknown> = { partner_id: input.partnerId, order_line: lines };
      if (input.clientOrderRef !== undefined) vals.client_order_ref = input.clientOrderRef;
      if (input.origin !== undefined) vals.origin = input.origin;
      const created = await write<number | number[]>('sale.order', 'create', [[vals]]);
      const id = Array.isArray(created) ? created[0] : created;
      if (typeof id !== 'number') throw new TypeError('odoo: sale.order.create returned no id');
      return id;
    },
    async confirmOrder(id) {
      await write('sale.order', 'action_confirm', [[id]]);
    },
    async cancelOrder(id) {
      // Without this context, Odoo 17+ answers a confirmed order with the cancel wizard's action and cancels nothing.
      await write('sale.order', 'action_cancel', [[id]], { context: { disable_cancel_warning: true } });
    },
    async unlinkDraftOrder(id) {
      await write('sale.order', 'unlink', [[id]]);
    },
    async setSalesWarn(partnerId, warn, message) {
      await write('res.partner', 'write', [[partnerId], { sale_warn: warn, sale_warn_msg: message }]);
    },

    call<T>(model: string, method: string, args: readonly unknown[] = [], kwargs: Record<string, unknown> = {}) {
      return READ_METHODS.has(method) ? read<T>(model, method, args, kwargs) : write<T>(model, method, args, kwargs);
    },
  };
}
