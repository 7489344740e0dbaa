import { test } from 'vitest';
import { startTestSystem } from '../support/system.js';
import { signPrincipalHeaders } from '../../subgraphs/shared/authz/principal-header.js';
import { ALL_SCOPES } from '../../subgraphs/shared/authz/roles.js';

test('scratch', async () => {
  const s = await startTestSystem({ recordCache: false });
  const ex = s.skeleton!.examples;
  const r = await s.query(`query($id: ID!){ customer(id:$id){ orders(first: 50) { edges { node { id lines { id product { id } } } } } } }`, { id: ex.resellerCustomer }, { role: 'admin' });
  const ids = [...new Set(r.data!.customer.orders.edges.flatMap((e: any) => e.node.lines.map((l: any) => l.product.id)))];
  console.log(ids);
  const headers = signPrincipalHeaders({ sub: 'x', roles: ['admin'], scopes: new Set(ALL_SCOPES) }, s.principalSecret);
  const res = await fetch(s.subgraphs.stock.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: `query($r: [_Any!]!){ _entities(representations: $r) { ... on Product { id sku name } } }`, variables: { r: ids.map((id) => ({ __typename: 'Product', id })) } }) });
  console.log(res.status, JSON.stringify(await res.json()).slice(0, 3000));
  await s.close();
}, 60000);
