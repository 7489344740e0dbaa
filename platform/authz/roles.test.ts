import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALL_SCOPES, ROLE_SCOPES, ROLES, isRole, scopesForRoles } from './roles.js';

const subgraphsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'subgraphs');

describe('roles', () => {
  it('matches the design table', () => {
    expect([...scopesForRoles(['support_agent'])].sort()).toEqual(
      ['cases:internal', 'cases:read', 'cases:write', 'customer:pii', 'customer:read', 'invoices:read', 'orders:read', 'stock:read'],
    );
    expect([...scopesForRoles(['finance'])].sort()).toEqual(
      ['credit:read', 'credit:write', 'customer:financials', 'customer:read', 'invoices:read', 'orders:read'],
    );
    expect([...scopesForRoles(['partner'])].sort()).toEqual(['customer:read', 'invoices:read', 'orders:read', 'orders:write', 'stock:read']);
    expect(scopesForRoles(['sales_rep']).has('customer:write')).toBe(true);
    expect(scopesForRoles(['sales_rep']).has('cases:internal')).toBe(false);
  });

  it('gives admin every scope, including stock:cost and every write/internal scope', () => {
    const admin = scopesForRoles(['admin']);
    expect(admin.size).toBe(ALL_SCOPES.length);
    expect(admin.has('stock:cost')).toBe(true);
    for (const s of ALL_SCOPES.filter((x) => x.endsWith(':write') || x.endsWith(':internal'))) expect(admin.has(s)).toBe(true);
  });

  it('unions roles and ignores unknown ones', () => {
    expect(scopesForRoles(['wizard']).size).toBe(0);
    const both = scopesForRoles(['finance', 'partner', 'nope']);
    expect(both.has('credit:write') && both.has('orders:write')).toBe(true);
    expect(isRole('admin')).toBe(true);
    expect(isRole('__proto__')).toBe(false);
    expect(ROLES).toEqual(['support_agent', 'sales_rep', 'finance', 'partner', 'admin']);
  });

  it('covers every scope the subgraph schemas ask for', () => {
    const known = new Set<string>(ALL_SCOPES);
    for (const name of readdirSync(subgraphsDir)) {
      let sdl: string;
      try {
        sdl = readFileSync(join(subgraphsDir, name, 'schema.graphql'), 'utf8');
      } catch {
        continue;
      }
      for (const m of sdl.matchAll(/"([a-z]+:[a-z]+)"/g)) expect(known.has(m[1]!), `${name}: ${m[1]}`).toBe(true);
    }
    for (const scopes of Object.values(ROLE_SCOPES)) for (const s of scopes) expect(known.has(s)).toBe(true);
  });
});
