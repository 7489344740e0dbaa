import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DocumentRefusal, expandedFieldCount, nestingDepth, parseBounded } from './document-limits.js';

const bomb = (levels: number) => {
  let doc = 'query { ...F1 }';
  for (let i = 1; i < levels; i++) doc += ` fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`;
  return `${doc} fragment F${levels} on Query { __typename }`;
};

describe('expandedFieldCount', () => {
  it('counts fields as they would be once every spread is expanded', () => {
    expect(expandedFieldCount(parse('{ a { b c } ...F } fragment F on Query { d e { f } }'))).toBe(6);
    expect(expandedFieldCount(parse(bomb(10)))).toBe(2 ** 9);
  });

  it('counts nested spreads without expanding them: 2^40 is known in a few steps', () => {
    expect(expandedFieldCount(parse(bomb(41)))).toBe(2 ** 40);
    expect(expandedFieldCount(parse(bomb(61)), 1000)).toBe(1001);
  });

  it('counts nothing for unknown or cyclic spreads (validation refuses them)', () => {
    expect(expandedFieldCount(parse('{ a ...X } fragment X on Query { ...Y b } fragment Y on Query { ...X c }'))).toBe(3);
  });
});

describe('parseBounded', () => {
  it('refuses nesting past the bound before parsing, without recursing', () => {
    const deep = `${'{ a '.repeat(7000)}${'}'.repeat(7000)}`;
    expect(() => parseBounded(deep, { maxTokens: 15_000, maxExpandedFields: 20_000 })).toThrow(/nests more than 128 levels/);
    expect(nestingDepth('query($v: [[Int]]) { a(x: [[1]]) { b { c } } }')).toBe(4);
  });

  it('refuses a document past the expansion limit as a validation failure', () => {
    const refused = (() => {
      try {
        parseBounded(bomb(25), { maxTokens: 15_000, maxExpandedFields: 20_000 });
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(DocumentRefusal);
    expect((refused as DocumentRefusal).code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses too many tokens as a validation failure and syntax errors as parse failures', () => {
    expect(() => parseBounded(`{ ${'a '.repeat(200)} }`, { maxTokens: 100, maxExpandedFields: 1000 })).toThrow(/more than 100 tokens/);
    try {
      parseBounded('{ a(', { maxTokens: 100, maxExpandedFields: 1000 });
    } catch (err) {
      expect((err as DocumentRefusal).code).toBe('GRAPHQL_PARSE_FAILED');
      expect((err as DocumentRefusal).locations).toEqual([{ line: 1, column: 5 }]);
    }
  });
});
