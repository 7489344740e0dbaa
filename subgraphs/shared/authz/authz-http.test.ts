import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubgraphServer, type RunningSubgraph } from '../server/create-subgraph-server.js';
import { fieldRequirement, readAuthDirectives } from '../../../platform/authz/directives.js';
import { applyPermissions } from './permissions.js';
import { ORDERS_SDL_PATH, ordersStubResolvers } from './permissions-fixture.js';
import { createAuthenticate, signPrincipalHeaders } from '../../../platform/authz/principal-header.js';
import type { Principal } from '../../../platform/authz/principal.js';
import { isEmptyRequirement } from '../../../platform/authz/requirements.js';
import { scopesForRoles } from '../../../platform/authz/roles.js';

const secret = 'test-secret-0123456789-0123456789-abc';
const agent: Principal = { sub: 'agent', roles: ['support_agent'], scopes: scopesForRoles(['support_agent']) };
const finance: Principal = { sub: 'fin', roles: ['finance'], scopes: scopesForRoles(['finance']) };

describe('orders subgraph over HTTP with signed principals and permissions', () => {
  let running: RunningSubgraph;
  beforeAll(async () => {
    const authenticate = createAuthenticate({ secret });
    const { listen } = await createSubgraphServer({
      name: 'orders',
      schemaPath: ORDERS_SDL_PATH,
      resolvers: ordersStubResolvers(2, 1) as never,
      createContext: (headers: IncomingHttpHeaders) => ({ principal: authenticate(headers) }),
    });
    running = await listen(0, '127.0.0.1');
  });
  afterAll(() => running?.close());

  const post = async (query: string, headers: Record<string, string>) => {
    const res = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
    return { status: res.status, body: (await res.json()) as { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: { code?: string } }> } };
  };

  it('answers a signed principal and refuses unsigned or forged requests with 401', async () => {
    const ok = await post('{ order(id: "3") { number lines { quantity } } }', signPrincipalHeaders(agent, secret));
    expect(ok.status).toBe(200);
    expect(ok.body.data?.order).toEqual({ number: 'S00003', lines: [{ quantity: 2 }] });

    const unsigned = await post('{ order(id: "3") { number } }', {});
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const forged = { ...signPrincipalHeaders(agent, secret), 'x-c360-principal': signPrincipalHeaders(finance, secret)['x-c360-principal']! };
    expect((await post('{ order(id: "3") { number } }', forged)).status).toBe(401);
  });

  it('answers FORBIDDEN with a code for a mutation without its scope', async () => {
    const r = await post('mutation { cancelOrder(id: "3") { id } }', signPrincipalHeaders(finance, secret));
    expect(r.status).toBe(200);
    expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});

describe('the subgraph schemas', () => {
  const subgraphs = join(ORDERS_SDL_PATH, '..', '..');
  for (const name of readdirSync(subgraphs)) {
    const path = join(subgraphs, name, 'schema.graphql');
    if (!existsSync(path)) continue;
    it(`${name}: permissions apply and every root field declares who may call it`, () => {
      const sdl = readFileSync(path, 'utf8');
      const schema = buildSubgraphSchema({ typeDefs: parse(sdl) });
      expect(() => applyPermissions(schema, sdl)).not.toThrow();
      const map = readAuthDirectives(sdl);
      for (const root of [schema.getQueryType(), schema.getMutationType()]) {
        for (const field of Object.values(root?.getFields() ?? {})) {
          if (field.name.startsWith('_')) continue;
          expect(isEmptyRequirement(fieldRequirement(map, root!.name, field.name)), `${root!.name}.${field.name} has no auth directive`).toBe(false);
        }
      }
    });
  }
});
