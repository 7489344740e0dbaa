import { parse, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRM_COMPONENT, CUSTOMER_360, PARTNER_ORDERS } from '../../../test/queries.js';
import { cacheLifetimesOf, lifetimesWithRules, operationStaleSeconds, operationTtlSeconds, responseLifetime, validateTtlRules, type CacheLifetimes } from './response-cache-ttl.js';
import { loadApiSchema, SUPERGRAPH_SDL } from './test-api-schema.js';

let schema: GraphQLSchema;
const declared = cacheLifetimesOf(SUPERGRAPH_SDL);
beforeAll(async () => {
  schema = await loadApiSchema();
});

const ttl = (query: string, lifetimes: CacheLifetimes = declared, unknown = 30) => operationTtlSeconds(schema, parse(query), lifetimes, unknown);

describe('operationTtlSeconds over the supergraph declarations', () => {
  it('takes the smallest declared lifetime of the data selected', () => {
    expect(ttl(CUSTOMER_360)).toBe(5); // stock availability
    expect(ttl(CRM_COMPONENT)).toBe(30); // order status, open case count
    expect(ttl(PARTNER_ORDERS)).toBe(30);
  });

  it('gives each declared lifetime its TTL', () => {
    expect(ttl('{ customer(id: "1") { id name industry owner { name } partner { name } annualRevenue { amount } } }')).toBe(300);
    expect(ttl('{ customer(id: "1") { contacts { name email } } }')).toBe(30); // the contact list, cached as a list
    expect(ttl('{ customer(id: "1") { id billing { onHold outstanding { amount currency } } } }')).toBe(60);
    expect(ttl('{ invoice(id: "1") { id amountDue { amount } } }')).toBe(60);
    expect(ttl('{ customer(id: "1") { invoices { totalCount } } }')).toBe(30);
    expect(ttl('{ order(id: "1") { id status } }')).toBe(30);
    expect(ttl('{ case(id: "1") { id subject } }')).toBe(30);
    expect(ttl('{ customer(id: "1") { openCaseCount } }')).toBe(30);
    expect(ttl('{ product(sku: "A") { id sku name listPrice { amount } } }')).toBe(600);
    expect(ttl('{ product(sku: "A") { availability { onHand } } }')).toBe(5);
    expect(ttl('{ product(sku: "A") { availability { byWarehouse { free warehouse { name } } } } }')).toBe(5);
  });

  it('follows fragments, inline and named', () => {
    expect(ttl('query { product(sku: "A") { ...P } } fragment P on Product { name ... on Product { availability { free } } }')).toBe(5);
    expect(ttl('query { customer(id: "1") { ...C } } fragment C on Customer { name }')).toBe(300);
  });

  it('gives data with no declaration the unknown TTL', () => {
    expect(ttl('{ __typename }')).toBe(30);
    expect(ttl('{ __schema { queryType { name } } }', declared, 7)).toBe(7);
  });

  it('lets rules override the declarations, by type or by field', () => {
    expect(ttl('{ customer(id: "1") { id name } }', lifetimesWithRules(declared, { Customer: 120 }))).toBe(120);
    expect(ttl('{ customer(id: "1") { id name } }', lifetimesWithRules(declared, { 'Customer.name': 2 }))).toBe(2);
    expect(ttl('{ product(sku: "A") { availability { onHand } } }', lifetimesWithRules(declared, { 'Product.availability': 1 }))).toBe(1);
  });
});

describe('operationStaleSeconds and responseLifetime', () => {
  it('take the declared stale windows: stale-while-revalidate is maxAge, stale-if-error the declared one', () => {
    expect(operationStaleSeconds(schema, parse('{ product(sku: "A") { name } }'), declared)).toBe(600);
    expect(responseLifetime(schema, parse('{ order(id: "1") { status } }'), declared)).toEqual({ maxAge: 30, staleWhileRevalidate: 30, staleIfError: 300, scope: 'PUBLIC' });
    expect(responseLifetime(schema, parse('{ customer(id: "1") { name billing { onHold } } }'), declared)).toMatchObject({ maxAge: 60, staleIfError: 600 });
  });

  it('lets window rules override the declared window', () => {
    expect(operationStaleSeconds(schema, parse('{ order(id: "1") { status } }'), lifetimesWithRules(declared, {}, { Order: 2 }))).toBe(2);
  });
});

describe('validateTtlRules and lifetimesWithRules', () => {
  it('name a bad value or an unknown coordinate', () => {
    expect(() => validateTtlRules({ Order: -1 }, 'ttlSeconds')).toThrow(/ttlSeconds\["Order"\] must be a number of seconds >= 0, got -1/);
    expect(() => validateTtlRules({ Order: 'x' }, 'ttlSeconds')).toThrow(TypeError);
    expect(() => lifetimesWithRules(declared, { Ordr: 5 })).toThrow(/ttlSeconds\["Ordr"\] names no type or field/);
  });
});
