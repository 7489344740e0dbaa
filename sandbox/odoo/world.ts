import { createRng, type Rng } from '../common/rng.js';
import { buildSkeleton, WORLD_NOW, type SkeletonCustomer, type WorldOptions, type WorldSkeleton } from '../world/skeleton.js';
import { lineAmounts, round2 } from './models.js';
import { formatDatetime } from './sale-flow.js';
import type { OdooData, OdooRecord } from './types.js';

/**
 * The seeded Odoo database derived from the world skeleton: partners (with the Salesforce
 * Account Id in `ref`), products, two warehouses with stock, sales orders with lines, deliveries
 * and invoices in every state. Deterministic in (seed, customers).
 */

/** The partner whose `ref` matches no Salesforce account (data-quality case). */
export const ORPHAN_PARTNER_REF = '001XX000000ORPHANX';
/** The API user's partner id. */
export const API_USER_PARTNER_ID = 2;

/** The built database plus the skeleton it came from. */
export interface OdooWorld extends OdooData {
  skeleton: WorldSkeleton;
}

const DAY = 86_400_000;
const fmtDate = (d: Date) => d.toISOString().slice(0, 10);
const pad5 = (n: number) => String(n).padStart(5, '0');

const COUNTRIES: Array<{ id: number; name: string; code: string; cities: Array<[string, string]>; phone: string }> = [
  { id: 1, name: 'Belgium', code: 'BE', cities: [['Brussels', '1000'], ['Antwerpen', '2000'], ['Gent', '9000'], ['Liège', '4000']], phone: '+32' },
  { id: 2, name: 'Germany', code: 'DE', cities: [['Berlin', '10115'], ['München', '80331'], ['Hamburg', '20095'], ['Köln', '50667']], phone: '+49' },
  { id: 3, name: 'France', code: 'FR', cities: [['Paris', '75001'], ['Lyon', '69001'], ['Lille', '59000'], ['Nantes', '44000']], phone: '+33' },
  { id: 4, name: 'Netherlands', code: 'NL', cities: [['Amsterdam', '1012'], ['Utrecht', '3511'], ['Rotterdam', '3011']], phone: '+31' },
  { id: 5, name: 'Italy', code: 'IT', cities: [['Milano', '20121'], ['Torino', '10121'], ['Bologna', '40121']], phone: '+39' },
  { id: 6, name: 'Spain', code: 'ES', cities: [['Madrid', '28001'], ['Barcelona', '08001'], ['Valencia', '46001']], phone: '+34' },
  { id: 7, name: 'Austria', code: 'AT', cities: [['Wien', '1010'], ['Graz', '8010']], phone: '+43' },
  { id: 8, name: 'United Kingdom', code: 'GB', cities: [['London', 'EC1A 1BB'], ['Manchester', 'M1 1AE'], ['Bristol', 'BS1 4DJ']], phone: '+44' },
];
const STREETS = ['Rue de la Loi', 'Hauptstraße', 'Avenue des Champs', 'Keizersgracht', 'Via Roma', 'Calle Mayor', 'Ringstraße', 'High Street', 'Market Square', 'Station Road'];
const FIRST = ['Anna', 'Bruno', 'Clara', 'David', 'Elena', 'Felix', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Karin', 'Luca', 'Marie', 'Nils', 'Olga', 'Pablo'];
const LAST = ['Martin', 'Schmidt', 'Dubois', 'Jansen', 'Rossi', 'Garcia', 'Huber', 'Smith', 'Peeters', 'Weber', 'Bernard', 'Visser'];
const PAYMENT_TERMS: Array<[number, string, number]> = [
  [1, 'Immediate Payment', 0],
  [2, '15 Days', 15],
  [3, '30 Days', 30],
  [4, '45 Days', 45],
  [5, '60 Days', 60],
];
const CARRIERS: Array<[number, string]> = [
  [1, 'DHL Express'],
  [2, 'UPS Standard'],
  [3, 'Local Courier'],
];

interface Family {
  prefix: string;
  categ: number;
  count: number;
  type: 'product' | 'consu';
  price: [number, number];
  names: string[];
  kinds: string[];
  maxQty: number;
}
const FAMILIES: Family[] = [
  { prefix: 'BK', categ: 3, count: 30, type: 'product', price: [450, 3600], names: ['Trail', 'Road', 'City', 'Gravel', 'Kids', 'Touring', 'Cargo', 'Folding'], kinds: ['Runner', 'Pro', 'Comfort', 'Sport', 'Elite', 'Explorer'], maxQty: 4 },
  { prefix: 'FR', categ: 4, count: 15, type: 'product', price: [180, 900], names: ['Alloy', 'Carbon', 'Steel', 'Titanium'], kinds: ['Frame S', 'Frame M', 'Frame L', 'Fork'], maxQty: 6 },
  { prefix: 'WH', categ: 4, count: 20, type: 'product', price: [60, 420], names: ['Front', 'Rear', 'Tubeless', 'Disc'], kinds: ['Wheel 26"', 'Wheel 27.5"', 'Wheel 29"', 'Wheel 700c'], maxQty: 10 },
  { prefix: 'CP', categ: 4, count: 35, type: 'product', price: [8, 240], names: ['Chain', 'Cassette', 'Brake', 'Derailleur', 'Crankset', 'Saddle', 'Pedal'], kinds: ['11s', '12s', 'Hydraulic', 'Pro', 'Basic'], maxQty: 20 },
  { prefix: 'AC', categ: 5, count: 30, type: 'product', price: [5, 160], names: ['Helmet', 'Lock', 'Light', 'Pump', 'Bottle', 'Bag', 'Computer'], kinds: ['Urban', 'Sport', 'Compact', 'XL', 'Classic'], maxQty: 20 },
  { prefix: 'AP', categ: 6, count: 15, type: 'consu', price: [15, 140], names: ['Jersey', 'Gloves', 'Jacket', 'Socks', 'Shorts'], kinds: ['Summer', 'Winter', 'Rain'], maxQty: 15 },
  { prefix: 'TL', categ: 5, count: 5, type: 'product', price: [12, 300], names: ['Tool Kit', 'Torque Wrench', 'Work Stand'], kinds: ['Home', 'Workshop'], maxQty: 5 },
];
/** Product ids archived in the seeded catalog. */
export const ARCHIVED_PRODUCT_IDS = [29, 58, 87, 116, 145];

function ean13(n: number): string {
  const body = `540${String(1_000_000_000 + n * 7919).slice(-9)}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[i]) * (i % 2 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

function vatFor(code: string, rng: Rng): string {
  const digits = (n: number) => Array.from({ length: n }, () => rng.int(0, 9)).join('');
  switch (code) {
    case 'BE':
      return `BE0${digits(9)}`;
    case 'FR':
      return `FR${digits(11)}`;
    case 'NL':
      return `NL${digits(9)}B01`;
    case 'IT':
      return `IT${digits(11)}`;
    case 'ES':
      return `ESB${digits(8)}`;
    case 'AT':
      return `ATU${digits(8)}`;
    default:
      return `${code}${digits(9)}`;
  }
}

/** Builds the Odoo database of a world. */
export function buildOdooWorld(options: WorldOptions = {}): OdooWorld {
  const skeleton = buildSkeleton(options);
  const seed = skeleton.seed;
  const rec = new Map<string, OdooRecord[]>();
  const put = (model: string, row: OdooRecord) => {
    let list = rec.get(model);
    if (!list) rec.set(model, (list = []));
    list.push(row);
    return row;
  };
  const sequences = new Map<string, number>();

  // ---- reference data
  put('res.company', { id: 1, name: 'Retail Example Co', partner_id: 1, currency_id: 1, sequence: 10 });
  put('res.currency', { id: 1, name: 'EUR', symbol: '€', rounding: 0.01, decimal_places: 2, active: true });
  put('res.currency', { id: 2, name: 'USD', symbol: '$', rounding: 0.01, decimal_places: 2, active: true });
  for (const c of COUNTRIES) put('res.country', { id: c.id, name: c.name, code: c.code });
  for (const [id, name, days] of PAYMENT_TERMS) put('account.payment.term', { id, name, sequence: id, days, active: true });
  put('uom.uom', { id: 1, name: 'Units', factor: 1, active: true });
  put('uom.uom', { id: 2, name: 'Dozens', factor: 1 / 12, active: true });
  const categs: Array<[number, string, number | false]> = [
    [1, 'All', false],
    [2, 'Saleable', 1],
    [3, 'Bikes', 2],
    [4, 'Parts', 2],
    [5, 'Accessories', 2],
    [6, 'Apparel', 2],
  ];
  const categName = (id: number): string => {
    const c = categs.find((x) => x[0] === id)!;
    return c[2] === false ? c[1] : `${categName(c[2])} / ${c[1]}`;
  };
  for (const [id, name, parent] of categs) put('product.category', { id, name, complete_name: categName(id), parent_id: parent });
  for (const [id, name] of CARRIERS) put('delivery.carrier', { id, name, delivery_type: 'fixed', sequence: id, active: true });
  put('res.partner.category', { id: 1, name: 'VIP', active: true });
  put('res.partner.category', { id: 2, name: 'Key Account', active: true });
  put('res.partner.category', { id: 3, name: 'Wholesale', active: true });
  put('res.users', { id: 1, name: 'OdooBot', login: '__system__', partner_id: 1, active: false });
  put('res.users', { id: 2, name: 'API Integration', login: 'api@retail.example', partner_id: API_USER_PARTNER_ID, active: true });
  put('ir.config_parameter', { id: 1, key: 'web.base.url', value: 'http://127.0.0.1:4101' });
  put('ir.config_parameter', { id: 2, key: 'database.uuid', value: `retail-${seed}` });

  // ---- warehouses and locations (Odoo's usual ids)
  const loc = (id: number, name: string, complete: string, parent: number | false, usage: string, wh: number | false) =>
    put('stock.location', { id, name, complete_name: complete, location_id: parent, usage, warehouse_id: wh, active: true, company_id: usage === 'internal' || usage === 'view' ? 1 : false });
  loc(1, 'Physical Locations', 'Physical Locations', false, 'view', false);
  loc(2, 'Partners', 'Partners', false, 'view', false);
  loc(4, 'Vendors', 'Partners/Vendors', 2, 'supplier', false);
  loc(5, 'Customers', 'Partners/Customers', 2, 'customer', false);
  loc(7, 'WH', 'WH', 1, 'view', 1);
  loc(8, 'Stock', 'WH/Stock', 7, 'internal', 1);
  loc(11, 'EU2', 'EU2', 1, 'view', 2);
  loc(12, 'Stock', 'EU2/Stock', 11, 'internal', 2);
  put('stock.warehouse', { id: 1, name: 'Main Warehouse', code: 'WH', lot_stock_id: 8, view_location_id: 7, partner_id: 1, sequence: 1, active: true, company_id: 1 });
  put('stock.warehouse', { id: 2, name: 'Second Warehouse', code: 'EU2', lot_stock_id: 12, view_location_id: 11, partner_id: 1, sequence: 2, active: true, company_id: 1 });
  const ptype = (id: number, name: string, code: string, seqCode: string, wh: number, src: number, dest: number) =>
    put('stock.picking.type', { id, name, code, sequence_code: seqCode, warehouse_id: wh, default_location_src_id: src, default_location_dest_id: dest, sequence: id });
  ptype(1, 'Receipts', 'incoming', 'IN', 1, 4, 8);
  ptype(2, 'Delivery Orders', 'outgoing', 'OUT', 1, 8, 5);
  ptype(3, 'Receipts', 'incoming', 'IN', 2, 4, 12);
  ptype(4, 'Delivery Orders', 'outgoing', 'OUT', 2, 12, 5);
  const WAREHOUSE = { 1: { stock: 8, outType: 2, inType: 1, code: 'WH' }, 2: { stock: 12, outType: 4, inType: 3, code: 'EU2' } } as const;

  // ---- products
  const prodRng = createRng(seed).fork('odoo-products');
  const products: OdooRecord[] = [];
  let pid = 1;
  for (const fam of FAMILIES) {
    for (let k = 0; k < fam.count; k++, pid++) {
      const name = `${fam.names[k % fam.names.length]} ${fam.kinds[Math.floor(k / fam.names.length) % fam.kinds.length]}${k >= fam.names.length * fam.kinds.length ? ` ${k}` : ''}`;
      const price = round2(prodRng.int(fam.price[0], fam.price[1]) - 0.01);
      const p = put('product.product', {
        id: pid,
        name,
        default_code: `${fam.prefix}-${1000 + pid}`,
        barcode: ean13(pid),
        list_price: price,
        standard_price: round2(price * (0.5 + prodRng.next() * 0.2)),
        type: fam.type,
        invoice_policy: 'order',
        categ_id: fam.categ,
        uom_id: 1,
        uom_po_id: 1,
        product_tmpl_id: pid,
        sale_ok: true,
        purchase_ok: true,
        weight: round2(prodRng.next() * (fam.prefix === 'BK' ? 20 : 2)),
        active: !ARCHIVED_PRODUCT_IDS.includes(pid),
        company_id: false,
      });
      products.push(p);
      put('product.template', { id: pid, name, default_code: p.default_code, list_price: price, type: fam.type, active: p.active, priority: '0' });
    }
  }
  const maxQtyOf = new Map<number, number>();
  {
    let id = 1;
    for (const fam of FAMILIES) for (let k = 0; k < fam.count; k++) maxQtyOf.set(id++, fam.maxQty);
  }
  const activeProducts = products.filter((p) => p.active);

  // ---- quants (stock on hand); reservations are added while deliveries are built
  const quantRng = createRng(seed).fork('odoo-quants');
  const quantByKey = new Map<string, OdooRecord>();
  let quantId = 1;
  for (const p of products) {
    if (p.type !== 'product') continue;
    for (const [wh, location] of [[1, 8], [2, 12]] as const) {
      const zero = quantRng.chance(wh === 1 ? 0.08 : 0.3);
      const qty = zero ? 0 : quantRng.int(wh === 1 ? 5 : 1, wh === 1 ? 400 : 120);
      const q = put('stock.quant', { id: quantId++, product_id: p.id, location_id: location, quantity: qty, reserved_quantity: 0 });
      quantByKey.set(`${p.id}:${location}`, q);
    }
  }

  // ---- partners
  const partnerRng = createRng(seed).fork('odoo-partners');
  put('res.partner', { id: 1, name: 'Retail Example Co', is_company: true, type: 'contact', email: 'info@retail.example', phone: '+32 2 555 0100', street: '1 Rue du Commerce', city: 'Brussels', zip: '1000', country_id: 1, active: true, customer_rank: 0, supplier_rank: 0, sale_warn: 'no-message', company_id: 1, ref: false, vat: 'BE0477472701' });
  put('res.partner', { id: API_USER_PARTNER_ID, name: 'API Integration', is_company: false, type: 'contact', parent_id: false, email: 'api@retail.example', active: true, customer_rank: 0, supplier_rank: 0, sale_warn: 'no-message', company_id: 1 });
  put('res.partner', { id: 3, name: 'Velo Parts Supply GmbH', is_company: true, type: 'contact', email: 'orders@veloparts.example', country_id: 2, city: 'Köln', active: true, customer_rank: 0, supplier_rank: 5, sale_warn: 'no-message', vat: 'DE811569869' });
  put('res.partner', { id: 4, name: 'Frameworks Manufacturing BV', is_company: true, type: 'contact', email: 'sales@frameworks.example', country_id: 4, city: 'Utrecht', active: true, customer_rank: 0, supplier_rank: 3, sale_warn: 'no-message', vat: 'NL853746333B01' });

  const termDays = new Map(PAYMENT_TERMS.map(([id, , days]) => [id, days]));
  const partnerTerm = new Map<number, number>();
  const childSeed: Array<{ parent: OdooRecord; country: (typeof COUNTRIES)[number] }> = [];
  for (const c of skeleton.customers) {
    if (!c.hasErpPartner) continue;
    const country = partnerRng.pick(COUNTRIES);
    const [city, zip] = partnerRng.pick(country.cities);
    const term = partnerRng.pick([1, 2, 3, 3, 3, 4, 5]);
    partnerTerm.set(c.odooPartnerId, term);
    const warn = c.onSalesBlock ? 'block' : partnerRng.chance(0.04) ? 'warning' : 'no-message';
    const p = put('res.partner', {
      id: c.odooPartnerId,
      name: c.name,
      is_company: true,
      type: 'contact',
      parent_id: false,
      ref: c.accountId,
      vat: partnerRng.chance(0.9) ? vatFor(country.code, partnerRng) : false,
      street: `${STREETS[partnerRng.int(0, STREETS.length - 1)]} ${partnerRng.int(1, 250)}`,
      city,
      zip,
      country_id: country.id,
      email: `accounts@${slug(c.name)}.example`,
      phone: `${country.phone} ${partnerRng.int(10, 99)} ${partnerRng.int(100, 999)} ${partnerRng.int(1000, 9999)}`,
      website: `https://www.${slug(c.name)}.example`,
      property_payment_term_id: term,
      credit_limit: partnerRng.pick([0, 5000, 10000, 25000, 50000, 100000]),
      sale_warn: warn,
      sale_warn_msg:
        warn === 'block' ? 'Credit hold: overdue invoices. Contact finance before confirming new orders.' : warn === 'warning' ? 'Check the delivery address with the customer before shipping.' : false,
      customer_rank: 1 + c.orders.length,
      supplier_rank: 0,
      category_id: partnerRng.chance(0.1) ? [partnerRng.int(1, 3)] : [],
      active: true,
      company_id: false,
      lang: 'en_US',
    });
    if (c.index % 3 === 0) childSeed.push({ parent: p, country });
  }
  put('res.partner', {
    id: skeleton.orphanErpPartnerId,
    name: 'Legacy Import Customer (unmatched)',
    is_company: true,
    type: 'contact',
    parent_id: false,
    ref: ORPHAN_PARTNER_REF,
    vat: false,
    street: 'Unknown',
    city: 'Brussels',
    zip: '1000',
    country_id: 1,
    email: 'unknown@legacy-import.example',
    property_payment_term_id: 3,
    credit_limit: 0,
    sale_warn: 'no-message',
    customer_rank: 1,
    supplier_rank: 0,
    category_id: [],
    active: true,
    company_id: false,
  });
  let partnerSeq = skeleton.orphanErpPartnerId + 1;
  for (const { parent, country } of childSeed) {
    const first = partnerRng.pick(FIRST);
    const last = partnerRng.pick(LAST);
    put('res.partner', {
      id: partnerSeq++,
      name: `${first} ${last}`,
      is_company: false,
      type: 'invoice',
      parent_id: parent.id,
      email: `${first.toLowerCase()}.${last.toLowerCase()}@${slug(String(parent.name))}.example`,
      phone: `${country.phone} ${partnerRng.int(10, 99)} ${partnerRng.int(100, 999)} ${partnerRng.int(1000, 9999)}`,
      street: parent.street,
      city: parent.city,
      zip: parent.zip,
      country_id: parent.country_id,
      customer_rank: 0,
      supplier_rank: 0,
      sale_warn: 'no-message',
      category_id: [],
      active: true,
      company_id: false,
    });
  }

  // ---- orders, lines, deliveries, invoices (in order id order = oldest first)
  const orderRng = createRng(seed).fork('odoo-orders');
  const pairs: Array<{ customer: SkeletonCustomer; odooId: number; number: string; ageDays: number }> = [];
  for (const c of skeleton.customers) {
    if (!c.hasErpPartner) continue;
    for (const o of c.orders) pairs.push({ customer: c, odooId: o.odooId, number: o.number, ageDays: o.ageDays });
  }
  pairs.sort((a, b) => a.odooId - b.odooId);

  let lineId = 1;
  let pickingId = 1;
  let moveId = 1;
  let invoiceId = 1;
  const pickingSeq = new Map<string, number>();
  const nextPickingName = (prefix: string) => {
    const n = (pickingSeq.get(prefix) ?? 0) + 1;
    pickingSeq.set(prefix, n);
    return `${prefix}/${pad5(n)}`;
  };
  const moveSeq = new Map<string, number>();
  const nextMoveName = (prefix: string, year: string) => {
    const key = `${prefix}.${year}`;
    const n = (moveSeq.get(key) ?? 0) + 1;
    moveSeq.set(key, n);
    return `${prefix}/${year}/${pad5(n)}`;
  };
  const tracking = (carrier: number, r: Rng) =>
    carrier === 1 ? `JD0146000${r.int(100000000, 999999999)}` : carrier === 2 ? `1Z${r.int(100000, 999999)}A${r.int(1000000000, 9999999999)}` : `LC-${r.int(100000, 999999)}`;
  const todayMs = Date.UTC(WORLD_NOW.getUTCFullYear(), WORLD_NOW.getUTCMonth(), WORLD_NOW.getUTCDate());
  let maxOrderId = 0;

  for (const { customer, odooId, number, ageDays } of pairs) {
    const r = orderRng;
    maxOrderId = Math.max(maxOrderId, odooId);
    const orderMs = WORLD_NOW.getTime() - ageDays * DAY - r.int(0, 8 * 3600) * 1000;
    const orderDate = new Date(orderMs);
    let state: string;
    const roll = r.next();
    if (ageDays <= 3) state = roll < 0.35 ? 'draft' : roll < 0.55 ? 'sent' : 'sale';
    else if (ageDays <= 20) state = roll < 0.08 ? 'draft' : roll < 0.16 ? 'sent' : roll < 0.19 ? 'cancel' : 'sale';
    else state = roll < 0.02 ? 'draft' : roll < 0.03 ? 'sent' : roll < 0.09 ? 'cancel' : 'sale';
    const warehouseId = (r.chance(0.85) ? 1 : 2) as 1 | 2;
    const wh = WAREHOUSE[warehouseId];
    const partnerId = customer.odooPartnerId;
    const term = partnerTerm.get(partnerId) ?? 3;
    put('sale.order', {
      id: odooId,
      name: number,
      partner_id: partnerId,
      partner_invoice_id: partnerId,
      partner_shipping_id: partnerId,
      date_order: formatDatetime(orderDate),
      commitment_date: false,
      validity_date: fmtDate(new Date(orderMs + 30 * DAY)),
      client_order_ref: r.chance(0.3) ? `PO-${r.int(10000, 99999)}` : false,
      origin: false,
      note: false,
      currency_id: 1,
      company_id: 1,
      payment_term_id: term,
      state,
      locked: false,
      warehouse_id: warehouseId,
      carrier_id: false,
    });

    const lineCount = r.int(1, 6);
    const pool = ageDays > 300 ? products : activeProducts;
    const lines: OdooRecord[] = [];
    const usedProducts = new Set<number>();
    for (let k = 0; k < lineCount; k++) {
      const product = r.pick(pool);
      if (usedProducts.has(product.id)) continue;
      usedProducts.add(product.id);
      const qty = r.int(1, maxQtyOf.get(product.id) ?? 10);
      lines.push(
        put('sale.order.line', {
          id: lineId++,
          order_id: odooId,
          sequence: 10 + k,
          product_id: product.id,
          name: `[${String(product.default_code)}] ${String(product.name)}`,
          product_uom_qty: qty,
          product_uom: 1,
          qty_delivered: 0,
          qty_invoiced: 0,
          price_unit: product.list_price,
          discount: r.chance(0.15) ? r.pick([5, 10, 15]) : 0,
          display_type: false,
        }),
      );
    }

    // deliveries
    let deliveredAt: Date | undefined;
    if (state === 'sale' || (state === 'cancel' && r.chance(0.5))) {
      let pickingState: string;
      if (state === 'cancel') pickingState = 'cancel';
      else if (ageDays > 12) pickingState = 'done';
      else if (ageDays > 3) pickingState = r.chance(0.7) ? 'done' : 'assigned';
      else pickingState = r.chance(0.6) ? 'assigned' : 'confirmed';
      const partial = pickingState === 'done' && r.chance(0.04) && lines.some((l) => Number(l.product_uom_qty) >= 2);
      const carrier = r.int(1, 3);
      const scheduled = new Date(orderMs + r.int(1, 3) * DAY);
      const doneAt = new Date(Math.min(orderMs + r.int(1, 5) * DAY + r.int(0, 6 * 3600) * 1000, WORLD_NOW.getTime() - 3600_000));
      const first = put('stock.picking', {
        id: pickingId++,
        name: nextPickingName(`${wh.code}/OUT`),
        origin: number,
        partner_id: partnerId,
        picking_type_id: wh.outType,
        picking_type_code: 'outgoing',
        location_id: wh.stock,
        location_dest_id: 5,
        scheduled_date: formatDatetime(scheduled),
        date_deadline: false,
        date_done: pickingState === 'done' ? formatDatetime(doneAt) : false,
        sale_id: odooId,
        state: pickingState,
        priority: '0',
        carrier_id: pickingState === 'done' || pickingState === 'assigned' ? carrier : false,
        carrier_tracking_ref: pickingState === 'done' ? tracking(carrier, r) : false,
        backorder_id: false,
        company_id: 1,
      });
      if (pickingState === 'done') deliveredAt = doneAt;
      const backorder = partial
        ? put('stock.picking', {
            id: pickingId++,
            name: nextPickingName(`${wh.code}/OUT`),
            origin: number,
            partner_id: partnerId,
            picking_type_id: wh.outType,
            picking_type_code: 'outgoing',
            location_id: wh.stock,
            location_dest_id: 5,
            scheduled_date: formatDatetime(new Date(doneAt.getTime() + 7 * DAY)),
            date_deadline: false,
            date_done: false,
            sale_id: odooId,
            state: r.chance(0.5) ? 'assigned' : 'confirmed',
            priority: '0',
            carrier_id: carrier,
            carrier_tracking_ref: false,
            backorder_id: first.id,
            company_id: 1,
          })
        : undefined;
      for (const line of lines) {
        const product = products[(line.product_id as number) - 1]!;
        const demand = Number(line.product_uom_qty);
        const quant = quantByKey.get(`${product.id}:${wh.stock}`);
        const reserve = (picking: OdooRecord, amount: number): number => {
          if (picking.state !== 'assigned') return 0;
          if (quant) {
            // stock was there when it was reserved
            quant.reserved_quantity = Number(quant.reserved_quantity) + amount;
            if (Number(quant.quantity) < Number(quant.reserved_quantity)) quant.quantity = Number(quant.reserved_quantity) + r.int(0, 10);
          }
          return amount;
        };
        const shipped = partial ? Math.floor(demand / 2) : demand;
        const firstQty = pickingState === 'done' ? shipped : pickingState === 'assigned' ? reserve(first, demand) : 0;
        put('stock.move', {
          id: moveId++,
          name: line.name,
          reference: first.name,
          origin: number,
          picking_id: first.id,
          product_id: product.id,
          product_uom_qty: partial ? shipped : demand,
          quantity: firstQty,
          product_uom: 1,
          location_id: wh.stock,
          location_dest_id: 5,
          state: pickingState === 'done' ? 'done' : pickingState === 'assigned' ? 'assigned' : pickingState === 'cancel' ? 'cancel' : 'confirmed',
          sale_line_id: line.id,
          date: first.date_done || first.scheduled_date,
          sequence: 10,
        });
        if (pickingState === 'done') line.qty_delivered = shipped;
        if (backorder && demand - shipped > 0) {
          const rest = demand - shipped;
          put('stock.move', {
            id: moveId++,
            name: line.name,
            reference: backorder.name,
            origin: number,
            picking_id: backorder.id,
            product_id: product.id,
            product_uom_qty: rest,
            quantity: reserve(backorder, rest),
            product_uom: 1,
            location_id: wh.stock,
            location_dest_id: 5,
            state: backorder.state === 'assigned' ? 'assigned' : 'confirmed',
            sale_line_id: line.id,
            date: backorder.scheduled_date,
            sequence: 10,
          });
        }
      }
    }

    // invoices
    if (state !== 'sale') continue;
    const invoiced = deliveredAt ? r.chance(ageDays > 12 ? 0.92 : 0.6) : r.chance(0.15);
    if (!invoiced) continue;
    const invoiceMs = Math.min((deliveredAt ?? orderDate).getTime() + r.int(0, 3) * DAY, todayMs);
    const invoiceDate = fmtDate(new Date(invoiceMs));
    const dueMs = invoiceMs + (termDays.get(term) ?? 30) * DAY;
    const due = fmtDate(new Date(dueMs));
    let untaxed = 0;
    let tax = 0;
    for (const line of lines) {
      const a = lineAmounts(line);
      untaxed += a.subtotal;
      tax += a.tax;
      line.qty_invoiced = line.product_uom_qty;
    }
    untaxed = round2(untaxed);
    tax = round2(tax);
    const total = round2(untaxed + tax);
    const draft = ageDays <= 30 && r.chance(0.15);
    const sinceDue = Math.floor((todayMs - dueMs) / DAY);
    let payment: string;
    const p = r.next();
    if (draft) payment = 'not_paid';
    else if (customer.onSalesBlock && sinceDue > 0) payment = p < 0.7 ? 'not_paid' : 'paid';
    else if (sinceDue > 60) payment = p < 0.86 ? 'paid' : p < 0.9 ? 'reversed' : p < 0.94 ? 'partial' : 'not_paid';
    else if (sinceDue > 0) payment = p < 0.55 ? 'paid' : p < 0.6 ? 'in_payment' : p < 0.7 ? 'partial' : 'not_paid';
    else payment = p < 0.25 ? 'paid' : p < 0.33 ? 'in_payment' : p < 0.4 ? 'partial' : 'not_paid';
    const residual = payment === 'not_paid' ? total : payment === 'partial' ? round2(total * (0.2 + r.next() * 0.6)) : 0;
    const year = invoiceDate.slice(0, 4);
    const name = draft ? '/' : nextMoveName('INV', year);
    const invoice = put('account.move', {
      id: invoiceId++,
      name,
      move_type: 'out_invoice',
      state: draft ? 'draft' : 'posted',
      payment_state: payment,
      partner_id: partnerId,
      date: invoiceDate,
      invoice_date: draft ? false : invoiceDate,
      invoice_date_due: due,
      invoice_origin: number,
      invoice_payment_term_id: term,
      ref: false,
      payment_reference: draft ? false : name,
      reversed_entry_id: false,
      currency_id: 1,
      company_id: 1,
      amount_untaxed: untaxed,
      amount_tax: tax,
      amount_total: total,
      amount_residual: residual,
    });
    const refund = (fraction: number, paid: boolean) => {
      const refundMs = Math.min(dueMs + r.int(5, 30) * DAY, todayMs);
      const refundDate = fmtDate(new Date(refundMs));
      const rName = nextMoveName('RINV', refundDate.slice(0, 4));
      const rUntaxed = round2(untaxed * fraction);
      const rTax = round2(rUntaxed * 0.2);
      const rTotal = round2(rUntaxed + rTax);
      put('account.move', {
        id: invoiceId++,
        name: rName,
        move_type: 'out_refund',
        state: 'posted',
        payment_state: paid ? 'paid' : 'not_paid',
        partner_id: partnerId,
        date: refundDate,
        invoice_date: refundDate,
        invoice_date_due: refundDate,
        invoice_origin: number,
        invoice_payment_term_id: false,
        ref: `Reversal of: ${name}`,
        payment_reference: rName,
        reversed_entry_id: fraction === 1 ? invoice.id : false,
        currency_id: 1,
        company_id: 1,
        amount_untaxed: rUntaxed,
        amount_tax: rTax,
        amount_total: rTotal,
        amount_residual: paid ? 0 : rTotal,
      });
    };
    if (payment === 'reversed') {
      refund(1, true);
      for (const line of lines) line.qty_invoiced = 0;
    } else if (payment === 'paid' && r.chance(0.03)) refund(0.1, r.chance(0.5));
  }

  // ---- pending receipts from suppliers (incoming quantities)
  const receiptRng = createRng(seed).fork('odoo-receipts');
  const storable = activeProducts.filter((p) => p.type === 'product');
  for (let k = 0; k < 24; k++) {
    const whId = (k % 4 === 3 ? 2 : 1) as 1 | 2;
    const wh = WAREHOUSE[whId];
    const supplier = k % 2 ? 4 : 3;
    const scheduled = formatDatetime(new Date(WORLD_NOW.getTime() + receiptRng.int(1, 20) * DAY));
    const picking = put('stock.picking', {
      id: pickingId++,
      name: nextPickingName(`${wh.code}/IN`),
      origin: `P${pad5(k + 1)}`,
      partner_id: supplier,
      picking_type_id: wh.inType,
      picking_type_code: 'incoming',
      location_id: 4,
      location_dest_id: wh.stock,
      scheduled_date: scheduled,
      date_deadline: false,
      date_done: false,
      sale_id: false,
      state: 'assigned',
      priority: '0',
      carrier_id: false,
      carrier_tracking_ref: false,
      backorder_id: false,
      company_id: 1,
    });
    const count = receiptRng.int(1, 3);
    for (let m = 0; m < count; m++) {
      const product = receiptRng.pick(storable);
      const qtyIn = receiptRng.int(10, 100);
      put('stock.move', {
        id: moveId++,
        name: String(product.name),
        reference: picking.name,
        origin: picking.origin,
        picking_id: picking.id,
        product_id: product.id,
        product_uom_qty: qtyIn,
        quantity: qtyIn,
        product_uom: 1,
        location_id: 4,
        location_dest_id: wh.stock,
        state: 'assigned',
        sale_line_id: false,
        date: scheduled,
        sequence: 10,
      });
    }
  }

  sequences.set('sale.order', maxOrderId + 1);
  for (const [prefix, n] of pickingSeq) sequences.set(`picking.${prefix}`, n + 1);
  for (const [key, n] of moveSeq) sequences.set(`move.${key}`, n + 1);
  return { records: rec, sequences, skeleton };
}
