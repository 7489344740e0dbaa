import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../platform/authz/principal.js';
import { createRequestLimiter, DEFAULT_REQUEST_RATES, rateKeyOf, rateLimitHeaders, rateOf } from './rate-limit.js';

const agent: Principal = { sub: 'agent-1', roles: ['support_agent'], scopes: new Set() };
const partner = (sub: string): Principal => ({ sub, roles: ['partner'], scopes: new Set(), partnerId: '001R' });

describe('request rate limits', () => {
  it('key partners by reseller (its integrations share one budget) and everyone else by subject', () => {
    expect(rateKeyOf(partner('a'))).toBe(rateKeyOf(partner('b')));
    expect(rateKeyOf(agent)).toBe('sub:agent-1');
    expect(rateOf(partner('a'), { ...DEFAULT_REQUEST_RATES })).toEqual({ perSecond: 10, burst: 20 });
    expect(rateOf({ ...agent, roles: ['finance', 'admin'] }, { ...DEFAULT_REQUEST_RATES, admin: { perSecond: 80, burst: 90 } })).toEqual({ perSecond: 80, burst: 90 });
  });

  it('let a burst through up to its size, then refuse with the time to wait', async () => {
    const limiter = createRequestLimiter({ rates: { partner: { perSecond: 2, burst: 4 } } });
    const decisions = [];
    for (let i = 0; i < 6; i++) decisions.push(await limiter.consume(partner('a')));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, false, false]);
    expect(decisions[5]!.resetSeconds).toBeGreaterThanOrEqual(1);
    // Another reseller is not affected.
    expect((await limiter.consume({ ...partner('z'), partnerId: '001S' })).allowed).toBe(true);
    expect(rateLimitHeaders(decisions[0]!)).toEqual({ 'ratelimit-policy': '"requests";q=2;w=1, "burst";q=2;w=10', ratelimit: '"requests";r=1;t=1' });
  });

  it('refuse a rate whose burst is below it', () => {
    expect(() => createRequestLimiter({ rates: { admin: { perSecond: 5, burst: 2 } } })).toThrow(/burst >= perSecond/);
  });
});
