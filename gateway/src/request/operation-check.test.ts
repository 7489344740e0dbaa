import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { checkOperation, isRefusal } from './operation-check.js';

const schema = buildSchema('type Query { a: Int  b(x: Int): Int }');
const check = (query: string, operationName?: string) => checkOperation(schema, parse(query), operationName);

describe('checkOperation', () => {
  it('returns the operation to run', () => {
    const op = check('query A { a } query B { b }', 'B');
    expect(isRefusal(op)).toBe(false);
    expect(!isRefusal(op) && op.name?.value).toBe('B');
  });

  it('refuses invalid documents as Apollo would, with every error', () => {
    const r = check('{ a ...X } fragment X on Query { ...Y } fragment Y on Query { ...X }');
    expect(isRefusal(r) && r.status).toBe(400);
    expect(isRefusal(r) && r.errors.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('refuses an unknown or missing operation name as a client error', () => {
    for (const [query, name, message] of [
      ['query A { a }', 'B', 'Unknown operation named "B".'],
      ['query A { a } query B { b }', undefined, 'Must provide operation name if query contains multiple operations.'],
    ] as const) {
      const r = check(query, name);
      expect(isRefusal(r) && [r.status, r.errors[0]!.extensions!.code, r.errors[0]!.message]).toEqual([400, 'OPERATION_RESOLUTION_FAILURE', message]);
    }
  });

  it('refuses subscriptions when the schema has none', () => {
    const r = check('subscription { a }');
    expect(isRefusal(r) && [r.status, r.errors[0]!.extensions!.code]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
  });
});
