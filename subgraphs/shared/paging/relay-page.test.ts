import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { connectionOf, decodeCursor, encodeCursor, pageOf, parsePage, startOffset } from './relay-page.js';

const ORDERS = 'sale.order@001A';
const ids = [50, 40, 30, 20, 10];
const page = (keys: readonly number[], first: number | null, after: string | null, list = ORDERS) => pageOf(list, keys, parsePage(list, first, after));

/** The code and field of what parsePage throws. */
function refusal(fn: () => unknown): { code: unknown; field: unknown } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GraphQLError);
    return { code: (err as GraphQLError).extensions.code, field: (err as GraphQLError).extensions.field };
  }
  throw new Error('did not throw');
}

describe('parsePage', () => {
  it('takes first 1..100 (20 when absent) and refuses anything else as BAD_USER_INPUT first', () => {
    expect(parsePage(ORDERS, undefined, null)).toEqual({ size: 20, after: null });
    expect(parsePage(ORDERS, null, undefined).size).toBe(20);
    expect(parsePage(ORDERS, 1, null).size).toBe(1);
    expect(parsePage(ORDERS, 100, null).size).toBe(100);
    for (const first of [0, -1, 101, 1.5, Number.NaN]) expect(refusal(() => parsePage(ORDERS, first, null))).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('refuses forged cursors and cursors of another list as BAD_USER_INPUT after', () => {
    const forged = ['', 'not a cursor!', 'x'.repeat(300), Buffer.from('sale.order:40').toString('base64url'), Buffer.from('offset:5').toString('base64'), Buffer.from('AAAAAAAAAAA.1.40').toString('base64url')];
    for (const after of forged) expect(refusal(() => parsePage(ORDERS, 2, after)), after).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    // Same key and position, another customer's list or another model's.
    for (const list of ['sale.order@001B', 'account.move@001A', 'ticket@001A']) {
      expect(refusal(() => parsePage(ORDERS, 2, encodeCursor(list, 40, 1)))).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    }
  });
});

describe('cursors', () => {
  it('round-trip their key and position without showing the list', () => {
    const cursor = encodeCursor(ORDERS, 10042, 7);
    expect(decodeCursor(ORDERS, cursor)).toEqual({ key: '10042', index: 7 });
    expect(Buffer.from(cursor, 'base64url').toString()).not.toContain('001A');
    expect(decodeCursor('Account?search=', encodeCursor('Account?search=', '0015g0000000007AAA', 0))).toEqual({ key: '0015g0000000007AAA', index: 0 });
  });
});

describe('pageOf', () => {
  it('pages through a list with cursors', () => {
    const p1 = page(ids, 2, null);
    expect(p1).toMatchObject({ keys: [50, 40], hasNextPage: true, totalCount: 5 });
    const p2 = page(ids, 2, p1.endCursor);
    expect(p2.keys).toEqual([30, 20]);
    const p3 = page(ids, 2, p2.endCursor);
    expect(p3).toMatchObject({ keys: [10], hasNextPage: false });
    expect(page([], 5, null)).toMatchObject({ keys: [], endCursor: null, hasNextPage: false, totalCount: 0 });
  });

  it('stays after its item when newer items are added before it', () => {
    const p1 = page(ids, 2, null);
    expect(page([70, 60, ...ids], 2, p1.endCursor).keys).toEqual([30, 20]);
  });

  it('continues at the position of an item that left the list: nothing after it is skipped', () => {
    const p1 = page(ids, 2, null);
    expect(page([50, 30, 20, 10], 2, p1.endCursor).keys).toEqual([30, 20]);
    // The last item gone: the list is done, not an error.
    const last = page(ids, 5, null);
    expect(page([50, 40, 30], 2, last.endCursor)).toMatchObject({ keys: [], hasNextPage: false, totalCount: 3 });
  });

  it('keeps cursors of the page for loaded nodes and leaves missing nodes out', () => {
    const p = page(ids, 3, null);
    const connection = connectionOf(p, ['a', null, 'c']);
    expect(connection.edges).toEqual([{ cursor: p.cursors[0], node: 'a' }, { cursor: p.cursors[2], node: 'c' }]);
    expect(connection.pageInfo).toEqual({ hasNextPage: true, endCursor: p.endCursor });
  });
});

describe('startOffset', () => {
  it('starts a list read from the backend page by page just after the cursor\'s position', () => {
    const list = 'Account?search=north';
    expect(startOffset(parsePage(list, 20, null))).toBe(0);
    expect(startOffset(parsePage(list, 20, encodeCursor(list, '0015g0000000007AAA', 19)))).toBe(20);
  });
});
