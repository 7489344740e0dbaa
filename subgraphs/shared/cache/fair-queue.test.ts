import { describe, expect, it } from 'vitest';
import { FairQueue } from './fair-queue.js';
import { DEFAULT_SHARE_WEIGHTS, parseShareWeights, shareOf } from './fair-share.js';

const support = { key: 'support', weight: 4 };
const partner = { key: 'partner:0015g0000000001AAA', weight: 1 };
const other = { key: 'partner:0015g0000000002AAA', weight: 1 };

function popAll<T>(queue: FairQueue<T>, n: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(queue.pop()!);
  return out;
}

describe('FairQueue', () => {
  it('serves backlogged shares in proportion to their weights', () => {
    const queue = new FairQueue<string>();
    for (let i = 0; i < 100; i++) queue.push(partner, 'p');
    for (let i = 0; i < 100; i++) queue.push(support, 's');
    const first = popAll(queue, 50);
    expect(first.filter((x) => x === 's')).toHaveLength(40);
    expect(first.filter((x) => x === 'p')).toHaveLength(10);
    expect(queue.size).toBe(150);
  });

  it('lets a share that just arrived pass ahead of a flood queued before it', () => {
    const queue = new FairQueue<string>();
    for (let i = 0; i < 1000; i++) queue.push(partner, `p${i}`);
    expect(popAll(queue, 3)).toEqual(['p0', 'p1', 'p2']);
    queue.push(support, 's0');
    expect(queue.pop()).toBe('s0');
  });

  it('keeps arrival order within a share, and gives an idle share no saved-up credit', () => {
    const queue = new FairQueue<string>();
    for (let i = 0; i < 100; i++) queue.push(partner, `a${i}`);
    popAll(queue, 90);
    for (let i = 0; i < 10; i++) queue.push(other, `b${i}`);
    // Equal weights, one idle until now: the two alternate from here on.
    expect(popAll(queue, 6)).toEqual(['b0', 'a90', 'b1', 'a91', 'b2', 'a92']);
  });

  it('makes room in a full queue by pushing out the newest item of the longest share, never a shorter one', () => {
    const queue = new FairQueue<string>();
    for (let i = 0; i < 8; i++) queue.push(partner, `p${i}`);
    queue.push(support, 's0');
    expect(queue.pushOutFor(support)).toBe('p7');
    expect(queue.queuedIn(partner.key)).toBe(7);
    // The flooding share itself gets no room: nothing is longer than its own queue.
    expect(queue.pushOutFor(partner)).toBeUndefined();
    expect(queue.pushOutFor(other)).toBe('p6');
  });
});

describe('shareOf', () => {
  it('gives each partner a queue of its own, the roles their group, and unknown callers the rest', () => {
    expect(shareOf('partner:0015g0000000001AAA')).toEqual({ key: 'partner:0015g0000000001AAA', weight: 1 });
    expect(shareOf('support_agent')).toEqual({ key: 'support', weight: 4 });
    expect(shareOf('finance')).toEqual({ key: 'crm', weight: 4 });
    expect(shareOf('finance+sales_rep')).toEqual({ key: 'crm', weight: 4 });
    expect(shareOf('internal')).toEqual({ key: 'other', weight: 1 });
    expect(shareOf(undefined)).toEqual({ key: 'other', weight: 1 });
    expect(shareOf('admin+support_agent', { ...DEFAULT_SHARE_WEIGHTS, admin: 2 })).toEqual({ key: 'support', weight: 4 });
  });

  it('parses weights and names a bad part', () => {
    expect(parseShareWeights('partner=2')).toEqual({ ...DEFAULT_SHARE_WEIGHTS, partner: 2 });
    expect(() => parseShareWeights('partner=0')).toThrow(/weight of partner/);
    expect(() => parseShareWeights('agents=3')).toThrow(/"agents" is not a share group/);
  });
});
