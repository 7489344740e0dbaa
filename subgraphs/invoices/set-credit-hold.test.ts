import { describe, expect, it } from 'vitest';
import type { OdooPartner } from '../shared/connectors/odoo/records.js';
import { DEFAULT_HOLD_REASON, parseCreditHoldArgs, targetWarning } from './set-credit-hold.js';

const CUSTOMER = '0015g0000000001AAA';
const partner = (sale_warn: string, sale_warn_msg: string | false) => ({ id: 7, sale_warn, sale_warn_msg }) as OdooPartner;

describe('parseCreditHoldArgs', () => {
  it('trims the reason and treats a blank one as none', () => {
    expect(parseCreditHoldArgs({ customerId: CUSTOMER, onHold: true, reason: '  Overdue\nsince May ' })).toEqual({ customerId: CUSTOMER, onHold: true, reason: 'Overdue\nsince May' });
    expect(parseCreditHoldArgs({ customerId: CUSTOMER, onHold: false, reason: '   ' }).reason).toBeNull();
  });

  it('names the argument at fault', () => {
    const field = (args: Record<string, unknown>) => {
      try {
        parseCreditHoldArgs(args);
      } catch (err) {
        return (err as { extensions?: Record<string, unknown> }).extensions?.field;
      }
      return undefined;
    };
    expect(field({ customerId: 'x', onHold: true })).toBe('customerId');
    expect(field({ customerId: CUSTOMER, onHold: 'yes' })).toBe('onHold');
    expect(field({ customerId: CUSTOMER, onHold: true, reason: 'r'.repeat(501) })).toBe('reason');
    expect(field({ customerId: CUSTOMER, onHold: true, reason: 'a\u001bb' })).toBe('reason');
    expect(field({ customerId: CUSTOMER, onHold: true, reason: 'r'.repeat(500) })).toBeUndefined();
  });
});

describe('targetWarning', () => {
  const hold = (reason: string | null) => ({ customerId: CUSTOMER, onHold: true, reason });
  const lift = { customerId: CUSTOMER, onHold: false, reason: null };
  it('blocks with the reason (or a default), and writes nothing when the partner already has that state', () => {
    expect(targetWarning(partner('no-message', false), hold('Overdue'))).toEqual({ warn: 'block', message: 'Overdue' });
    expect(targetWarning(partner('warning', 'Check address'), hold(null))).toEqual({ warn: 'block', message: DEFAULT_HOLD_REASON });
    expect(targetWarning(partner('block', 'Overdue'), hold('Overdue'))).toBeNull();
    expect(targetWarning(partner('block', 'Overdue'), hold('Disputed'))).toEqual({ warn: 'block', message: 'Disputed' });
  });

  it('lifts only a block, leaving a plain warning alone', () => {
    expect(targetWarning(partner('block', 'Overdue'), lift)).toEqual({ warn: 'no-message', message: false });
    expect(targetWarning(partner('warning', 'Check address'), lift)).toBeNull();
    expect(targetWarning(partner('no-message', false), lift)).toBeNull();
  });
});
