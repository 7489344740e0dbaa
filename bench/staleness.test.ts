import { describe, expect, it } from 'vitest';
import { ChangeHistory, type RecordedChange } from './staleness.js';

const at = (ms: number) => new Date(ms).toISOString();
const hold = (ms: number, from: string, to: string): RecordedChange => ({ at: at(ms), model: 'res.partner', id: 7, values: { sale_warn: to }, previous: { sale_warn: from } });
const shown = (value: string) => ({ entity: 'res.partner', id: '7', field: 'sale_warn', value });
const T = Date.parse('2026-12-01T10:00:00Z');

describe('staleness against the change history', () => {
  // hold -> no-hold at +1 s, back to hold at +5 s, no-hold again at +5.5 s
  const history = new ChangeHistory([hold(T + 1000, 'block', 'no-message'), hold(T + 5000, 'no-message', 'block'), hold(T + 5500, 'block', 'no-message')], (_e, _f, v) => String(v));

  it('is 0 for the value current when the request was sent, and for a value never changed before it', () => {
    expect(history.staleness(shown('no-message'), T + 2000)).toBe(0);
    expect(history.staleness(shown('block'), T + 500)).toBe(0);
  });

  it('is the time since the value shown was last replaced before the request', () => {
    expect(history.staleness(shown('block'), T + 3000)).toBe(2000);
    expect(history.staleness(shown('block'), T + 6000)).toBe(500);
  });

  it('is 0 for a value a change made while the request was under way set, even one the field held long before', () => {
    // Sent just before the change back to the hold, answered just after it: the answer shows the new value.
    expect(history.staleness(shown('block'), T + 4990, T + 5010)).toBe(0);
    // The same answer arriving before that change was stale (the hold had been lifted 3.99 s earlier).
    expect(history.staleness(shown('block'), T + 4990, T + 4995)).toBe(3990);
  });
});
