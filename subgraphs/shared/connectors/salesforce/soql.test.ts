import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeStringLiteral, compileLikePattern } from '../../../../sandbox/salesforce/soql-parser.js';
import { soqlEscape, soqlLike, soqlList, soqlString } from './soql.js';
import { isSalesforceId, toSalesforceId18 } from '../../../../platform/ids/salesforce-id.js';

const reject = (): never => {
  throw new Error('rejected escape');
};

describe('soqlString / soqlLike', () => {
  it('escapes backslash first, then quotes and control characters', () => {
    expect(soqlString("O'Brien")).toBe("'O\\'Brien'");
    expect(soqlEscape('a\\b')).toBe('a\\\\b');
    expect(soqlEscape("\\'")).toBe("\\\\\\'");
    expect(soqlEscape('"\n\r\t\b\f')).toBe('\\"\\n\\r\\t\\b\\f');
    expect(soqlLike('100%_off')).toBe('100\\%\\_off');
    expect(soqlList(['a', "b'"])).toBe("('a', 'b\\'')");
  });

  it('decodes back to the same text under Salesforce rules (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => decodeStringLiteral(soqlEscape(s), reject) === s),
      { numRuns: 1000 },
    );
  });

  it('makes LIKE match the text literally (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (s, other) => {
        const pattern = compileLikePattern(soqlLike(s), reject);
        return pattern.test(s) && (other.toLowerCase() === s.toLowerCase() || !pattern.test(other));
      }),
      { numRuns: 1000 },
    );
  });

  it('never lets a quote end the literal', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const body = soqlEscape(s);
        // Every quote in the escaped body is preceded by an odd number of backslashes.
        return [...body.matchAll(/(\\*)'/g)].every((m) => m[1]!.length % 2 === 1);
      }),
    );
  });
});

describe('isSalesforceId', () => {
  it('accepts 15- and 18-character ids with a valid suffix only', () => {
    expect(isSalesforceId('0015g000000001hAAA')).toBe(true);
    expect(isSalesforceId('0015g000000001h')).toBe(true);
    expect(toSalesforceId18('0015g000000001h')).toBe('0015g000000001hAAA');
    expect(isSalesforceId('0015g000000001hAAB')).toBe(false);
    expect(isSalesforceId("001' OR Id != '")).toBe(false);
    expect(isSalesforceId('')).toBe(false);
    expect(isSalesforceId(42)).toBe(false);
  });
});
