import { describe, expect, it } from 'vitest';
import type { SalesforceAccount } from '../shared/connectors/salesforce/records.js';
import { toBillingAddress, toContactModel, toCustomer, toMoney, toPartnerAccount, toSalesRep } from './mappers.js';

const account = (overrides: Partial<SalesforceAccount> = {}): SalesforceAccount => ({
  Id: '0015g000000001hAAA',
  Name: 'North Bikes Ltd',
  AccountNumber: 'CUST-000001',
  Type: 'Customer - Direct',
  Industry: 'Retail',
  Phone: '+49 30 123',
  Website: 'https://north.example',
  Description: null,
  BillingStreet: 'Unit 4\n12 Harbor Road',
  BillingCity: 'Berlin',
  BillingState: null,
  BillingPostalCode: '10115',
  BillingCountry: 'Germany',
  AnnualRevenue: 1234000,
  NumberOfEmployees: 12,
  OwnerId: '0055g0000000001AAA',
  Partner_Account__c: null,
  ERP_Customer_Id__c: 'C0',
  CurrencyIsoCode: null,
  LastModifiedDate: '2026-10-01T00:00:00.000+0000',
  ...overrides,
});

describe('toMoney', () => {
  it('formats decimals as strings at the currency precision, EUR by default', () => {
    expect(toMoney(1234, null)).toEqual({ amount: '1234.00', currency: 'EUR' });
    expect(toMoney(0.1 + 0.2, 'USD')).toEqual({ amount: '0.30', currency: 'USD' });
    expect(toMoney(1234.5, 'JPY')).toEqual({ amount: '1235', currency: 'JPY' });
    expect(toMoney(1.2345, 'KWD')).toEqual({ amount: '1.235', currency: 'KWD' });
    expect(toMoney(-0.001, 'EUR')).toEqual({ amount: '0.00', currency: 'EUR' });
    expect(toMoney(-12.5, 'GBP')).toEqual({ amount: '-12.50', currency: 'GBP' });
    expect(toMoney(5, 'not a code')).toEqual({ amount: '5.00', currency: 'EUR' });
    expect(toMoney(null, 'EUR')).toBeNull();
    expect(toMoney(Number.NaN, 'EUR')).toBeNull();
    expect(toMoney(1.005, 'EUR')).toEqual({ amount: '1.01', currency: 'EUR' });
    expect(toMoney(0.5, 'JPY')).toEqual({ amount: '1', currency: 'JPY' });
    expect(toMoney(0.05, 'EUR')).toEqual({ amount: '0.05', currency: 'EUR' });
    expect(toMoney(-2.5, 'JPY')).toEqual({ amount: '-3', currency: 'JPY' });
  });
});

describe('toCustomer', () => {
  it('maps an Account, keeping the lookups for owner and partner', () => {
    expect(toCustomer(account({ Partner_Account__c: '0015g0000000002AAA', CurrencyIsoCode: 'GBP' }))).toEqual({
      id: '0015g000000001hAAA',
      name: 'North Bikes Ltd',
      accountNumber: 'CUST-000001',
      type: 'Customer - Direct',
      industry: 'Retail',
      website: 'https://north.example',
      phone: '+49 30 123',
      billingAddress: { street: 'Unit 4', street2: '12 Harbor Road', city: 'Berlin', zip: '10115', state: null, country: 'Germany' },
      annualRevenue: { amount: '1234000.00', currency: 'GBP' },
      ownerId: '0055g0000000001AAA',
      partnerAccountId: '0015g0000000002AAA',
    });
  });

  it('turns empty values into null', () => {
    const c = toCustomer(account({ Phone: '', Website: null, AnnualRevenue: null, BillingStreet: null, BillingCity: null, BillingPostalCode: null, BillingCountry: null }));
    expect(c).toMatchObject({ phone: null, website: null, annualRevenue: null, billingAddress: null });
    expect(toBillingAddress(account({ BillingStreet: '1 Mill Lane' }))).toMatchObject({ street: '1 Mill Lane', street2: null });
  });
});

describe('contacts, owners, partners', () => {
  it('maps Contact, User and reseller Account', () => {
    expect(toContactModel({ Id: '0035g0000000001AAA', AccountId: 'x', FirstName: 'Anna', LastName: 'Becker', Name: 'Anna Becker', Email: 'a@b.example', Phone: null, MobilePhone: '1', Title: '' })).toEqual({
      id: '0035g0000000001AAA',
      name: 'Anna Becker',
      firstName: 'Anna',
      lastName: 'Becker',
      title: null,
      email: 'a@b.example',
      phone: null,
      mobilePhone: '1',
    });
    expect(toSalesRep({ Id: 'u', Name: '', FirstName: 'Ada', LastName: 'Moreau', Email: null, Title: null, IsActive: true })).toEqual({ id: 'u', name: 'Ada Moreau', email: null });
    expect(toPartnerAccount(account())).toEqual({ id: '0015g000000001hAAA', name: 'North Bikes Ltd' });
  });
});
