import type { SalesforceAccount, SalesforceAccountChanges, SalesforceAccountExternalIdField, SalesforceContact, SalesforceUser } from './records.js';

/** How to reach and log in to one Salesforce org. */
export interface SalesforceConnectorOptions {
  /** Login host, e.g. `https://login.salesforce.com` or a My Domain URL (the sandbox's URL in development). */
  loginUrl: string;
  /** Connected app consumer key. */
  clientId: string;
  /** Connected app consumer secret. */
  clientSecret: string;
  /** With `password`: use the OAuth username-password flow; otherwise client credentials. */
  username?: string;
  password?: string;
  /** REST API version, explicit because jsforce defaults to an old one (default '62.0'). */
  apiVersion?: string;
  /** Per-attempt timeout of every call in milliseconds (default 5000). */
  timeoutMs?: number;
  /** Whether the org has multi-currency enabled, so that Account.CurrencyIsoCode exists (default false). */
  multiCurrency?: boolean;
  /** Extra attempts for reads on transient failures (default 2). */
  readRetries?: number;
  /** Overall deadline of one read, retries included, in milliseconds (default DEFAULT_READ_DEADLINE_MS). */
  deadlineMs?: number;
  /** Consecutive outages that open the circuit (default 10). */
  breakerThreshold?: number;
}

/** Search parameters of `searchAccounts`. */
export interface AccountSearch {
  /** Matched anywhere in the account name, literally (no wildcards). */
  text?: string;
  /** Only customers of this reseller (its Account Id). */
  partnerId?: string;
  /** Page size, 1..2000. */
  limit: number;
  /** Rows to skip, 0..2000 (Salesforce's OFFSET limit). */
  offset: number;
}

/** Batch-shaped access to the Salesforce objects the subgraphs need. Result maps are keyed by 18-character ids. */
export interface SalesforceConnector {
  /** Accounts by id (canonical field set); unknown and malformed ids are absent from the map. */
  accountsByIds(ids: readonly string[]): Promise<Map<string, SalesforceAccount>>;
  /** Users by id; unknown and malformed ids are absent. */
  usersByIds(ids: readonly string[]): Promise<Map<string, SalesforceUser>>;
  /** Contacts of each account (an empty list for an account without any), by last and first name. */
  contactsByAccountIds(accountIds: readonly string[]): Promise<Map<string, SalesforceContact[]>>;
  /** Customer accounts (never resellers) by name text and reseller, ordered by Name then Id, with the total count. */
  searchAccounts(search: AccountSearch): Promise<{ totalSize: number; records: SalesforceAccount[] }>;
  /** Each account's reseller id (null for direct customers); unknown ids are absent. */
  partnerIdsByAccountIds(ids: readonly string[]): Promise<Map<string, string | null>>;
  /** Writes allowlisted fields of one account. */
  updateAccount(id: string, fields: SalesforceAccountChanges): Promise<void>;
  /** Creates or updates the account with this external id value. */
  upsertAccountByExternalId(field: SalesforceAccountExternalIdField, value: string, fields: SalesforceAccountChanges): Promise<{ id: string; created: boolean }>;
  /**
   * The active values of an Account picklist, as the org's describe lists them (read once and kept
   * for an hour: picklists change with an admin's setup, not with data). Empty when the field has
   * no picklist values.
   */
  accountPicklist(field: AccountPicklistField): Promise<ReadonlySet<string>>;
  /** Whether Salesforce answers with our credentials. */
  ping(): Promise<boolean>;
}

/** Account fields whose values come from a picklist. */
export type AccountPicklistField = 'Type' | 'Industry';

/** Ids per sObject Collections retrieve (Salesforce's limit). */
export const MAX_RETRIEVE_IDS = 2000;
/** Account ids per contacts query, keeping the GET URL well under Salesforce's URI limit. */
export const MAX_IDS_PER_QUERY = 300;
/** Salesforce's largest OFFSET. */
export const MAX_OFFSET = 2000;
/** The Account Type of a reseller: such an Account is a partner, never a customer. */
export const RESELLER_TYPE = 'Channel Partner / Reseller';
