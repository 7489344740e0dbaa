import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ErrorCode, codedError } from '../../../platform/errors/graphql-errors.js';
import { applyPermissions } from './permissions.js';
import { CUSTOMER_ORDERS_QUERY, ordersStubSchema } from './permissions-fixture.js';
import { measurePermissionsOverhead } from './permissions-overhead.js';
import type { Principal } from '../../../platform/authz/principal.js';
import { scopesForRoles } from '../../../platform/authz/roles.js';

const SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6",
    import: ["@key", "@requiresScopes", "@policy", "@authenticated"])
  type Query {
    thing(id: ID!): Thing @requiresScopes(scopes: [["thing:read"]]) @policy(policies: [["partner_owns_customer"]])
    things: [Thing!]! @requiresScopes(scopes: [["thing:read"]])
    open: String
    mystery: String @policy(policies: [["unknown_policy"]])
    me: String @authenticated
    missing: String @authenticated
  }
  type Mutation {
    touch: Boolean @requiresScopes(scopes: [["thing:write"]])
    untagged: Boolean
  }
  type Thing @key(fields: "id") {
    id: ID!
    name: String
    cost: Int @requiresScopes(scopes: [["cost:read"], ["admin:all"]])
    counted: String @policy(policies: [["counted"]])
    vault: Vault
  }
  type Vault @requiresScopes(scopes: [["vault"]]) { code: String }
`;

let resolverCalls = 0;
const thing = (id: string) => ({ id, name: `thing ${id}`, cost: 42, counted: 'c', vault: { code: 'secret' } });
const resolvers = {
  Query: {
    thing: (_: unknown, { id }: { id: string }) => {
      resolverCalls++;
      return thing(id);
    },
    things: () => Array.from({ length: 10 }, (_, i) => thing(String(i))),
    open: () => 'open',
    mystery: () => 'mystery',
    me: (_: unknown, __: unknown, ctx: { principal: Principal }) => ctx.principal.sub,
    missing: () => {
      throw codedError(ErrorCode.NOT_FOUND, 'no such thing');
    },
  },
  Mutation: { touch: () => true, untagged: () => true },
  Thing: { __resolveReference: (ref: { id: string }) => thing(ref.id) },
};

const who = (...scopes: string[]): Principal => ({ sub: 'u1', roles: [], scopes: new Set(scopes) });

async function run(schema: GraphQLSchema, query: string, principal: Principal | null, variableValues?: Record<string, unknown>) {
  const result = (await execute({ schema, document: parse(query), contextValue: { principal }, variableValues })) as ExecutionResult;
  const codes = Object.fromEntries((result.errors ?? []).map((e) => [e.path?.join('.') ?? '', e.extensions?.code]));
  return { data: result.data as Record<string, unknown> | null | undefined, codes, errors: result.errors ?? [] };
}

describe('applyPermissions on a small subgraph', () => {
  let policyCalls = 0;
  const schema = applyPermissions(buildSubgraphSchema({ typeDefs: parse(SDL), resolvers: resolvers as never }), SDL, {
    policies: {
      partner_owns_customer: () => true,
      counted: () => {
        policyCalls++;
        return true;
      },
    },
  });

  it('answers UNAUTHENTICATED without a principal, before the resolver runs', async () => {
    resolverCalls = 0;
    const r = await run(schema, '{ thing(id: "1") { id } }', null);
    expect(r.data?.thing).toBeNull();
    expect(r.codes).toEqual({ thing: 'UNAUTHENTICATED' });
    expect(resolverCalls).toBe(0);
  });

  it('lets allowed fields through and answers FORBIDDEN at denied ones', async () => {
    const r = await run(schema, '{ thing(id: "1") { id name cost vault { code } } }', who('thing:read'));
    expect(r.data?.thing).toEqual({ id: '1', name: 'thing 1', cost: null, vault: null });
    expect(r.codes).toEqual({ 'thing.cost': 'FORBIDDEN', 'thing.vault': 'FORBIDDEN' });
    expect(r.errors.map((e) => e.message).join(' | ')).toMatch(/Thing\.cost: requires scope admin:all or cost:read/);
    expect(r.errors.some((e) => e.message === 'Not Authorised!')).toBe(false);

    const full = await run(schema, '{ thing(id: "1") { cost vault { code } } }', who('thing:read', 'admin:all', 'vault'));
    expect(full.data?.thing).toEqual({ cost: 42, vault: { code: 'secret' } });
    expect(full.errors).toHaveLength(0);
  });

  it('denies root fields without directives, unknown policies and unscoped mutations', async () => {
    const r = await run(schema, '{ open mystery me }', who('thing:read'));
    expect(r.data).toEqual({ open: null, mystery: null, me: 'u1' });
    expect(r.codes).toEqual({ open: 'FORBIDDEN', mystery: 'FORBIDDEN' });
    const m = await run(schema, 'mutation { touch untagged }', who('thing:read'));
    expect(m.codes).toEqual({ touch: 'FORBIDDEN', untagged: 'FORBIDDEN' });
    const ok = await run(schema, 'mutation { touch }', who('thing:write'));
    expect(ok.data).toEqual({ touch: true });
  });

  it('passes resolver errors through with their codes', async () => {
    const r = await run(schema, '{ missing }', who());
    expect(r.codes).toEqual({ missing: 'NOT_FOUND' });
    expect(r.errors[0]?.message).toBe('no such thing');
  });

  it('serves _service to anyone and checks the fields of _entities', async () => {
    const sdl = await run(schema, '{ _service { sdl } }', null);
    expect(String((sdl.data!._service as { sdl: string }).sdl)).toContain('type Thing');

    const q = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Thing { id name cost } } }';
    const vars = { r: [{ __typename: 'Thing', id: '7' }] };
    expect((await run(schema, q, null, vars)).codes).toEqual({ _entities: 'UNAUTHENTICATED' });
    const partial = await run(schema, q, who(), vars);
    expect(partial.data?._entities).toEqual([{ id: '7', name: 'thing 7', cost: null }]);
    expect(partial.codes).toEqual({ '_entities.0.cost': 'FORBIDDEN' });
    const full = await run(schema, q, who('cost:read'), vars);
    expect(full.data?._entities).toEqual([{ id: '7', name: 'thing 7', cost: 42 }]);
  });

  it('evaluates a rule once per request, not once per list item', async () => {
    policyCalls = 0;
    const r = await run(schema, '{ things { counted } }', who('thing:read'));
    expect((r.data!.things as unknown[]).length).toBe(10);
    expect(policyCalls).toBe(1);
    await run(schema, '{ things { counted } }', who('thing:read'));
    expect(policyCalls).toBe(2);
  });
});

describe('applyPermissions on the orders subgraph', () => {
  const { schema: plain, sdl } = ordersStubSchema(3, 2);
  const schema = applyPermissions(plain, sdl);
  const agent: Principal = { sub: 'agent', roles: ['support_agent'], scopes: scopesForRoles(['support_agent']) };
  const finance: Principal = { sub: 'fin', roles: ['finance'], scopes: scopesForRoles(['finance']) };
  const nobody: Principal = { sub: 'x', roles: [], scopes: new Set() };

  it('answers orders to orders:read and refuses writes without orders:write', async () => {
    const r = await run(schema, '{ order(id: "5") { id number lines { id product { id } subtotal { amount } } } }', agent);
    expect(r.errors).toHaveLength(0);
    expect(r.data?.order).toMatchObject({ id: '5', number: 'S00005', lines: [{ id: '5-0', product: { id: '1000' } }, { id: '5-1' }] });
    const w = await run(schema, 'mutation { cancelOrder(id: "5") { id } }', agent);
    expect(w.codes).toEqual({ cancelOrder: 'FORBIDDEN' });
    expect(w.data).toBeNull(); // non-null mutation field: null propagates to data
    const f = await run(schema, 'mutation { placeOrder(input: { customerId: "c", lines: [] }) { id } }', { ...agent, scopes: new Set(['orders:write']) });
    expect(f.data?.placeOrder).toEqual({ id: '9999' });
    expect((await run(schema, '{ orderByNumber(number: "S00001") { id } }', finance)).errors).toHaveLength(0);
  });

  it('checks Customer.orders on entities', async () => {
    const vars = { representations: [{ __typename: 'Customer', id: '0015g0000000001AAA' }] };
    const ok = await run(schema, CUSTOMER_ORDERS_QUERY, agent, vars);
    expect(ok.errors).toHaveLength(0);
    const entity = (ok.data!._entities as Array<{ orders: { edges: unknown[] } }>)[0]!;
    expect(entity.orders.edges).toHaveLength(3);
    const denied = await run(schema, CUSTOMER_ORDERS_QUERY, nobody, vars);
    expect(denied.codes).toEqual({ '_entities.0.orders': 'FORBIDDEN' });
    expect(denied.data?._entities).toEqual([{ id: '0015g0000000001AAA', orders: null }]);
    expect((await run(schema, CUSTOMER_ORDERS_QUERY, null, vars)).codes).toEqual({ _entities: 'UNAUTHENTICATED' });
  });

  it('adds little overhead on 30 orders x 6 lines', async () => {
    const r = await measurePermissionsOverhead(100, 3);
    // Target < 10% (measured ~3%); the bound here leaves room for noisy CI machines.
    expect(r.overhead).toBeLessThan(0.35);
  });
});
