import type { SalesforceAccount, SalesforceContact, SalesforceUser } from '../shared/connectors/salesforce/records.js';

/** `Money`: a decimal string at the currency's precision, never a float. */
export interface Money {
  amount: string;
  currency: string;
}

/** `Address`. */
export interface Address {
  street: string | null;
  street2: string | null;
  city: string | null;
  zip: string | null;
  state: string | null;
  country: string | null;
}

/** `Customer` as the resolvers hand it on, with the lookups its field resolvers follow. */
export interface CustomerModel {
  id: string;
  name: string;
  accountNumber: string | null;
  type: string | null;
  industry: string | null;
  website: string | null;
  phone: string | null;
  billingAddress: Address | null;
  annualRevenue: Money | null;
  /** Salesforce User Id of the owner, for `owner`. */
  ownerId: string | null;
  /** The reseller's Account Id, for `partner`. */
  partnerAccountId: string | null;
}

/** `Contact`. */
export interface ContactModel {
  id: string;
  name: string;
  firstName: string | null;
  lastName: string;
  title: string | null;
  email: string | null;
  phone: string | null;
  mobilePhone: string | null;
}

/** `SalesRep`. */
export interface SalesRepModel {
  id: string;
  name: string;
  email: string | null;
}

/** `PartnerAccount`. */
export interface PartnerAccountModel {
  id: string;
  name: string;
}

/** The currency when the org is not multi-currency or the record has none. */
export const DEFAULT_CURRENCY = 'EUR';

// ISO 4217 minor units where they are not 2.
const MINOR_UNITS: Record<string, number> = { JPY: 0, KRW: 0, ISK: 0, CLP: 0, VND: 0, HUF: 2, BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3 };

/** Formats an amount at its currency's precision: `1234.5` EUR -> `"1234.50"`. Null for no amount. */
export function toMoney(amount: number | null | undefined, currency: string | null | undefined): Money | null {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return null;
  const code = currency && /^[A-Z]{3}$/.test(currency) ? currency : DEFAULT_CURRENCY;
  const digits = MINOR_UNITS[code] ?? 2;
  return { amount: formatDecimal(amount, digits), currency: code };
}

/**
 * Rounds half away from zero on the number's shortest decimal form (so 1.2345 -> "1.235", where
 * toFixed would see the binary 1.23449999...), then prints it with exactly `digits` decimals.
 */
export function formatDecimal(value: number, digits: number): string {
  const text = String(Math.abs(value));
  if (text.includes('e') || Math.abs(value) >= 1e15) {
    const fixed = Math.abs(value).toFixed(digits);
    return value < 0 && Number(fixed) !== 0 ? `-${fixed}` : fixed;
  }
  const scaled = Math.round(Number(`${text}e${digits}`));
  const padded = String(scaled).padStart(digits + 1, '0');
  const body = digits === 0 ? padded : `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
  // Amounts that round to zero print without a sign.
  return value < 0 && scaled !== 0 ? `-${body}` : body;
}

/** Billing address: the first street line is `street`, the rest `street2`; null when every part is empty. */
export function toBillingAddress(a: SalesforceAccount): Address | null {
  const lines = (a.BillingStreet ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const address: Address = {
    street: lines[0] ?? null,
    street2: lines.length > 1 ? lines.slice(1).join(', ') : null,
    city: a.BillingCity || null,
    zip: a.BillingPostalCode || null,
    state: a.BillingState || null,
    country: a.BillingCountry || null,
  };
  return Object.values(address).some((v) => v !== null) ? address : null;
}

/** Account -> Customer. */
export function toCustomer(a: SalesforceAccount): CustomerModel {
  return {
    id: a.Id,
    name: a.Name,
    accountNumber: a.AccountNumber || null,
    type: a.Type || null,
    industry: a.Industry || null,
    website: a.Website || null,
    phone: a.Phone || null,
    billingAddress: toBillingAddress(a),
    annualRevenue: toMoney(a.AnnualRevenue, a.CurrencyIsoCode),
    ownerId: a.OwnerId || null,
    partnerAccountId: a.Partner_Account__c || null,
  };
}

/** Contact -> Contact. */
export function toContactModel(c: SalesforceContact): ContactModel {
  return {
    id: c.Id,
    name: c.Name || [c.FirstName, c.LastName].filter(Boolean).join(' '),
    firstName: c.FirstName || null,
    lastName: c.LastName,
    title: c.Title || null,
    email: c.Email || null,
    phone: c.Phone || null,
    mobilePhone: c.MobilePhone || null,
  };
}

/** User -> SalesRep. */
export function toSalesRep(u: SalesforceUser): SalesRepModel {
  return { id: u.Id, name: u.Name || [u.FirstName, u.LastName].filter(Boolean).join(' '), email: u.Email || null };
}

/** Reseller Account -> PartnerAccount. */
export function toPartnerAccount(a: SalesforceAccount): PartnerAccountModel {
  return { id: a.Id, name: a.Name };
}
