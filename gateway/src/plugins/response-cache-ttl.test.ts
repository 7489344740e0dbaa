import { parse, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRM_COMPONENT, CUSTOMER_360, PARTNER_ORDERS } from '../../../test/queries.js';
import { DEFAULT_TTL_SECONDS, operationTtlSeconds, validateTtlRules } from './response-cache-ttl.js';
import { loadApiSchema } from './test-api-schema.js';

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await loadApiSchema();
});

const ttl = (query: string, rules = DEFAULT_TTL_SECONDS, unknown = 30) => operationTtlSeconds(schema, parse(query), rules, unknown);

describe('operationTtlSeconds', () => {
  it('takes the smallest TTL of the data selected', () => {
    expect(ttl(CUSTOMER_360)).toBe(5); // stock availability
    expect(ttl(CRM_COMPONENT)).toBe(30); // order status, open case count
    expect(ttl(PARTNER_ORDERS)).toBe(30);
  });

  it('gives each volatility class its own TTL', () => {
    expect(ttl('{ customer(id: "1") { id name industry owner { name } contacts { name email } } }')).toBe(300);
    expect(ttl('{ customer(id: "1") { id billing { onHold outstanding { amount currency } } } }')).toBe(60);
    expect(ttl('{ invoice(id: "1") { id amountDue { amount } } }')).toBe(60);
    expect(ttl('{ customer(id: "1") { invoices { totalCount } } }')).toBe(60);
    expect(ttl('{ order(id: "1") { id status } }')).toBe(30);
    expect(ttl('{ case(id: "1") { id subject } }')).toBe(30);
    expect(ttl('{ customer(id: "1") { openCaseCount } }')).toBe(30);
    expect(ttl('{ product(sku: "A") { id sku name listPrice { amount } } }')).toBe(600);
    expect(ttl('{ product(sku: "A") { availability { onHand } } }')).toBe(5);
    expect(ttl('{ product(sku: "A") { availability { byWarehouse { free } } } }')).toBe(5);
  });

  it('follows fragments, inline and named', () => {
    expect(ttl('query { product(sku: "A") { ...P } } fragment P on Product { name ... on Product { availability { free } } }')).toBe(5);
    expect(ttl('query { customer(id: "1") { ...C } } fragment C on Customer { name }')).toBe(300);
  });

  it('gives unknown data the unknown TTL', () => {
    expect(ttl('{ __typename }')).toBe(30);
    expect(ttl('{ __schema { queryType { name } } }', DEFAULT_TTL_SECONDS, 7)).toBe(7);
  });

  it('lets rules override the defaults, by type or by field', () => {
    expect(ttl('{ customer(id: "1") { id name } }', { ...DEFAULT_TTL_SECONDS, Customer: 120 })).toBe(120);
    expect(ttl('{ customer(id: "1") { id name } }', { ...DEFAULT_TTL_SECONDS, 'Customer.name': 2 })).toBe(2);
    expect(ttl('{ product(sku: "A") { availability { onHand } } }', { ...DEFAULT_TTL_SECONDS, 'Product.availability': 1, StockAvailability: 1 })).toBe(1);
  });
});

describe('validateTtlRules', () => {
  it('names a bad value', () => {
    expect(() => validateTtlRules({ Order: -1 }, 'ttlSeconds')).toThrow(/ttlSeconds\["Order"\] must be a number of seconds >= 0, got -1/);
    expect(() => validateTtlRules({ Order: 'x' }, 'ttlSeconds')).toThrow(TypeError);
  });
});
