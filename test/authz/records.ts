import { salesforceId } from '../../sandbox/world/salesforce-id.js';
import type { SkeletonCustomer } from '../../sandbox/world/skeleton.js';
import type { RunningSystem } from '../../scripts/system.js';

/** Ids of one customer's records, as the entry points take them. */
export interface CustomerRecords {
  customerId: string;
  customerName: string;
  orderId: string;
  orderNumber: string;
  invoiceId: string;
  invoiceNumber: string;
  caseId: string;
}

/** Real records for authorization tests, read from the sandboxes through the system's connectors. */
export interface AuthzRecords {
  /** The reseller the partner principal acts for (its Salesforce Account Id). */
  reseller: string;
  /** The reseller's customer with the most data behind its fields: an order whose products all resolve, its invoice, a case citing it and a product of it. */
  own: CustomerRecords & { sku: string; searchName: string };
  /** A customer of another reseller. */
  other: CustomerRecords;
  /** That other reseller (its Salesforce Account Id). */
  otherReseller: string;
  /** A direct customer (no reseller). */
  direct: CustomerRecords;
  /** Well-formed ids that match nothing. */
  unknown: CustomerRecords;
  /** Every customer, order and invoice id of the reseller's customers. */
  partnerCustomerIds: Set<string>;
  partnerOrderIds: Set<string>;
  partnerInvoiceIds: Set<string>;
}

function firstOrThrow<T>(items: readonly T[], what: string): T {
  const item = items[0];
  if (item === undefined) throw new Error(`no ${what} in the seeded world`);
  return item;
}

/** Finds the records (a handful of batched backend calls). */
export async function findRecords(system: RunningSystem): Promise<AuthzRecords> {
  const skeleton = system.skeleton;
  if (!skeleton) throw new Error('authorization tests need the sandboxes');
  const { odoo, serviceDesk } = system.connectors;
  const ex = skeleton.examples;

  const recordsOf = async (customer: SkeletonCustomer, orderId?: number): Promise<CustomerRecords> => {
    const orders = [...(await odoo.ordersByIds(orderId ? [orderId] : customer.orders.map((o) => o.odooId))).values()];
    const order = firstOrThrow(orders, `order of ${customer.accountId}`);
    const invoices = (await odoo.movesByOrderNames([order.name])).get(order.name) ?? [];
    const invoice = invoices.length
      ? invoices[0]!
      : firstOrThrow([...(await odoo.movesByIds((await odoo.moveIdsByPartnerIds([customer.odooPartnerId])).get(customer.odooPartnerId) ?? [])).values()], `invoice of ${customer.accountId}`);
    // A ticket citing the order, with an internal note if one has.
    const citing = ((await serviceDesk.ticketsByOrderNumbers([order.name])).get(order.name) ?? []).filter((t) => t.organization_id === customer.zendeskOrgId).map((t) => t.id);
    const ticketIds = citing.length ? citing : ((await serviceDesk.ticketsByOrganizationIds([customer.zendeskOrgId])).get(customer.zendeskOrgId) ?? []).map((t) => t.id);
    const comments = await serviceDesk.commentsByTicketIds(ticketIds);
    const ticketId = ticketIds.find((id) => comments.get(id)?.some((m) => !m.public)) ?? firstOrThrow(ticketIds, `ticket of ${customer.accountId}`);
    return {
      customerId: customer.accountId,
      customerName: customer.name,
      orderId: String(order.id),
      orderNumber: order.name,
      invoiceId: String(invoice.id),
      invoiceNumber: String(invoice.name),
      caseId: String(ticketId),
    };
  };

  const partnerCustomers = skeleton.customers.filter((c) => c.resellerIndex !== null && skeleton.resellers[c.resellerIndex]!.accountId === ex.reseller);

  // An order is usable when every product resolves (archived ones do not); better with deliveries, invoices and a case citing it with an internal note.
  const orderScore = async (customer: SkeletonCustomer, orderId: number): Promise<number> => {
    const order = (await odoo.ordersByIds([orderId])).get(orderId)!;
    const lines = [...(await odoo.orderLinesByIds(order.order_line)).values()];
    const productIds = lines.flatMap((l) => (Array.isArray(l.product_id) ? [l.product_id[0]] : []));
    const products = await odoo.productsByIds(productIds);
    if (productIds.length === 0 || productIds.some((id) => !products.has(id))) return -1;
    const citing = ((await serviceDesk.ticketsByOrderNumbers([order.name])).get(order.name) ?? []).filter((t) => t.organization_id === customer.zendeskOrgId);
    const comments = await serviceDesk.commentsByTicketIds(citing.map((t) => t.id));
    const internal = [...comments.values()].some((list) => list.some((m) => !m.public));
    return (order.picking_ids.length ? 1 : 0) + (order.invoice_ids.length ? 1 : 0) + (citing.length ? 2 : 0) + (internal ? 4 : 0);
  };
  // The reseller's richest customer, so that every field has data behind it: revenue, credit limit and the best order.
  const accounts = await system.connectors.salesforce.accountsByIds(partnerCustomers.map((c) => c.accountId));
  const erpPartners = await odoo.partnersByIds(partnerCustomers.map((c) => c.odooPartnerId));
  let best: { customer: SkeletonCustomer; orderId: number; score: number } | undefined;
  for (const c of partnerCustomers) {
    if (!c.hasErpPartner) continue;
    const base = (accounts.get(c.accountId)?.AnnualRevenue ? 16 : 0) + (erpPartners.get(c.odooPartnerId)?.credit_limit ? 16 : 0);
    for (const o of c.orders) {
      const score = await orderScore(c, o.odooId);
      if (score >= 0 && (!best || base + score > best.score)) best = { customer: c, orderId: o.odooId, score: base + score };
    }
  }
  if (!best) throw new Error('no customer of the reseller has an order whose products all resolve');
  const own = best.customer;
  const ownRecords = await recordsOf(own, best.orderId);
  const ownOrder = (await odoo.ordersByIds([Number(ownRecords.orderId)])).get(Number(ownRecords.orderId))!;
  const firstLine = firstOrThrow([...(await odoo.orderLinesByIds(ownOrder.order_line)).values()], 'order line');
  const product = (await odoo.productsByIds([Array.isArray(firstLine.product_id) ? firstLine.product_id[0] : 0])).values().next().value;
  if (!product || typeof product.default_code !== 'string') throw new Error('the chosen order has no product with a SKU');
  // `customers(search:)` matches substrings: search for a name no other account contains, so that every role sees the same rows.
  const names = [...skeleton.customers.map((c) => c.name), ...skeleton.resellers.map((r) => r.name)].map((n) => n.toLowerCase());
  const unique = (name: string) => names.filter((n) => n.includes(name.toLowerCase())).length === 1;
  const searchName = [own, ...partnerCustomers].map((c) => c.name).find(unique);
  if (!searchName) throw new Error('no customer of the reseller has a name no other account contains');

  const partnerIds = partnerCustomers.filter((c) => c.hasErpPartner).map((c) => c.odooPartnerId);
  const moveIds = await odoo.moveIdsByPartnerIds(partnerIds);

  return {
    reseller: ex.reseller,
    own: { ...ownRecords, sku: product.default_code, searchName },
    other: await recordsOf(skeleton.byAccountId.get(ex.otherResellerCustomer)!),
    otherReseller: skeleton.resellers[skeleton.byAccountId.get(ex.otherResellerCustomer)!.resellerIndex!]!.accountId,
    direct: await recordsOf(skeleton.byAccountId.get(ex.fewOrders)!),
    unknown: {
      customerId: salesforceId('001', 999_999),
      customerName: 'No Such Customer Ltd',
      orderId: '99999999',
      orderNumber: 'S99999999',
      invoiceId: '99999999',
      invoiceNumber: 'INV/2026/99999',
      caseId: '99999999',
    },
    partnerCustomerIds: new Set(partnerCustomers.map((c) => c.accountId)),
    partnerOrderIds: new Set(partnerCustomers.flatMap((c) => c.orders.map((o) => String(o.odooId)))),
    partnerInvoiceIds: new Set([...moveIds.values()].flat().map(String)),
  };
}

/** Argument values of each entry point for one customer's records. */
export function entryArgs(r: CustomerRecords & { sku?: string; searchName?: string }): Record<string, Record<string, string | number>> {
  return {
    customer: { id: r.customerId },
    customers: { search: r.searchName ?? r.customerName, first: 2 },
    order: { id: r.orderId },
    orderByNumber: { number: r.orderNumber },
    product: { sku: r.sku ?? 'NO-SUCH-SKU' },
    invoice: { id: r.invoiceId },
    invoiceByNumber: { number: r.invoiceNumber },
    case: { id: r.caseId },
  };
}
