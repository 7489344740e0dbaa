import { ApolloGateway } from '@apollo/gateway';
import { buildSchema, parse, print, validate, type DocumentNode } from 'graphql';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readAuthDirectives } from '../../../platform/authz/directives.js';
import type { Principal } from '../../../platform/authz/principal.js';
import { scopesForRoles } from '../../../platform/authz/roles.js';
import { applyRemovedFields, filterOperation, forbiddenErrors } from './operation-filter.js';
import { supergraphForApolloGateway } from './supergraph-for-gateway.js';

const supergraphSdl = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
// The API schema exactly as the gateway serves it.
const gateway = new ApolloGateway({ supergraphSdl: supergraphForApolloGateway(supergraphSdl) });
const { schema } = await gateway.load();
await gateway.stop();
const policies = readAuthDirectives(supergraphSdl);

const as = (role: string, partnerId?: string): Principal => ({ sub: role, roles: [role], scopes: scopesForRoles([role]), ...(partnerId ? { partnerId } : {}) });

const VIEW = `
  query View($id: ID!, $first: Int, $withCost: Boolean!, $sku: String!, $unused: Int) {
    c: customer(id: $id) {
      __typename
      id
      name
      phone
      ...Finance
      orders(first: $first) {
        edges { node { number lines { quantity product { id cost @include(if: $withCost) { amount } } } } }
      }
      billing { creditLimit { amount } outstanding { amount } }
      again: billing { onHold }
    }
    product(sku: $sku) { cost { amount } }
  }
  fragment Finance on Customer {
    rev: annualRevenue { amount }
    ... on Customer { contacts { name } }
  }
  query Other { customers { totalCount } }
`;

function paths(removed: { path: string[]; code: string }[]): string[] {
  return removed.map((r) => `${r.path.join('.')}:${r.code}`).sort();
}

describe('filterOperation on the supergraph', () => {
  it('removes what a support agent may not see, keeps the rest valid', () => {
    const r = filterOperation({ schema, policies, document: parse(VIEW), operationName: 'View', principal: as('support_agent') });
    expect(paths(r.removed)).toEqual([
      'c.billing.creditLimit:FORBIDDEN',
      'c.billing.outstanding:FORBIDDEN',
      'c.orders.edges.node.lines.product.cost:FORBIDDEN',
      'c.rev:FORBIDDEN',
      'product.cost:FORBIDDEN',
    ]);
    expect(r.executable).toBe(true);
    expect(r.removedVariables.sort()).toEqual(['sku', 'unused', 'withCost']);
    expect(validate(schema, r.document)).toEqual([]);
    const printed = print(r.document);
    expect(printed).not.toMatch(/annualRevenue|cost|creditLimit|outstanding|product\(|Other/);
    // The fragment is kept, filtered once: only what the agent may see is left of it.
    expect(printed).toMatch(/fragment Finance on Customer \{\s*\.\.\. on Customer \{\s*contacts \{\s*name\s*\}\s*\}\s*\}/);
    expect(printed).toMatch(/c: customer\(id: \$id\)/);
    expect(printed).toMatch(/contacts \{\s*name/);
    expect(printed).toMatch(/again: billing \{\s*onHold/);
    expect(printed).toMatch(/__typename/);
    expect(printed).toMatch(/product \{\s*id/);
    expect(r.removed.find((x) => x.path.join('.') === 'c.rev')?.message).toBe(
      'Not authorized to access Customer.annualRevenue: requires scope credit:read or customer:financials',
    );
    expect(print(r.document)).not.toBe(print(parse(VIEW)));
  });

  it('keeps what finance may see and removes pii', () => {
    const r = filterOperation({ schema, policies, document: parse(VIEW), operationName: 'View', principal: as('finance') });
    expect(paths(r.removed)).toEqual([
      'c.contacts:FORBIDDEN',
      'c.orders.edges.node.lines.product.cost:FORBIDDEN',
      'c.phone:FORBIDDEN',
      'product:FORBIDDEN', // finance has no stock:read
    ]);
    expect(validate(schema, r.document)).toEqual([]);
    expect(print(r.document)).toMatch(/creditLimit/);
  });

  it('returns the document itself when nothing is removed', () => {
    const document = parse(VIEW);
    const r = filterOperation({ schema, policies, document, operationName: 'View', principal: as('admin') });
    expect(r.document).toBe(document);
    expect(r.removed).toEqual([]);
  });

  it('lets partners through the row-filter policy, refuses writes without the scope', () => {
    const partner = as('partner', '0015g0000000001AAA');
    const read = filterOperation({ schema, policies, document: parse('{ customer(id: "1") { name orders { totalCount } } }'), principal: partner });
    expect(read.removed).toEqual([]);
    const write = filterOperation({
      schema,
      policies,
      document: parse('mutation($id: ID!, $on: Boolean!) { setCreditHold(customerId: $id, onHold: $on) { onHold } cancelOrder(id: $id) { id } }'),
      principal: partner,
    });
    expect(paths(write.removed)).toEqual(['setCreditHold:FORBIDDEN']);
    expect(write.removedVariables).toEqual(['on']);
    expect(validate(schema, write.document)).toEqual([]);
  });

  it('answers an unauthenticated caller with nothing to execute', () => {
    const r = filterOperation({ schema, policies, document: parse(VIEW), operationName: 'View', principal: null });
    expect(paths(r.removed)).toEqual(['c:UNAUTHENTICATED', 'product:UNAUTHENTICATED']);
    expect(r.executable).toBe(false);
    expect(validate(schema, r.document)).toEqual([]);
    expect(print(r.document)).toMatch(/^query View \{\s*__typename\s*\}/);
    expect(applyRemovedFields({}, r.removed)).toEqual({ c: null, product: null });
  });
});

describe('filterOperation on fragments', () => {
  const bomb = (levels: number) => {
    let doc = 'query { ...F1 customers(first: 1) { edges { node { billing { outstanding { amount } } } } } }';
    for (let i = 1; i < levels; i++) doc += ` fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`;
    return parse(`${doc} fragment F${levels} on Query { __typename customers { edges { node { billing { creditLimit { amount } onHold } } } } }`);
  };

  it('filters each fragment once: nested spreads that would expand 2^40 times cost what the text costs', () => {
    const r = filterOperation({ schema, policies, document: bomb(40), principal: as('support_agent') });
    expect(paths(r.removed)).toEqual(['customers.edges.node.billing.creditLimit:FORBIDDEN', 'customers.edges.node.billing.outstanding:FORBIDDEN']);
    expect(validate(schema, r.document)).toEqual([]);
    // Linear output: 40 fragments, each printed once.
    expect(print(r.document).match(/fragment F\d+/g)).toHaveLength(40);
    expect(print(r.document)).toMatch(/billing \{\s*onHold/);
  });

  it('drops fragments left empty and their spreads', () => {
    const document = parse('query { customer(id: "1") { name ...Money } } fragment Money on Customer { annualRevenue { amount } }');
    const r = filterOperation({ schema, policies, document, principal: as('support_agent') });
    expect(paths(r.removed)).toEqual(['customer.annualRevenue:FORBIDDEN']);
    expect(print(r.document)).not.toMatch(/Money/);
    expect(validate(schema, r.document)).toEqual([]);
  });
});

describe('filterOperation on a small schema', () => {
  const sdl = `
    directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
    directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
    type Query { node: Node  items: [Item!]!  vault: Vault  odd: String @policy(policies: [["mystery"]]) }
    interface Node { id: ID! secret: String }
    type Item implements Node { id: ID! secret: String @requiresScopes(scopes: [["item:secret"]]) label: String }
    type Vault @requiresScopes(scopes: [["vault"]]) { code: String }
  `;
  const small = buildSchema(sdl);
  const smallPolicies = readAuthDirectives(sdl);
  const user: Principal = { sub: 'u', roles: [], scopes: new Set() };

  it('checks interface fields against every implementation, types on return and unknown policies', () => {
    const doc: DocumentNode = parse('{ node { id secret ... on Item { label s2: secret } } vault { code } odd items { label } }');
    const r = filterOperation({ schema: small, policies: smallPolicies, document: doc, principal: user });
    expect(paths(r.removed)).toEqual(['node.s2:FORBIDDEN', 'node.secret:FORBIDDEN', 'odd:FORBIDDEN', 'vault:FORBIDDEN']);
    expect(validate(small, r.document)).toEqual([]);
  });
});

describe('applyRemovedFields and forbiddenErrors', () => {
  it('writes null along lists and at removed parents, leaving answered keys alone', () => {
    const r = filterOperation({ schema, policies, document: parse(VIEW), operationName: 'View', principal: as('support_agent') });
    const data = {
      c: {
        __typename: 'Customer',
        id: '1',
        name: 'Acme',
        phone: '+1',
        contacts: [{ name: 'Ann' }],
        orders: {
          edges: [
            { node: { number: 'S1', lines: [{ quantity: 1, product: { id: 'p1' } }, { quantity: 2, product: { id: 'p2' } }] } },
            { node: { number: 'S2', lines: [] } },
          ],
        },
        again: { onHold: false },
      },
    };
    applyRemovedFields(data, r.removed);
    expect(data.c).toMatchObject({ rev: null, billing: null, again: { onHold: false } });
    expect(data.c.orders.edges[0]!.node.lines).toEqual([
      { quantity: 1, product: { id: 'p1', cost: null } },
      { quantity: 2, product: { id: 'p2', cost: null } },
    ]);
    expect((data as Record<string, unknown>).product).toBeNull();
    expect(applyRemovedFields(null, r.removed)).toBeNull();
    expect(applyRemovedFields({ c: null }, r.removed)).toEqual({ c: null, product: null });

    const errors = forbiddenErrors(r.removed);
    expect(errors).toContainEqual({
      message: 'Not authorized to access Product.cost: requires scope stock:cost',
      path: ['product', 'cost'],
      extensions: { code: 'FORBIDDEN' },
    });
    expect(errors).toHaveLength(5);
  });
});

describe('removed non-null fields', () => {
  it('propagate their null to the nearest nullable field, as GraphQL requires', () => {
    const sdl = `
      directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION
      type Query { order: Order  orders: [Order!]! }
      type Mutation { cancelOrder: Order! @requiresScopes(scopes: [["orders:write"]]) }
      type Order { id: ID!  number: String! @requiresScopes(scopes: [["orders:numbers"]])  total: Int }
    `;
    const schema = buildSchema(sdl);
    const policies = readAuthDirectives(sdl);
    const principal = { sub: 'u', roles: [], scopes: new Set<string>(['orders:read']) };
    const query = filterOperation({ schema, policies, principal, document: parse('{ order { id number total } orders { id number } }') });
    expect(query.removed.map((r) => [r.path, r.nullPath])).toEqual([
      [['order', 'number'], ['order']],
      [['orders', 'number'], []],
    ]);
    expect(applyRemovedFields({ order: { id: '1', total: 3 }, orders: [{ id: '1' }] }, query.removed)).toBeNull();
    const one = filterOperation({ schema, policies, principal, document: parse('{ order { id number total } }') });
    expect(applyRemovedFields({ order: { id: '1', total: 3 } }, one.removed)).toEqual({ order: null });
    const mutation = filterOperation({ schema, policies, principal, document: parse('mutation { cancelOrder { id } }') });
    expect(mutation.executable).toBe(false);
    expect(applyRemovedFields({}, mutation.removed)).toBeNull();
  });
});
