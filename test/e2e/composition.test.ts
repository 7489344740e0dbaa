import { composeServices } from '@apollo/composition';
import { LOCAL_SUBGRAPH_NAME, LOCAL_SUBGRAPH_SCHEMA_PATH, LOCAL_SUBGRAPH_URL } from '../../gateway/src/local-subgraph/local-subgraph.js';
import { parse } from 'graphql';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPrincipalHeaders } from '../../platform/authz/principal-header.js';
import { ALL_SCOPES } from '../../platform/authz/roles.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/** The running subgraphs' own SDL composes into the committed supergraph; `_entities` works in each. */
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await system?.close();
});

async function subgraphQuery(url: string, query: string, variables: Record<string, unknown> = {}) {
  const headers = signPrincipalHeaders({ sub: 'test', roles: ['admin'], scopes: new Set(ALL_SCOPES) }, system.principalSecret);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { data?: any; errors?: any[] };
}

describe('subgraphs', () => {
  it('compose from their own _service SDL into the committed supergraph', async () => {
    const services = await Promise.all(
      Object.entries(system.subgraphs).map(async ([name, running]) => {
        const { data } = await subgraphQuery(running.url, '{ _service { sdl } }');
        // The committed supergraph names the default ports; compose with those URLs to compare.
        const port = { accounts: 4001, orders: 4002, stock: 4003, invoices: 4004, cases: 4005 }[name];
        return { name, url: `http://127.0.0.1:${port}/graphql`, typeDefs: parse(data._service.sdl) };
      }),
    );
    const order = ['accounts', 'orders', 'stock', 'invoices', 'cases'];
    services.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    // The gateway's own subgraph is answered in the gateway process, from its SDL file.
    services.push({ name: LOCAL_SUBGRAPH_NAME, url: LOCAL_SUBGRAPH_URL, typeDefs: parse(readFileSync(LOCAL_SUBGRAPH_SCHEMA_PATH, 'utf8')) });
    const result = composeServices(services);
    expect(result.errors).toBeUndefined();
    expect(result.supergraphSdl).toBe(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'));
  });

  it('resolve their entities through _entities', async () => {
    const { examples } = system.skeleton!;
    const query = (fragment: string) => `query($r: [_Any!]!) { _entities(representations: $r) { ${fragment} } }`;
    const accounts = await subgraphQuery(system.subgraphs.accounts.url, query('... on Customer { id name }'), { r: [{ __typename: 'Customer', id: examples.manyOrders }] });
    expect(accounts.data._entities[0]).toMatchObject({ id: examples.manyOrders, name: expect.any(String) });

    const orders = await subgraphQuery(system.subgraphs.orders.url, query('... on Customer { orders(first: 2) { totalCount } } ... on Order { id number }'), {
      r: [{ __typename: 'Customer', id: examples.manyOrders }, { __typename: 'Order', number: 'S00014' }],
    });
    expect(orders.errors).toBeUndefined();
    expect(orders.data._entities[0].orders.totalCount).toBe(30);
    expect(orders.data._entities[1]).toEqual({ id: '14', number: 'S00014' });

    const stock = await subgraphQuery(system.subgraphs.stock.url, query('... on Product { id sku } ... on Order { shipments { number } }'), {
      r: [{ __typename: 'Product', id: '1' }, { __typename: 'Order', id: '14' }],
    });
    expect(stock.errors).toBeUndefined();
    expect(stock.data._entities[0]).toMatchObject({ id: '1', sku: expect.any(String) });
    expect(Array.isArray(stock.data._entities[1].shipments)).toBe(true);

    const invoices = await subgraphQuery(system.subgraphs.invoices.url, query('... on Customer { billing { onHold } } ... on Order { invoices { number } }'), {
      r: [{ __typename: 'Customer', id: examples.manyOrders }, { __typename: 'Order', id: '14', number: 'S00014' }],
    });
    expect(invoices.errors).toBeUndefined();
    expect(invoices.data._entities[0].billing).toEqual({ onHold: false });

    const cases = await subgraphQuery(system.subgraphs.cases.url, query('... on Customer { openCaseCount cases(first: 1) { totalCount } }'), {
      r: [{ __typename: 'Customer', id: examples.manyOrders }],
    });
    expect(cases.errors).toBeUndefined();
    expect(cases.data._entities[0].cases.totalCount).toBe(3);
  });
});
