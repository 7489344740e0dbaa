import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_360 } from '../queries.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { odooCall, salesforceConnection, zendeskGet } from '../support/backends.js';

/**
 * The customer-360 query through the gateway returns exactly what the three systems hold, read
 * here through each backend's own protocol (JSON-RPC, Salesforce REST, Zendesk REST).
 */
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await system?.close();
});

const ORDER_STATUS: Record<string, string> = { draft: 'DRAFT', sent: 'SENT', sale: 'CONFIRMED', done: 'CONFIRMED', cancel: 'CANCELLED' };
const money = (n: number) => n.toFixed(2);

describe('customer 360 through the gateway', () => {
  it('returns what Salesforce, Odoo and Zendesk hold for a customer with 30 orders', async () => {
    const id = system.skeleton!.examples.manyOrders;
    const answer = await system.query(CUSTOMER_360, { id }, { role: 'admin' });
    expect(answer.errors).toBeUndefined();
    const customer = answer.data!.customer;

    // Salesforce, through jsforce.
    const sf = await salesforceConnection(system.sandboxes.salesforce!.url);
    const account = (await sf.sobject('Account').retrieve(id)) as unknown as Record<string, any>;
    expect(customer).toMatchObject({ id, name: account.Name, accountNumber: account.AccountNumber, type: account.Type, industry: account.Industry, website: account.Website, phone: account.Phone });
    const contacts = await sf.query<Record<string, any>>(`SELECT Id, Name, Email FROM Contact WHERE AccountId = '${id}'`);
    expect(customer.contacts.map((c: any) => c.email).sort()).toEqual(contacts.records.map((c) => c.Email).sort());
    expect(customer.contacts.length).toBeGreaterThanOrEqual(2);
    const owner = (await sf.sobject('User').retrieve(account.OwnerId)) as unknown as Record<string, any>;
    expect(customer.owner).toEqual({ id: account.OwnerId, name: owner.Name, email: owner.Email });

    // Odoo, through JSON-RPC.
    const odoo = system.sandboxes.odoo!.url;
    const [partner] = await odooCall(odoo, 'res.partner', 'search_read', [[['ref', '=', id]]], { fields: ['id', 'vat', 'sale_warn', 'credit_limit'] });
    expect(customer.billing).toMatchObject({ vatNumber: partner.vat || null, onHold: partner.sale_warn === 'block' });
    const orders = await odooCall(odoo, 'sale.order', 'search_read', [[['partner_id', '=', partner.id]]], {
      fields: ['name', 'state', 'amount_total', 'amount_untaxed', 'order_line', 'picking_ids', 'invoice_ids', 'client_order_ref'],
      order: 'date_order desc, id desc',
    });
    expect(orders).toHaveLength(30);
    expect(customer.orders.totalCount).toBe(30);
    const gotOrders = customer.orders.edges.map((e: any) => e.node);
    expect(gotOrders.map((o: any) => o.number)).toEqual(orders.map((o: any) => o.name));

    const lineIds = orders.flatMap((o: any) => o.order_line);
    const lines = new Map<number, any>((await odooCall(odoo, 'sale.order.line', 'read', [lineIds, ['product_id', 'product_uom_qty', 'qty_delivered', 'price_unit', 'price_subtotal']])).map((l: any) => [l.id, l]));
    const productIds = [...new Set([...lines.values()].map((l) => l.product_id[0]))];
    const products = new Map<number, any>((await odooCall(odoo, 'product.product', 'read', [productIds, ['default_code', 'name', 'qty_available', 'free_qty', 'virtual_available']])).map((p: any) => [p.id, p]));
    const pickingIds = orders.flatMap((o: any) => o.picking_ids);
    const pickings = new Map<number, any>((await odooCall(odoo, 'stock.picking', 'read', [pickingIds, ['name', 'picking_type_code']])).map((p: any) => [p.id, p]));
    const invoiceIds = orders.flatMap((o: any) => o.invoice_ids);
    const moves = new Map<number, any>((await odooCall(odoo, 'account.move', 'read', [invoiceIds, ['name', 'amount_total', 'amount_residual']])).map((m: any) => [m.id, m]));

    let lineCount = 0;
    for (const [i, order] of orders.entries()) {
      const got = gotOrders[i];
      expect(got).toMatchObject({ id: String(order.id), status: ORDER_STATUS[order.state], amountTotal: { amount: money(order.amount_total) }, amountUntaxed: { amount: money(order.amount_untaxed) }, clientReference: order.client_order_ref || null });
      expect(got.lines.map((l: any) => l.id)).toEqual(order.order_line.map(String));
      for (const line of got.lines) {
        const odooLine = lines.get(Number(line.id));
        const product = products.get(odooLine.product_id[0]);
        lineCount += 1;
        expect(line).toMatchObject({ quantity: odooLine.product_uom_qty, quantityDelivered: odooLine.qty_delivered, unitPrice: { amount: money(odooLine.price_unit) }, subtotal: { amount: money(odooLine.price_subtotal) } });
        expect(line.product).toMatchObject({ id: String(product.id), sku: product.default_code, name: product.name });
        expect(line.product.availability).toMatchObject({ onHand: product.qty_available, free: product.free_qty, forecast: product.virtual_available });
      }
      const outgoing = order.picking_ids.filter((p: number) => pickings.get(p).picking_type_code === 'outgoing').map((p: number) => pickings.get(p).name);
      expect(got.shipments.map((s: any) => s.number).sort()).toEqual(outgoing.sort());
      expect(got.invoices.map((m: any) => m.number).sort()).toEqual(order.invoice_ids.map((m: number) => moves.get(m).name).sort());
    }
    expect(lineCount).toBeGreaterThan(30);

    const partnerMoves = await odooCall(odoo, 'account.move', 'search_count', [[['partner_id', '=', partner.id], ['move_type', 'in', ['out_invoice', 'out_refund']]]]);
    expect(customer.invoices.totalCount).toBe(partnerMoves);

    // Zendesk, through its REST API.
    const zendesk = system.sandboxes.zendesk!.url;
    const { organizations } = await zendeskGet(zendesk, `/api/v2/organizations/show_many.json?external_ids=${id}`);
    const { tickets } = await zendeskGet(zendesk, `/api/v2/organizations/${organizations[0].id}/tickets.json`);
    expect(customer.cases.totalCount).toBe(tickets.length);
    const open = tickets.filter((t: any) => ['new', 'open', 'pending', 'hold'].includes(t.status)).length;
    expect(customer.openCaseCount).toBe(open);
    expect(customer.cases.edges).toHaveLength(tickets.length);
    for (const edge of customer.cases.edges) {
      const ticket = tickets.find((t: any) => String(t.id) === edge.node.id);
      expect(edge.node).toMatchObject({ subject: ticket.subject, status: ticket.status.toUpperCase() });
      const { comments } = await zendeskGet(zendesk, `/api/v2/tickets/${ticket.id}/comments.json`);
      expect(edge.node.comments.map((c: any) => c.body)).toEqual(comments.filter((c: any) => c.public).map((c: any) => c.body));
    }
  });

  it('answers every core entry point', async () => {
    const { examples } = system.skeleton!;
    const odoo = system.sandboxes.odoo!.url;
    const [order] = await odooCall(odoo, 'sale.order', 'search_read', [[['partner_id.ref', '=', examples.manyOrders]]], { fields: ['name', 'invoice_ids'], limit: 1 });
    const [invoice] = await odooCall(odoo, 'account.move', 'read', [[order.invoice_ids[0]], ['name']]);
    const [product] = await odooCall(odoo, 'product.product', 'search_read', [[['default_code', '!=', false]]], { fields: ['default_code', 'name'], limit: 1 });
    const { organizations } = await zendeskGet(system.sandboxes.zendesk!.url, `/api/v2/organizations/show_many.json?external_ids=${examples.manyOrders}`);
    const { tickets } = await zendeskGet(system.sandboxes.zendesk!.url, `/api/v2/organizations/${organizations[0].id}/tickets.json`);

    const answer = await system.query(
      `query($cid: ID!, $oid: ID!, $onum: String!, $iid: ID!, $inum: String!, $sku: String!, $case: ID!) {
        customer(id: $cid) { id name }
        customers(first: 5) { totalCount edges { cursor node { id name } } pageInfo { hasNextPage endCursor } }
        order(id: $oid) { id number customer { id } }
        orderByNumber(number: $onum) { id number }
        invoice(id: $iid) { id number order { number } customer { id } }
        invoiceByNumber(number: $inum) { id number }
        product(sku: $sku) { id sku name availability { free } }
        case(id: $case) { id subject customer { id } }
      }`,
      { cid: examples.manyOrders, oid: String(order.id), onum: order.name, iid: String(invoice.id), inum: invoice.name, sku: product.default_code, case: String(tickets[0].id) },
    );
    expect(answer.errors).toBeUndefined();
    const data = answer.data!;
    expect(data.customer.id).toBe(examples.manyOrders);
    expect(data.customers.edges).toHaveLength(5);
    expect(data.customers.pageInfo.hasNextPage).toBe(true);
    expect(data.order).toMatchObject({ id: String(order.id), number: order.name, customer: { id: examples.manyOrders } });
    expect(data.orderByNumber).toEqual({ id: String(order.id), number: order.name });
    expect(data.invoice).toMatchObject({ id: String(invoice.id), number: invoice.name, customer: { id: examples.manyOrders } });
    expect(data.invoiceByNumber).toEqual({ id: String(invoice.id), number: invoice.name });
    expect(data.product).toMatchObject({ sku: product.default_code, name: product.name });
    expect(data.case).toMatchObject({ id: String(tickets[0].id), subject: tickets[0].subject, customer: { id: examples.manyOrders } });

    // Paging walks every customer exactly once.
    const sf = await salesforceConnection(system.sandboxes.salesforce!.url);
    const expected = await sf.query(`SELECT COUNT() FROM Account WHERE Type != 'Channel Partner / Reseller'`);
    const seen = new Set<string>();
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const res: any = await system.query(`query($after: String) { customers(first: 50, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`, { after });
      expect(res.errors).toBeUndefined();
      expect(res.data.customers.totalCount).toBe(expected.totalSize);
      for (const edge of res.data.customers.edges) seen.add(edge.node.id);
      if (!res.data.customers.pageInfo.hasNextPage) break;
      after = res.data.customers.pageInfo.endCursor;
    }
    expect(seen.size).toBe(expected.totalSize);
  });
});
