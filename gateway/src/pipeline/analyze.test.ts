import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLSchema } from 'graphql';
import { scopesForRoles } from '../../../platform/authz/roles.js';
import { createGatewayAuth } from '../auth/gateway-auth.js';
import type { JwtVerifier } from '../auth/jwt.js';
import { createResponseCache } from '../plugins/response-cache.js';
import { cacheLifetimesOf } from '../plugins/response-cache-ttl.js';
import { loadApiSchema, SUPERGRAPH_SDL } from '../plugins/test-api-schema.js';
import { analyzeStage } from './analyze.js';
import { authenticateStage } from './authenticate.js';
import { readRequestStage } from './read-request.js';
import { serveStages, type StageTestServer } from './stage-test-server.js';

// The token names the role (and a partner's account after a colon); the real verifier is tested in auth/.
const verifier: JwtVerifier = {
  async verify(token) {
    const [role, partnerId] = token.split(':') as [string, string?];
    return { sub: token, roles: [role], scopes: scopesForRoles([role]), ...(partnerId ? { partnerId } : {}) };
  },
} as JwtVerifier;
const auth = createGatewayAuth(verifier, SUPERGRAPH_SDL, 'a-principal-secret-of-at-least-32-bytes!');
let schema: GraphQLSchema;
let server: StageTestServer;
let parses = 0;
beforeAll(async () => {
  schema = await loadApiSchema();
  const counted = { ...auth, filterOperation: (args: Parameters<NonNullable<typeof auth.filterOperation>>[0]) => (parses++, auth.filterOperation!(args)) };
  server = await serveStages([authenticateStage(auth), readRequestStage(), analyzeStage({ schema: () => schema, auth: counted, responseCache: createResponseCache({ lifetimes: cacheLifetimesOf(SUPERGRAPH_SDL) }) })]);
});
afterAll(() => server.close());

const send = (role: string, query: string, operationName?: string) =>
  fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${role}`, 'content-type': 'application/json' }, body: JSON.stringify({ query, operationName }) });

describe('analyze stage', () => {
  it('filters the operation for the principal and gives it its response lifetime', async () => {
    const res = await send('support_agent', 'query V { customer(id: "1") { name billing { onHold outstanding { amount } } } }');
    expect(res.status).toBe(200);
    const operation = server.seen.at(-1)!.operation!;
    expect(operation.removed.map((r) => r.path.join('.'))).toEqual(['customer.billing.outstanding']);
    expect(operation.query).not.toMatch(/outstanding/);
    expect(operation.ttlMs).toBe(60_000);
    expect(operation.operation).toBe('query');
  });

  it('refuses an invalid document alike for every principal, before filtering it', async () => {
    const query = '{ customer(id: "1") { billing { outstanding { amount } } ...X } } fragment X on Customer { ...Y } fragment Y on Customer { ...X }';
    const answers = await Promise.all(['support_agent', 'admin'].map(async (role) => {
      const res = await send(role, query);
      return [res.status, await res.json()];
    }));
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]![0]).toBe(400);
    expect(answers[0]![1].errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses unknown operation names, subscriptions, and documents past the limits, with codes', async () => {
    const cases: [string, string | undefined, string][] = [
      ['query A { __typename }', 'B', 'OPERATION_RESOLUTION_FAILURE'],
      ['subscription { __typename }', undefined, 'GRAPHQL_VALIDATION_FAILED'],
      [`query { ...F1 } ${Array.from({ length: 24 }, (_, i) => `fragment F${i + 1} on Query { ...F${i + 2} ...F${i + 2} }`).join(' ')} fragment F25 on Query { __typename }`, undefined, 'GRAPHQL_VALIDATION_FAILED'],
      ['{ a(', undefined, 'GRAPHQL_PARSE_FAILED'],
    ];
    for (const [query, name, code] of cases) {
      const res = await send('admin', query, name);
      expect(res.status).toBe(400);
      expect((await res.json()).errors[0].extensions.code).toBe(code);
    }
  });

  it('refuses a mutation over GET, for a role whose fields would all be filtered too', async () => {
    for (const role of ['admin', 'support_agent']) {
      const url = `${server.url}?query=${encodeURIComponent('mutation { cancelOrder(id: "1") { id } }')}`;
      const res = await fetch(url, { headers: { authorization: `Bearer ${role}` } });
      expect([res.status, res.headers.get('allow')]).toEqual([405, 'POST']);
    }
  });

  it('analyzes one text once per visibility class', async () => {
    const query = '{ product(sku: "A") { name } }';
    const before = parses;
    await send('support_agent', query);
    await send('support_agent', query);
    await send('finance', query);
    expect(parses - before).toBe(2);
  });

  it('gives one id (part of the response cache key) to each text, operation name and visibility class, and the same id to the same request', async () => {
    const query = 'query P { product(sku: "B") { name } } query Q { product(sku: "B") { sku } }';
    const idOf = async (role: string, text: string, operationName?: string) => {
      expect((await send(role, text, operationName)).status).toBe(200);
      return server.seen.at(-1)!.operation!.id;
    };
    const id = await idOf('support_agent', query, 'P');
    expect(await idOf('support_agent', query, 'P')).toBe(id);
    const others = [await idOf('finance', query, 'P'), await idOf('support_agent', query, 'Q'), await idOf('support_agent', `${query} `, 'P'), await idOf('partner', query, 'P'), await idOf('partner:001000000000002AAA', query, 'P')];
    expect(new Set([id, ...others]).size).toBe(others.length + 1);
    // Two texts the filter makes one query of: two analyses (their answers carry different FORBIDDEN errors).
    const a = await send('support_agent', '{ customer(id: "1") { name billing { onHold outstanding { amount } } } }');
    const first = server.seen.at(-1)!.operation!;
    const b = await send('support_agent', '{ customer(id: "1") { name billing { onHold outstanding { amount currency } } } }');
    const second = server.seen.at(-1)!.operation!;
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(second.query).toBe(first.query);
    expect(second.id).not.toBe(first.id);
  });
});

describe('analyze stage: structural limits, page sizes, introspection', () => {
  const refusedWith = async (role: string, query: string, code = 'GRAPHQL_VALIDATION_FAILED', variables?: Record<string, unknown>) => {
    const res = await fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${role}`, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    const body = await res.json();
    expect([res.status, body.errors?.[0]?.extensions?.code]).toEqual([400, code]);
    expect(JSON.stringify(body)).not.toMatch(/stack|at .*\.ts/);
    return { body };
  };

  it('refuses deep, wide, aliased, repeated and directive-laden operations alike for every role', async () => {
    let deep = 'name';
    for (let i = 0; i < 15; i++) deep = `orders(first: 1) { edges { node { customer { ${deep} } } } }`;
    const cases = [
      `{ customer(id: "1") { ${deep} } }`,
      `{ ${Array.from({ length: 500 }, (_, i) => `c${i}: customer(id: "1") { id }`).join(' ')} }`,
      `{ ${'customers(first: 1) { totalCount } '.repeat(200)} }`,
      `query { ...R } fragment R on Query { ${Array.from({ length: 25 }, (_, i) => `order(id: "${i}") { id }`.replace('order', `o${i}: order`)).join(' ')} }`,
      `{ customer(id: "1") { ${'id '.repeat(2000)} } }`,
      `{ customer(id: "1") { id ${'@include(if: true) '.repeat(60)} } }`,
    ];
    for (const query of cases) for (const role of ['admin', 'partner']) await refusedWith(role, query);
  });

  it('refuses a page above the largest one as BAD_USER_INPUT, from a literal, a variable or its default', async () => {
    await refusedWith('admin', '{ customers(first: 500) { totalCount } }', 'BAD_USER_INPUT');
    await refusedWith('admin', 'query($n: Int) { customers(first: $n) { totalCount } }', 'BAD_USER_INPUT', { n: 101 });
    await refusedWith('admin', 'query($n: Int = 1000) { customers(first: $n) { totalCount } }', 'BAD_USER_INPUT');
    const ok = await send('admin', 'query($n: Int = 100) { customers(first: $n) { totalCount } }');
    expect(ok.status).toBe(200);
  });

  it('keeps introspection from partners, without field suggestions either', async () => {
    await refusedWith('partner', '{ __schema { types { name } } }');
    const { body } = await refusedWith('partner', '{ custome(id: "1") { id } }');
    expect(body.errors[0].message).not.toMatch(/Did you mean/);
    const admin = await send('admin', '{ __schema { queryType { name } } }');
    expect(admin.status).toBe(200);
    const typo = await (await send('admin', '{ custome(id: "1") { id } }')).json();
    expect(typo.errors[0].message).toMatch(/Did you mean "customer"/);
  });
});
