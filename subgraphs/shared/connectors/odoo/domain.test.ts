import { describe, expect, it } from 'vitest';
import { checkFieldName, domainFor } from './domain.js';

describe('domainFor', () => {
  it('builds leaves joined by implicit AND from typed values', () => {
    const d = domainFor('sale.order').where('partner_id', 'in', [1, 2]).where('state', '!=', 'cancel').build();
    expect(d).toEqual([['partner_id', 'in', [1, 2]], ['state', '!=', 'cancel']]);
  });

  it('keeps hostile strings as plain values', () => {
    const evil = "S0001'], ['id', '>', 0]) or ('";
    expect(domainFor('sale.order').where('name', '=', evil).build()).toEqual([['name', '=', evil]]);
  });

  it('builds OR groups in prefix notation', () => {
    const d = domainFor('account.move').whereAny(['state', '=', 'posted'], ['state', '=', 'draft'], ['state', '=', 'cancel']).build();
    expect(d).toEqual(['|', '|', ['state', '=', 'posted'], ['state', '=', 'draft'], ['state', '=', 'cancel']]);
  });

  it('refuses fields outside the allowlist and dotted paths not listed', () => {
    expect(() => domainFor('res.partner').where('user_ids.password', '=', 'x')).toThrow(/may not be used/);
    expect(() => domainFor('sale.order').where('note', '=', 'x')).toThrow(/may not be used/);
    expect(() => domainFor('stock.quant').where('location_id.usage', '=', 'internal')).not.toThrow();
  });

  it('accepts configured extra fields', () => {
    expect(domainFor('res.partner', ['x_sf_account']).where('x_sf_account', 'in', ['001']).build()).toEqual([['x_sf_account', 'in', ['001']]]);
  });

  it('checks value shapes against the operator', () => {
    const b = domainFor('sale.order');
    expect(() => b.where('id', 'in', 5 as unknown as number[])).toThrow(/needs an array/);
    expect(() => b.where('id', '=', [5] as unknown as number)).toThrow(/single value/);
    expect(() => b.where('id', '=', Number.NaN)).toThrow(/finite number/);
    expect(() => b.where('id', '=', { a: 1 } as unknown as string)).toThrow(/string, finite number or boolean/);
    expect(() => b.where('id', 'in', [1, 'a'] as unknown as number[])).toThrow(/must all be strings or all numbers/);
    expect(() => b.where('id', 'sql' as '=', 1)).toThrow(/unknown operator/);
  });

  it('checks configured field names', () => {
    expect(checkFieldName('x_sf_id', 's')).toBe('x_sf_id');
    expect(() => checkFieldName('partner_id.ref', 'odoo partnerRefField')).toThrow(/odoo partnerRefField/);
  });
});
