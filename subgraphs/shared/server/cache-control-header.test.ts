import { buildSubgraphSchema } from '@apollo/subgraph';
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { cacheControlOf, privateCoordinatesOf, selectsPrivate, type AnswerFacts } from './cache-control-header.js';

const fresh: AnswerFacts = { mutation: false, errors: false, stale: false, invalidated: false, freshForMs: 29_999, rowFiltered: false, selectsPrivate: false };

describe('cacheControlOf', () => {
  it('floors the remaining freshness to whole seconds', () => {
    expect(cacheControlOf(fresh)).toBe('public, max-age=29');
    expect(cacheControlOf({ ...fresh, freshForMs: 30_000 })).toBe('public, max-age=30');
  });

  it('is private when the answer depends on who asks', () => {
    expect(cacheControlOf({ ...fresh, rowFiltered: true })).toBe('private, max-age=29');
    expect(cacheControlOf({ ...fresh, selectsPrivate: true })).toBe('private, max-age=29');
  });

  it('is no-store for what must not be replayed or has no known freshness', () => {
    for (const facts of [{ mutation: true }, { errors: true }, { stale: true }, { invalidated: true }, { freshForMs: undefined }, { freshForMs: 999 }]) {
      expect(cacheControlOf({ ...fresh, ...facts })).toBe('no-store');
    }
  });
});

describe('privateCoordinatesOf and selectsPrivate', () => {
  const sdl = readFileSync(new URL('../../orders/schema.graphql', import.meta.url), 'utf8');
  const coordinates = privateCoordinatesOf(sdl);
  const schema = buildSubgraphSchema({ typeDefs: parse(sdl) });

  it('takes the row-filtered (@policy) fields of a subgraph SDL', () => {
    expect([...coordinates.fields].sort()).toEqual(['Mutation.cancelOrder', 'Mutation.placeOrder', 'Query.order', 'Query.orderByNumber']);
    expect(selectsPrivate(schema, parse('{ order(id: "1") { id } }'), coordinates)).toBe(true);
    expect(selectsPrivate(schema, parse('query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { status } } }'), coordinates)).toBe(false);
  });

  it('takes @cacheControl(scope: PRIVATE) on fields and types', () => {
    const own = privateCoordinatesOf(`directive @cacheControl(maxAge: Int, scope: CacheControlScope) on FIELD_DEFINITION | OBJECT
      enum CacheControlScope { PUBLIC PRIVATE }
      type Query { me: Me  seen: Boolean @cacheControl(scope: PRIVATE) }  type Me @cacheControl(scope: PRIVATE) { id: ID }`);
    expect([...own.fields]).toEqual(['Query.seen']);
    expect([...own.types]).toEqual(['Me']);
  });
});
