import { describe, expect, it } from 'vitest';
import { formatAmount, many2oneName, many2oneRef, orNull, toIsoDate, toIsoDateTime, toMoney } from './values.js';

describe('values', () => {
  it('formats amounts at currency precision without float artefacts', () => {
    expect(formatAmount(1.005)).toBe('1.01');
    expect(formatAmount(0.1 + 0.2)).toBe('0.30');
    expect(formatAmount(-12.345)).toBe('-12.35');
    expect(formatAmount(-0.001)).toBe('0.00');
    expect(formatAmount(1234567.5)).toBe('1234567.50');
    expect(formatAmount(1500.4, 'JPY')).toBe('1500');
    expect(() => formatAmount(Number.NaN)).toThrow(RangeError);
  });

  it('builds money from an amount and a currency many2one', () => {
    expect(toMoney(10, [1, 'EUR'])).toEqual({ amount: '10.00', currency: 'EUR' });
    expect(toMoney(false, false, 'USD')).toEqual({ amount: '0.00', currency: 'USD' });
  });

  it('maps many2one and false', () => {
    expect(many2oneName([3, 'Net 30'])).toBe('Net 30');
    expect(many2oneRef([3, 'Net 30'])).toBe('3');
    expect(many2oneName(false)).toBeNull();
    expect(many2oneRef(false)).toBeNull();
    expect(orNull(false)).toBeNull();
    expect(orNull('')).toBeNull();
    expect(orNull('x')).toBe('x');
  });

  it('converts Odoo datetimes (UTC) to ISO 8601', () => {
    expect(toIsoDateTime('2026-10-30 08:15:00')).toBe('2026-10-30T08:15:00Z');
    expect(toIsoDateTime('2026-10-30')).toBe('2026-10-30');
    expect(toIsoDateTime(false)).toBeNull();
    expect(toIsoDate('2026-10-30')).toBe('2026-10-30');
    expect(toIsoDate(false)).toBeNull();
  });
});

describe('input shapes', () => {
  it('parses record ids', async () => {
    const { parseRecordId, isRecordName } = await import('./values.js');
    expect(parseRecordId('42')).toBe(42);
    expect(parseRecordId(42)).toBe(42);
    for (const bad of ['0', '-1', '1.5', 'abc', '', ' 1', '99999999999999999', null, undefined]) expect(parseRecordId(bad)).toBeNull();
    expect(isRecordName('S00042')).toBe(true);
    expect(isRecordName('INV/2026/00001')).toBe(true);
    for (const bad of ['', "S1' OR 1=1", 'a'.repeat(65), 'S 1', 42]) expect(isRecordName(bad)).toBe(false);
  });
});
