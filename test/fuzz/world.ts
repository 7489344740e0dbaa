import { buildSkeleton, type SkeletonCustomer, type WorldSkeleton } from '../../sandbox/world/skeleton.js';
import { salesforceId } from '../../sandbox/world/salesforce-id.js';
import { odooCall } from '../support/backends.js';

/**
 * The seeded records the generators aim at. The skeleton is rebuilt here (the seeded world is
 * deterministic); invoices, cases and SKUs, which the skeleton does not name, are read once as
 * an admin through the gateway.
 */

/** One customer with a record of every kind. */
export interface FuzzCustomer {
  id: string;
  name: string;
  /** The reseller's Account Id, or null for a direct customer. */
  reseller: string | null;
  orderId: string;
  orderNumber: string;
  invoiceId?: string;
  invoiceNumber?: string;
  caseId?: string;
}

/** What the generators draw from. */
export interface FuzzWorld {
  skeleton: WorldSkeleton;
  resellers: string[];
  customers: FuzzCustomer[];
  /** Direct customers the hostile mutations may write to (no other class reads them). */
  scratch: FuzzCustomer[];
  /** Customers of other resellers than the first whose records no set-up read went through the system for (cold in every cache). */
  untouched: FuzzCustomer[];
  skus: string[];
}

/** The nonexistent twin of a foreign value: same kind, asked alongside it every time, so that both share one history. */
export function twinOf(kind: 'customer' | 'order' | 'orderNumber' | 'invoice' | 'invoiceNumber' | 'case' | 'name', value: string): string {
  switch (kind) {
    case 'customer': {
      let n = 0;
      for (const ch of value) n = (n * 31 + ch.charCodeAt(0)) % 90_000;
      return salesforceId('001', 900_000 + n);
    }
    case 'order':
    case 'invoice':
    case 'case':
      return String(90_000_000 + Number(value));
    case 'orderNumber':
      return `S9${value.slice(1)}`;
    case 'invoiceNumber':
      return value.replace(/^([A-Z]+)\/\d{4}\//, '$1/2099/');
    case 'name':
      return `${value} Zq`;
  }
}

const INVOICE_NUMBER = /^[A-Z]+\/\d{4}\/\d+$/;

/** Whether no other account's name contains this one: a search for it finds that account alone. */
export function hasUniqueName(skeleton: WorldSkeleton, name: string): boolean {
  const lower = name.toLowerCase();
  return [...skeleton.customers, ...skeleton.resellers].filter((a) => a.name.toLowerCase().includes(lower)).length === 1;
}

/** A GraphQL request as admin; throws on errors (the world must be readable). */
export type AdminQuery = (query: string) => Promise<Record<string, any>>;

/** Reads the world: skeleton, then the invoices, cases and SKUs of the customers used (through the gateway), and the invoices of untouched ones (from Odoo itself). */
export async function discoverWorld(adminQuery: AdminQuery, odooUrl: string, customers = 200): Promise<FuzzWorld> {
  const skeleton = buildSkeleton({ customers, seed: 42 });
  const resellers = skeleton.resellers.map((r) => r.accountId);
  const usable = (c: SkeletonCustomer) => c.hasErpPartner && c.orders.length > 0 && !c.onSalesBlock;
  const base = skeleton.customers.filter(usable);
  const direct = base.filter((c) => c.resellerIndex === null);
  const scratchIds = new Set(direct.slice(-4).map((c) => c.accountId));
  // Every reseller's customers and direct ones, a few of each, plus the scratch customers.
  const picked = [
    ...skeleton.resellers.flatMap((_, i) => base.filter((c) => c.resellerIndex === i).slice(0, 4)),
    ...direct.filter((c) => !scratchIds.has(c.accountId)).slice(0, 6),
    ...direct.filter((c) => scratchIds.has(c.accountId)),
  ];
  const field = (c: SkeletonCustomer, i: number) => `c${i}: customer(id: "${c.accountId}") { invoices(first: 1) { edges { node { id number } } } cases(first: 1) { edges { node { id } } } }
      o${i}: order(id: "${c.orders[0]!.odooId}") { lines { product { sku } } }`;
  // Ten customers a query: within the gateway's limits on aliases and root fields.
  const data: Record<string, any> = {};
  for (let start = 0; start < picked.length; start += 10) {
    const fields = picked.slice(start, start + 10).map((c, j) => field(c, start + j)).join('\n');
    Object.assign(data, await adminQuery(`{ ${fields} }`));
  }
  const out: FuzzCustomer[] = picked.map((c, i) => {
    const first = data[`c${i}`]?.invoices?.edges?.[0]?.node;
    // A draft's name is "/": no number to look it up by, and no text to mask.
    const invoice = first && INVOICE_NUMBER.test(String(first.number)) ? first : undefined;
    const ticket = data[`c${i}`]?.cases?.edges?.[0]?.node;
    return {
      id: c.accountId,
      name: c.name,
      reseller: c.resellerIndex === null ? null : resellers[c.resellerIndex]!,
      orderId: String(c.orders[0]!.odooId),
      orderNumber: c.orders[0]!.number,
      ...(invoice ? { invoiceId: String(invoice.id), invoiceNumber: String(invoice.number) } : {}),
      ...(ticket ? { caseId: String(ticket.id) } : {}),
    };
  });
  const pickedIds = new Set(picked.map((c) => c.accountId));
  const untouched: FuzzCustomer[] = [];
  for (const c of base.filter((x) => x.resellerIndex !== null && x.resellerIndex !== 0 && !pickedIds.has(x.accountId)).slice(0, 4)) {
    const [move] = await odooCall<Array<{ id: number; name: string }>>(odooUrl, 'account.move', 'search_read', [[['partner_id', '=', c.odooPartnerId], ['move_type', 'in', ['out_invoice', 'out_refund']], ['name', '!=', '/']]], { fields: ['name'], limit: 1 });
    untouched.push({
      id: c.accountId,
      name: c.name,
      reseller: resellers[c.resellerIndex!]!,
      orderId: String(c.orders[0]!.odooId),
      orderNumber: c.orders[0]!.number,
      ...(move ? { invoiceId: String(move.id), invoiceNumber: move.name } : {}),
    });
  }
  if (untouched.filter((c) => c.invoiceId).length < 2) throw new Error('the seeded world has too few untouched customers with invoices');
  const skus = [...new Set(picked.flatMap((_, i) => (data[`o${i}`]?.lines ?? []).map((l: { product: { sku: string | null } }) => l.product.sku).filter(Boolean)))] as string[];
  if (skus.length === 0) throw new Error('no SKU found in the seeded orders');
  return {
    skeleton,
    resellers,
    customers: out.filter((c) => !scratchIds.has(c.id)),
    scratch: out.filter((c) => scratchIds.has(c.id)),
    untouched,
    skus,
  };
}
