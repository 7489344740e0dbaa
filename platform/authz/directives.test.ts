import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fieldRequirement, readAuthDirectives } from './directives.js';
import { andRequirements, checkRequirement, describeRequirement } from './requirements.js';
import type { Principal } from './principal.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');

const principal = (...scopes: string[]): Principal => ({ sub: 'u', roles: [], scopes: new Set(scopes) });

describe('readAuthDirectives', () => {
  it('reads field and type directives of a subgraph SDL, with renamed and namespaced imports', () => {
    const map = readAuthDirectives(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.6",
        import: ["@key", { name: "@requiresScopes", as: "@scopes" }, "@authenticated"])
      type Query {
        a: Secret @scopes(scopes: [["x:read", "y:read"], ["admin"]])
        b: String @federation__policy(policies: [["p1"]])
        c: String
        d: String @authenticated
      }
      type Secret @authenticated @federation__requiresScopes(scopes: "s") { v: String }
      extend type Secret { w: String @scopes(scopes: ["t", "u"]) }
      enum Level @scopes(scopes: [["level"]]) { A }
    `);
    expect(map.fields.get('Query.a')).toEqual({ authenticated: false, scopes: [['admin'], ['x:read', 'y:read']], policies: [] });
    expect(map.fields.get('Query.b')).toEqual({ authenticated: false, scopes: [], policies: [['p1']] });
    expect(map.fields.has('Query.c')).toBe(false);
    expect(map.fields.get('Query.d')?.authenticated).toBe(true);
    expect(map.types.get('Secret')).toEqual({ authenticated: true, scopes: [['s']], policies: [] });
    expect(map.fields.get('Secret.w')?.scopes).toEqual([['t'], ['u']]);
    expect(map.types.get('Level')?.scopes).toEqual([['level']]);
    expect(fieldRequirement(map, 'Query', 'a', 'Secret')).toEqual({
      authenticated: true,
      scopes: [['admin', 's'], ['s', 'x:read', 'y:read']],
      policies: [],
    });
  });

  it('reads the orders subgraph SDL', () => {
    const map = readAuthDirectives(read('subgraphs/orders/schema.graphql'));
    expect(map.fields.get('Query.order')).toEqual({ authenticated: false, scopes: [['orders:read']], policies: [['partner_owns_customer']] });
    expect(map.fields.get('Mutation.placeOrder')?.scopes).toEqual([['orders:write']]);
    expect(map.fields.get('Customer.orders')?.scopes).toEqual([['orders:read']]);
    expect(map.fields.has('Order.number')).toBe(false);
    expect(map.types.size).toBe(0);
  });

  it('reads the supergraph SDL and ignores join internals', () => {
    const map = readAuthDirectives(read('schema/supergraph.graphql'));
    expect(map.fields.get('Customer.annualRevenue')?.scopes).toEqual([['credit:read'], ['customer:financials']]);
    expect(map.fields.get('Product.cost')?.scopes).toEqual([['stock:cost']]);
    expect(map.fields.get('Query.customer')?.policies).toEqual([['partner_owns_customer']]);
    for (const key of map.fields.keys()) expect(key).not.toMatch(/join__|link__/);
  });
});

describe('requirements', () => {
  it('checks OR of ANDs, policies and authentication', () => {
    const req = { authenticated: false, scopes: [['a', 'b'], ['c']], policies: [] };
    expect(checkRequirement(req, null)).toBe('UNAUTHENTICATED');
    expect(checkRequirement(req, principal('a'))).toBe('FORBIDDEN');
    expect(checkRequirement(req, principal('a', 'b'))).toBe('ALLOWED');
    expect(checkRequirement(req, principal('c'))).toBe('ALLOWED');
    expect(checkRequirement({ authenticated: true, scopes: [], policies: [] }, principal())).toBe('ALLOWED');
    expect(checkRequirement({ authenticated: false, scopes: [], policies: [] }, null)).toBe('ALLOWED');
    expect(checkRequirement({ authenticated: false, scopes: [], policies: [['partner_owns_customer']] }, principal())).toBe('ALLOWED');
    expect(checkRequirement({ authenticated: false, scopes: [], policies: [['mystery']] }, principal('a'))).toBe('FORBIDDEN');
    expect(checkRequirement({ authenticated: false, scopes: [], policies: [['mystery'], ['partner_owns_customer']] }, principal())).toBe('ALLOWED');
    expect(describeRequirement(req)).toBe('scope a and b or c');
  });

  it('combines requirements and drops implied groups', () => {
    const r = andRequirements({ authenticated: false, scopes: [['a'], ['b']], policies: [] }, { authenticated: true, scopes: [['a']], policies: [] });
    expect(r).toEqual({ authenticated: true, scopes: [['a']], policies: [] });
  });
});
