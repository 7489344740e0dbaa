import { buildASTSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CACHE_DIRECTIVE_DEFINITIONS, cacheLifetimesOf, lifetimeOf, withOverrides } from './cache-lifetimes.js';
import { lifetimeSettingName } from './lifetime-settings.js';
import { operationLifetime } from './operation-lifetime.js';
import { undeclaredLifetimes } from './undeclared-lifetimes.js';

const SDL = `${CACHE_DIRECTIVE_DEFINITIONS}
type Query { order(id: ID!): Order  product(id: ID!): Product  ping: String  loose: Loose  me: Me }
type Order @cacheControl(maxAge: 30) @staleWindow(ifError: 300) {
  id: ID!
  status: String @cacheControl(maxAge: 10)
  total: Money
  product: Product
  audit: Loose
}
type Product @cacheControl(maxAge: 600) @staleWindow(whileRevalidate: 60, ifError: 3600) { id: ID!  stock: Stock }
type Stock @cacheControl(maxAge: 5) @staleWindow(ifError: 60) { free: Int }
type Money @cacheControl(inheritMaxAge: true) { amount: String }
type Loose { id: ID }
type Me @cacheControl(maxAge: 60, scope: PRIVATE) { name: String }
`;
const lifetimes = cacheLifetimesOf(SDL);
const schema = buildASTSchema(parse(SDL));
const DEFAULTS = { maxAge: 30, staleWhileRevalidate: 30, staleIfError: 30 };
const of = (query: string, l = lifetimes) => operationLifetime(schema, parse(query), l, DEFAULTS);

describe('cacheLifetimesOf and lifetimeOf', () => {
  it('reads maxAge and the stale windows, with stale-while-revalidate defaulting to maxAge', () => {
    expect(lifetimeOf(lifetimes, 'Order')).toEqual({ maxAge: 30, staleWhileRevalidate: 30, staleIfError: 300 });
    expect(lifetimeOf(lifetimes, 'Product')).toEqual({ maxAge: 600, staleWhileRevalidate: 60, staleIfError: 3600 });
    expect(lifetimeOf(lifetimes, 'Order.status')).toEqual({ maxAge: 10, staleWhileRevalidate: 10, staleIfError: 10 });
  });

  it('gives a field the lifetime of the type it returns, and none to what inherits or declares nothing', () => {
    expect(lifetimeOf(lifetimes, 'Product.stock')).toEqual({ maxAge: 5, staleWhileRevalidate: 5, staleIfError: 60 });
    expect(lifetimeOf(lifetimes, 'Order.total')).toBeUndefined();
    expect(lifetimeOf(lifetimes, 'Loose')).toBeUndefined();
  });

  it('refuses a malformed declaration', () => {
    expect(() => cacheLifetimesOf(`${CACHE_DIRECTIVE_DEFINITIONS} type A @cacheControl(maxAge: -1) { a: Int }`)).toThrow(/maxAge.*on A/);
    expect(() => cacheLifetimesOf(`${CACHE_DIRECTIVE_DEFINITIONS} type A @cacheControl(maxAge: 1, inheritMaxAge: true) { a: Int }`)).toThrow(/both/);
  });

  it('follows a renamed import from the cache spec', () => {
    const renamed = cacheLifetimesOf(`extend schema @link(url: "https://specs.customer360.example/cache/v1.0", import: [{ name: "@cacheControl", as: "@ttl" }])
      directive @ttl(maxAge: Int) on OBJECT
      type A @ttl(maxAge: 7) { a: Int }`);
    expect(lifetimeOf(renamed, 'A')?.maxAge).toBe(7);
  });
});

describe('withOverrides', () => {
  it('replaces what it names; an undeclared stale-while-revalidate follows the new maxAge', () => {
    const changed = withOverrides(lifetimes, { Order: { maxAge: 120 }, Product: { maxAge: 60 } });
    expect(lifetimeOf(changed, 'Order')).toEqual({ maxAge: 120, staleWhileRevalidate: 120, staleIfError: 300 });
    expect(lifetimeOf(changed, 'Product')).toEqual({ maxAge: 60, staleWhileRevalidate: 60, staleIfError: 3600 });
    expect(lifetimeOf(lifetimes, 'Order')?.maxAge).toBe(30);
  });

  it('overrides one field that took its type lifetime, starting from the type declaration', () => {
    const changed = withOverrides(lifetimes, { 'Product.stock': { maxAge: 2 } });
    expect(lifetimeOf(changed, 'Product.stock')).toEqual({ maxAge: 2, staleWhileRevalidate: 2, staleIfError: 60 });
    expect(lifetimeOf(changed, 'Stock')?.maxAge).toBe(5);
  });

  it('names an unknown coordinate, a bad value, or a field with nothing to start from', () => {
    expect(() => withOverrides(lifetimes, { Nope: { maxAge: 1 } }, 'ttl')).toThrow(/ttl\["Nope"\] names no type or field/);
    expect(() => withOverrides(lifetimes, { Order: { maxAge: 1.5 } })).toThrow(/Order"\]\.maxAge must be a whole number/);
    expect(() => withOverrides(lifetimes, { 'Order.total': { staleIfError: 5 } })).toThrow(/needs a maxAge/);
  });
});

describe('operationLifetime', () => {
  it('takes the shortest lifetime and the smallest stale windows of what is selected', () => {
    expect(of('{ order(id: 1) { id total { amount } } }')).toEqual({ maxAge: 30, staleWhileRevalidate: 30, staleIfError: 300, scope: 'PUBLIC' });
    expect(of('{ order(id: 1) { status } }')).toMatchObject({ maxAge: 10, staleWhileRevalidate: 10, staleIfError: 10 });
    expect(of('{ product(id: 1) { stock { free } } }')).toMatchObject({ maxAge: 5, staleWhileRevalidate: 5, staleIfError: 60 });
    expect(of('{ product(id: 1) { id } }')).toMatchObject({ maxAge: 600, staleWhileRevalidate: 60 });
  });

  it('gives root fields and objects with no declaration the defaults, as Apollo does its defaultMaxAge', () => {
    expect(of('{ ping }').maxAge).toBe(30);
    expect(of('{ order(id: 1) { audit { id } } }').maxAge).toBe(30);
    expect(of('{ __typename }')).toMatchObject(DEFAULTS);
  });

  it('follows fragments and reports a private scope', () => {
    expect(of('query { product(id: 1) { ...P } } fragment P on Product { ... on Product { stock { free } } }').maxAge).toBe(5);
    expect(of('{ me { name } }')).toMatchObject({ maxAge: 60, scope: 'PRIVATE' });
  });
});

describe('undeclaredLifetimes', () => {
  it('lists the reachable fields that would take the defaults', () => {
    expect(undeclaredLifetimes(schema, lifetimes)).toEqual(['Order.audit', 'Query.loose', 'Query.ping']);
  });
});

describe('lifetimeSettingName', () => {
  it('spells a coordinate as a setting suffix', () => {
    expect(lifetimeSettingName('Order')).toBe('ORDER');
    expect(lifetimeSettingName('Product.availability')).toBe('PRODUCT_AVAILABILITY');
    expect(lifetimeSettingName('Customer.openCaseCount')).toBe('CUSTOMER_OPEN_CASE_COUNT');
    expect(lifetimeSettingName('SalesRep')).toBe('SALES_REP');
  });
});
