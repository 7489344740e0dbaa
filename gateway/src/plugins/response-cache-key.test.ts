import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../platform/json/canonical-json.js';
import { responseCacheKey } from './response-cache-key.js';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('drops undefined members like JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('writes what JSON.stringify writes for a value whose keys are in order: omitted members, nulls in arrays, toJSON, escapes', () => {
    const values: unknown[] = [
      {},
      [],
      { a: undefined, b: 1, c: () => 1, d: Symbol('s'), e: [undefined, () => 2, 'x'], f: { g: undefined } },
      [{ a: [] }, [[]], null, true, -0.5, 'quote " and \\ and \u2028'],
      { at: new Date(Date.UTC(2026, 11, 3)), n: Number.NaN },
    ];
    for (const value of values) expect(canonicalJson(value)).toBe(JSON.stringify(value));
  });
});

describe('responseCacheKey', () => {
  const base = { operationId: 'a7', variablesKey: canonicalJson({ id: '42', first: 5 }) };

  it('is the same for the same request whatever the order of the variables', () => {
    expect(responseCacheKey(base)).toBe(responseCacheKey({ ...base, variablesKey: canonicalJson({ first: 5, id: '42' }) }));
  });

  it('differs by analysis (text, operation name and visibility class: see analyze.test.ts), variables and accept', () => {
    const key = responseCacheKey(base);
    expect(responseCacheKey({ ...base, operationId: 'a8' })).not.toBe(key);
    expect(responseCacheKey({ ...base, variablesKey: canonicalJson({ id: '43', first: 5 }) })).not.toBe(key);
    expect(responseCacheKey({ ...base, variablesKey: canonicalJson({ id: 42, first: 5 }) })).not.toBe(key);
    expect(responseCacheKey({ ...base, accept: 'application/graphql-response+json' })).not.toBe(key);
  });

  it('cannot be forged by moving text between the variables and the Accept header', () => {
    const a = responseCacheKey({ operationId: 'a1', variablesKey: '{"x":"1|2"}', accept: 'b' });
    const b = responseCacheKey({ operationId: 'a1', variablesKey: '{"x":"1', accept: '2"}|b' });
    expect(a).not.toBe(b);
  });
});
