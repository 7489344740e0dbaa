import { BackendError } from '../../../../platform/errors/backend-error.js';
import { sharedHttpClient } from '../../../../platform/http/client.js';
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

import { INCLUDE_ARCHIVED, type OdooConnector, type OdooConnectorOptions, READ_METHODS, checkOptions, groupBy, many2oneId, uniqueIds, uniqueStrings } from './connector-api.js';
export { type OdooConnector, type OdooConnectorOptions, type OdooOrderInput, many2oneId } from './connector-api.js';

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
      if (current === undefined || prefer?.(r, current)) found.set(key, r);
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
