import { ApolloGateway, LocalGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPermissions } from '../../../subgraphs/shared/authz/permissions.js';
import { ordersStubSchema } from '../../../subgraphs/shared/authz/permissions-fixture.js';
import type { Principal } from '../../../subgraphs/shared/authz/principal.js';
import { scopesForRoles } from '../../../subgraphs/shared/authz/roles.js';
import { withOperationFilter } from './operation-filter-gateway.js';
import { supergraphForApolloGateway } from './supergraph-for-gateway.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const supergraphSdl = supergraphForApolloGateway(readFileSync(join(root, 'schema', 'supergraph.graphql'), 'utf8'));

interface Ctx {
  principal: Principal | null;
}

const calls: Record<string, number> = {};
function accountsSchema() {
  const sdl = readFileSync(join(root, 'subgraphs', 'accounts', 'schema.graphql'), 'utf8');
  const customer = (id: string) => ({ id, name: `Customer ${id}`, phone: '+1 555', contacts: [] });
  return applyPermissions(
    buildSubgraphSchema({
      typeDefs: parse(sdl),
      resolvers: {
        Query: { customer: (_: unknown, { id }: { id: string }) => customer(id) },
        Customer: { __resolveReference: (ref: { id: string }) => customer(ref.id) },
      } as never,
    }),
    sdl,
  );
}

function counting(name: string, schema: ReturnType<typeof accountsSchema>) {
  const source = new LocalGraphQLDataSource(schema);
  const process = source.process.bind(source);
  source.process = (options) => {
    calls[name] = (calls[name] ?? 0) + 1;
    return process(options);
  };
  return source;
}

describe('withOperationFilter around ApolloGateway', () => {
  let server: ApolloServer<Ctx>;
  beforeAll(async () => {
    const orders = ordersStubSchema(2, 1);
    const sources: Record<string, LocalGraphQLDataSource> = {
      accounts: counting('accounts', accountsSchema()),
      orders: counting('orders', applyPermissions(orders.schema, orders.sdl)),
    };
    const gateway = new ApolloGateway({
      supergraphSdl,
      buildService: ({ name }) => sources[name] ?? new LocalGraphQLDataSource(buildSubgraphSchema({ typeDefs: parse('type Query { _unused: Int }') })),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    server = new ApolloServer<Ctx>({ gateway: withOperationFilter(gateway, { principalOf: (ctx) => (ctx as Ctx).principal }) });
    await server.start();
  });
  afterAll(() => server?.stop());

  const run = async (query: string, principal: Principal | null) => {
    for (const k of Object.keys(calls)) delete calls[k];
    const res = await server.executeOperation({ query }, { contextValue: { principal } });
    if (res.body.kind !== 'single') throw new Error('expected a single result');
    return res.body.singleResult;
  };
  const scoped = (...scopes: string[]): Principal => ({ sub: 'u', roles: [], scopes: new Set(scopes) });

  it('runs an allowed query unchanged', async () => {
    const agent: Principal = { sub: 'a', roles: ['support_agent'], scopes: scopesForRoles(['support_agent']) };
    const r = await run('{ order(id: "1") { number customer { name phone } } }', agent);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ order: { number: 'S00001', customer: { name: 'Customer 0015g0000000001AAA', phone: '+1 555' } } });
    expect(calls).toEqual({ orders: 1, accounts: 1 });
  });

  it('removes a forbidden field before planning: the subgraph that owns it is never called', async () => {
    const r = await run('{ order(id: "1") { number customer { phone } } }', scoped('orders:read'));
    expect(r.data).toEqual({ order: { number: 'S00001', customer: null } });
    expect(r.errors).toEqual([
      expect.objectContaining({ path: ['order', 'customer', 'phone'], extensions: { code: 'FORBIDDEN' } }),
    ]);
    expect(calls).toEqual({ orders: 1 });
  });

  it('does not reuse a plan across principals', async () => {
    const query = '{ order(id: "2") { number customer { name phone } } }';
    const denied = await run(query, scoped('orders:read'));
    expect(denied.data).toEqual({ order: { number: 'S00002', customer: { name: 'Customer 0015g0000000001AAA', phone: null } } });
    const allowed = await run(query, scoped('orders:read', 'customer:pii'));
    expect(allowed.errors).toBeUndefined();
    expect((allowed.data as { order: { customer: { phone: string } } }).order.customer.phone).toBe('+1 555');
  });

  it('answers an unauthenticated caller without calling any subgraph', async () => {
    const r = await run('{ order(id: "1") { number } }', null);
    expect(r.data).toEqual({ order: null });
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(calls).toEqual({});
  });
});
