import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageOfIds as cut, parsePageArgs } from './id-page.js';

const pageOfIds = (model: string, ids: number[], first: number | null, after: string | null) => cut(model, ids, parsePageArgs(model, first, after));

describe('pageOfIds', () => {
  const ids = [50, 40, 30, 20, 10];

  it('pages through the list with cursors', () => {
    const p1 = pageOfIds('sale.order', ids, 2, null);
    expect(p1).toMatchObject({ ids: [50, 40], hasNextPage: true, totalCount: 5 });
    const p2 = pageOfIds('sale.order', ids, 2, p1.endCursor);
    expect(p2.ids).toEqual([30, 20]);
    const p3 = pageOfIds('sale.order', ids, 2, p2.endCursor);
    expect(p3).toMatchObject({ ids: [10], hasNextPage: false });
    expect(pageOfIds('sale.order', [], 5, null)).toMatchObject({ ids: [], endCursor: null, hasNextPage: false, totalCount: 0 });
  });

  it('refuses bad sizes and foreign or malformed cursors', () => {
    expect(() => pageOfIds('sale.order', ids, -1, null)).toThrow(/first/);
    expect(() => pageOfIds('sale.order', ids, 101, null)).toThrow(/first/);
    expect(() => pageOfIds('sale.order', ids, 2, encodeCursor('account.move', 40))).toThrow(/after/);
    expect(() => pageOfIds('sale.order', ids, 2, 'not a cursor!')).toThrow(/after/);
    expect(() => pageOfIds('sale.order', ids, 2, encodeCursor('sale.order', 99))).toThrow(/after/);
  });

  it('round-trips cursors', () => {
    expect(decodeCursor('sale.order', encodeCursor('sale.order', 42))).toBe(42);
    expect(decodeCursor('sale.order', Buffer.from('sale.order:0').toString('base64url'))).toBeNull();
  });
});
