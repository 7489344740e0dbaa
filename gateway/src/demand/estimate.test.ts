import { getOperationAST, parse, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRM_COMPONENT, CUSTOMER_360, PARTNER_ORDERS } from '../../../test/queries.js';
import { loadApiSchema, SUPERGRAPH_SDL } from '../plugins/test-api-schema.js';
import { costModelOf } from './cost-model.js';
import { estimateCost } from './estimate.js';

let schema: GraphQLSchema;
const model = costModelOf(SUPERGRAPH_SDL);
beforeAll(async () => {
  schema = await loadApiSchema();
});
const estimate = (query: string, variables: Record<string, unknown> = {}, partner = false) => {
  const document = parse(query);
  return estimateCost(schema, model, document, getOperationAST(document)!, variables, partner ? { ownershipSystem: 'salesforce' } : {});
};

describe('the cost model of the supergraph', () => {
  it('reads @cost on types and fields, @perParent and @listSize, each cost paid to its subgraph\'s backend', () => {
    expect(model.types.get('Customer')).toEqual({ weight: 1, system: 'salesforce' });
    expect(model.types.get('Order')).toEqual({ weight: 1, system: 'odoo' });
    expect(model.fields.get('Case.comments')).toEqual({ weight: 1, system: 'servicedesk', perParent: true });
    expect(model.fields.get('Order.customer')).toEqual({ weight: 1, system: 'odoo' });
    expect(model.listSizes.get('Customer.orders')).toEqual({ assumedSize: undefined, slicingArguments: ['first'], sizedFields: ['edges'] });
    expect(model.systems).toEqual(['odoo', 'salesforce', 'servicedesk']);
  });
});

describe('estimateCost', () => {
  it('counts one batched load per path whatever the list sizes (no N+1), per-parent costs per parent', () => {
    const orders = (n: number) => estimate(`{ customer(id: "1") { orders(first: ${n}) { edges { node { number lines { product { sku } } } } } } }`);
    expect(orders(2)).toEqual(orders(20));
    // Past a batch of keys (100 orders of up to 20 lines: 2,000 products to look up), one call per batch.
    expect(orders(100).bySystem.odoo!).toBeGreaterThan(orders(20).bySystem.odoo!);
    expect(orders(2).bySystem).toEqual({ odoo: 5, salesforce: 1, servicedesk: 0 });
    const comments = (n: number) => estimate(`{ customer(id: "1") { cases(first: ${n}) { edges { node { comments { body } } } } } }`).bySystem.servicedesk;
    // One organization lookup, one ticket list, one ticket load, and the comments of each case.
    expect(comments(5)).toBe(3 + 5);
    expect(comments(50)).toBe(3 + 50);
  });

  it('takes list sizes from literals, variables and their defaults', () => {
    const query = 'query($n: Int = 7) { customer(id: "1") { cases(first: $n) { edges { node { comments { body } } } } } }';
    expect(estimate(query).bySystem.servicedesk).toBe(3 + 7);
    expect(estimate(query, { n: 30 }).bySystem.servicedesk).toBe(3 + 30);
    // The field's own default (20) without an argument.
    expect(estimate('{ customer(id: "1") { cases { edges { node { comments { body } } } } } }').bySystem.servicedesk).toBe(3 + 20);
  });

  it('names the variables it read, the same whatever their values', () => {
    const query = 'query($id: ID!, $n: Int, $m: Int = 3) { customer(id: $id) { cases(first: $n) { edges { node { id } } } orders(first: $m) { edges { node { number } } } } }';
    for (const variables of [{ id: '1', n: 5 }, { id: '2' }, { id: '3', n: null, m: 40 }]) expect([...estimate(query, variables).variablesRead].sort()).toEqual(['m', 'n']);
    expect(estimate('{ customer(id: "1") { cases(first: 5) { edges { node { id } } } } }').variablesRead).toEqual([]);
  });

  it('charges a partner the ownership checks its rows need', () => {
    expect(estimate(PARTNER_ORDERS, { id: '1' }, true).bySystem.salesforce!).toBeGreaterThan(estimate(PARTNER_ORDERS, { id: '1' }).bySystem.salesforce!);
  });

  it('keeps the everyday views cheap and prices the 978-call query in the hundred thousands', () => {
    expect(estimate(CUSTOMER_360, { id: '1' }).total).toBeLessThan(100);
    expect(estimate(CRM_COMPONENT, { id: '1' }).total).toBeLessThan(20);
    const big = estimate('{ customers(first: 100) { edges { node { cases(first: 50) { edges { node { comments { body } } } } orders(first: 100) { edges { node { number cases { comments { body } } } } } } } } }');
    expect(big.bySystem.servicedesk!).toBeGreaterThan(100_000);
  });

  it('counts nothing for what costs nothing: __typename, keys only', () => {
    expect(estimate('{ __typename }').total).toBe(0);
  });
});
