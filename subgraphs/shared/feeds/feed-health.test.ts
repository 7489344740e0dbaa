import { describe, expect, it } from 'vitest';
import { FeedHealth } from './feed-health.js';

/** A feed health over a clock the test moves. */
function healthAt(start = 1_000_000) {
  let now = start;
  const health = new FeedHealth({ maxLagMs: 5000, lagHoldMs: 60_000, now: () => now });
  return { health, advance: (ms: number) => (now += ms), now: () => now };
}

describe('FeedHealth', () => {
  it('falls back when an event arrives later than the bound, and covers again from the end of the hold', () => {
    const { health, advance, now } = healthAt();
    health.up('salesforce');
    const upAt = now();
    advance(10_000);
    health.event('salesforce', 1000);
    expect(health.coveringSince('salesforce')).toBe(upAt);
    health.event('salesforce', 6000);
    expect(health.status('salesforce')).toMatchObject({ state: 'lagging', reason: 'an event arrived 6000 ms after its change (bound 5000 ms)', lastLagMs: 6000 });
    expect(health.coveringSince('salesforce')).toBeUndefined();
    advance(59_999);
    expect(health.coveringSince('salesforce')).toBeUndefined();
    advance(1);
    // Covered again, but only for what is stored from now on.
    expect(health.coveringSince('salesforce')).toBe(now());
    expect(health.status('salesforce').state).toBe('healthy');
  });

  it('does not fall back for a late event of a change made before the feed came up (a backlog caught up)', () => {
    const { health, advance, now } = healthAt();
    health.up('salesforce');
    health.down('salesforce', 'the subscriber is stopped');
    advance(10_000);
    health.up('salesforce');
    const upAt = now();
    advance(200);
    // Changed 10 s ago, while the subscriber was down: replayed from its replay id.
    health.event('salesforce', 10_000);
    expect(health.status('salesforce')).toMatchObject({ state: 'healthy', lastLagMs: 10_000, events: 1 });
    expect(health.coveringSince('salesforce')).toBe(upAt);
    // A change made after it came up and delivered late still makes it fall back.
    advance(6000);
    health.event('salesforce', 5500);
    expect(health.status('salesforce').state).toBe('lagging');
  });

  it('marks nothing as lagging while the feed is down or off', () => {
    const { health } = healthAt();
    health.down('zendesk', 'not connected');
    health.event('zendesk', 60_000);
    expect(health.status('zendesk').state).toBe('down');
    health.off('odoo');
    health.event('odoo', 60_000);
    expect(health.status('odoo').state).toBe('off');
  });
});
