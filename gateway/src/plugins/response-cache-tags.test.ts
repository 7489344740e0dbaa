import { parse, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { entityTag, entityTypesOf, responseTags } from './response-cache-tags.js';
import { loadApiSchema, SUPERGRAPH_SDL } from './test-api-schema.js';

let schema: GraphQLSchema;
const entities = entityTypesOf(SUPERGRAPH_SDL);
beforeAll(async () => {
  schema = await loadApiSchema();
});

const tags = (query: string, data: Record<string, unknown>, operationName?: string) => [...responseTags(schema, parse(query), operationName, data, entities)].sort();

describe('entityTypesOf', () => {
  it('finds the types with a key in the supergraph', () => {
    expect([...entities].sort()).toEqual(['Case', 'Customer', 'Invoice', 'Order', 'Product']);
  });

  it('reads @key in a subgraph SDL too', () => {
    expect([...entityTypesOf('type A @key(fields: "id") { id: ID! } type B { x: Int } extend type C @key(fields: "id") { id: ID! }')].sort()).toEqual(['A', 'C']);
  });
});

describe('responseTags', () => {
  it('tags every entity of the data by type and id, through lists and connections', () => {
    const query = '{ customer(id: "c1") { id name orders { edges { node { id number lines { product { id sku } } } } } cases { edges { node { id } } } } }';
    const data = {
      customer: {
        id: 'c1',
        name: 'A',
        orders: { edges: [{ node: { id: '42', number: 'S42', lines: [{ product: { id: 7, sku: 'P7' } }, { product: { id: 8, sku: 'P8' } }] } }, { node: { id: '43', number: 'S43', lines: [] } }] },
        cases: { edges: [{ node: { id: '900' } }] },
      },
    };
    expect(tags(query, data)).toEqual(['Case:900', 'Customer:c1', 'Order:42', 'Order:43', 'Product:7', 'Product:8']);
  });

  it('reads ids under aliases and through fragments', () => {
    const query = 'query Q { c: customer(id: "c1") { key: id ...F } } fragment F on Customer { invoices { edges { node { ... on Invoice { invoiceId: id } } } } }';
    const data = { c: { key: 'c1', invoices: { edges: [{ node: { invoiceId: '5' } }] } } };
    expect(tags(query, data, 'Q')).toEqual(['Customer:c1', 'Invoice:5']);
  });

  it('tags an entity selected without its id as Type:*', () => {
    expect(tags('{ orderByNumber(number: "S42") { number status } }', { orderByNumber: { number: 'S42', status: 'CONFIRMED' } })).toEqual(['Order:*']);
  });

  it('tags nothing for null or absent data, and ignores value types', () => {
    expect(tags('{ customer(id: "x") { id } }', { customer: null })).toEqual([]);
    expect(tags('{ customer(id: "c1") { id billing { onHold } } }', { customer: { id: 'c1', billing: { onHold: false } } })).toEqual(['Customer:c1']);
  });

  it('builds tags with entityTag', () => {
    expect(entityTag('Order', 42)).toBe('Order:42');
    expect(entityTag('Order', undefined)).toBe('Order:*');
  });
});
