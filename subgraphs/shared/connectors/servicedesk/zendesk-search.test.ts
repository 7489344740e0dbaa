import { describe, expect, it } from 'vitest';
import { keywordTerm, sanitizeSearchValue, ticketQueryForValues } from './zendesk-search.js';

describe('Zendesk search escaping', () => {
  it('quotes values and removes what could end the quote or widen the match', () => {
    expect(keywordTerm('custom_field_1', 'S00042')).toBe('custom_field_1:"S00042"');
    expect(sanitizeSearchValue('S00042" organization:*')).toBe('S00042 organization:');
    expect(sanitizeSearchValue('a\\"b\nc\td*')).toBe('a b c d');
    expect(sanitizeSearchValue('“smart” quotes')).toBe('smart quotes');
    expect(sanitizeSearchValue('x'.repeat(500))).toHaveLength(200);
    expect(keywordTerm('custom_field_1', '" \\ *')).toBeNull();
  });

  it('refuses keywords that are not identifiers', () => {
    expect(() => keywordTerm('status:open type', 'x')).toThrow(TypeError);
  });

  it('repeats the keyword for several values and skips empty ones', () => {
    expect(ticketQueryForValues('custom_field_7', ['S1', '"', 'S2'], ['status<solved'])).toBe('type:ticket status<solved custom_field_7:"S1" custom_field_7:"S2"');
    expect(ticketQueryForValues('custom_field_7', ['"', ''])).toBeNull();
  });
});
