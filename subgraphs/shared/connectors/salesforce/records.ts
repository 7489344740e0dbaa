/**
 * The Salesforce records the connector returns, with Salesforce's own field names, and the
 * canonical field sets it reads: one per object, covering every field a subgraph may expose, so
 * that one cached record serves every query shape.
 */

/** An Account as the connector reads it. Unset fields are null. */
export interface SalesforceAccount {
  Id: string;
  Name: string;
  AccountNumber: string | null;
  Type: string | null;
  Industry: string | null;
  Phone: string | null;
  Website: string | null;
  Description: string | null;
  BillingStreet: string | null;
  BillingCity: string | null;
  BillingState: string | null;
  BillingPostalCode: string | null;
  BillingCountry: string | null;
  AnnualRevenue: number | null;
  NumberOfEmployees: number | null;
  OwnerId: string | null;
  /** The reseller's Account Id, or null for a direct customer. */
  Partner_Account__c: string | null;
  ERP_Customer_Id__c: string | null;
  /** Only read when the org has multi-currency enabled (option `multiCurrency`). */
  CurrencyIsoCode: string | null;
  LastModifiedDate: string | null;
}

/** A User (account owner) as the connector reads it. */
export interface SalesforceUser {
  Id: string;
  Name: string;
  FirstName: string | null;
  LastName: string | null;
  Email: string | null;
  Title: string | null;
  IsActive: boolean | null;
}

/** A Contact as the connector reads it. */
export interface SalesforceContact {
  Id: string;
  AccountId: string | null;
  FirstName: string | null;
  LastName: string;
  Name: string;
  Email: string | null;
  Phone: string | null;
  MobilePhone: string | null;
  Title: string | null;
}

/** The canonical Account field set (without CurrencyIsoCode, which only multi-currency orgs have). */
export const ACCOUNT_FIELDS = [
  'Id',
  'Name',
  'AccountNumber',
  'Type',
  'Industry',
  'Phone',
  'Website',
  'Description',
  'BillingStreet',
  'BillingCity',
  'BillingState',
  'BillingPostalCode',
  'BillingCountry',
  'AnnualRevenue',
  'NumberOfEmployees',
  'OwnerId',
  'Partner_Account__c',
  'ERP_Customer_Id__c',
  'LastModifiedDate',
] as const satisfies readonly (keyof SalesforceAccount)[];

/** The canonical User field set. */
export const USER_FIELDS = ['Id', 'Name', 'FirstName', 'LastName', 'Email', 'Title', 'IsActive'] as const satisfies readonly (keyof SalesforceUser)[];

/** The canonical Contact field set. */
export const CONTACT_FIELDS = ['Id', 'AccountId', 'FirstName', 'LastName', 'Name', 'Email', 'Phone', 'MobilePhone', 'Title'] as const satisfies readonly (keyof SalesforceContact)[];

/** Account fields that Salesforce or other processes own: read, never written by the connector. */
const ACCOUNT_READ_ONLY_FIELDS = ['Id', 'OwnerId', 'Partner_Account__c', 'ERP_Customer_Id__c', 'LastModifiedDate'] as const satisfies readonly (typeof ACCOUNT_FIELDS)[number][];

/** A field the connector may write on an Account. */
export type SalesforceAccountWritableField = Exclude<(typeof ACCOUNT_FIELDS)[number], (typeof ACCOUNT_READ_ONLY_FIELDS)[number]>;

/** Account fields the connector may write (the allowlist for updates and upserts): the canonical set without the read-only ones. */
export const ACCOUNT_WRITABLE_FIELDS: readonly SalesforceAccountWritableField[] = ACCOUNT_FIELDS.filter(
  (field): field is SalesforceAccountWritableField => !(ACCOUNT_READ_ONLY_FIELDS as readonly string[]).includes(field),
);

/** Values for an Account write; absent fields are left unchanged, null clears. */
export type SalesforceAccountChanges = Partial<Record<SalesforceAccountWritableField, string | number | null>>;

/** External id fields an Account may be upserted by. */
export const ACCOUNT_EXTERNAL_ID_FIELDS = ['ERP_Customer_Id__c'] as const;

/** An external id field of Account. */
export type SalesforceAccountExternalIdField = (typeof ACCOUNT_EXTERNAL_ID_FIELDS)[number];

type Wire = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

/** Reads an Account from the wire, tolerating missing fields. */
export function toAccount(r: Wire): SalesforceAccount {
  return {
    Id: String(r.Id),
    Name: str(r.Name) ?? '',
    AccountNumber: str(r.AccountNumber),
    Type: str(r.Type),
    Industry: str(r.Industry),
    Phone: str(r.Phone),
    Website: str(r.Website),
    Description: str(r.Description),
    BillingStreet: str(r.BillingStreet),
    BillingCity: str(r.BillingCity),
    BillingState: str(r.BillingState),
    BillingPostalCode: str(r.BillingPostalCode),
    BillingCountry: str(r.BillingCountry),
    AnnualRevenue: num(r.AnnualRevenue),
    NumberOfEmployees: num(r.NumberOfEmployees),
    OwnerId: str(r.OwnerId),
    Partner_Account__c: str(r.Partner_Account__c),
    ERP_Customer_Id__c: str(r.ERP_Customer_Id__c),
    CurrencyIsoCode: str(r.CurrencyIsoCode),
    LastModifiedDate: str(r.LastModifiedDate),
  };
}

/** Reads a User from the wire. */
export function toUser(r: Wire): SalesforceUser {
  return {
    Id: String(r.Id),
    Name: str(r.Name) ?? '',
    FirstName: str(r.FirstName),
    LastName: str(r.LastName),
    Email: str(r.Email),
    Title: str(r.Title),
    IsActive: typeof r.IsActive === 'boolean' ? r.IsActive : null,
  };
}

/** Reads a Contact from the wire. */
export function toContact(r: Wire): SalesforceContact {
  return {
    Id: String(r.Id),
    AccountId: str(r.AccountId),
    FirstName: str(r.FirstName),
    LastName: str(r.LastName) ?? '',
    Name: str(r.Name) ?? '',
    Email: str(r.Email),
    Phone: str(r.Phone),
    MobilePhone: str(r.MobilePhone),
    Title: str(r.Title),
  };
}
