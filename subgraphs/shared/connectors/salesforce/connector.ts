import jsforce, { type Connection, type HttpRequest } from 'jsforce';
import { BackendError, unsendableValue } from '../../../../platform/errors/backend-error.js';
import { recordCount, startBackendCall } from '../../metrics/backend-metrics.js';
import { tracingEnabled } from '../../../../platform/observability/tracing.js';
import { createResilience, DEFAULT_READ_DEADLINE_MS } from '../resilience.js';
import { salesforceCallLabel } from './call-label.js';
import { mapSalesforceError } from './errors.js';
import {
  ACCOUNT_EXTERNAL_ID_FIELDS,
  ACCOUNT_FIELDS,
  ACCOUNT_WRITABLE_FIELDS,
  CONTACT_FIELDS,
  toAccount,
  toContact,
  toUser,
  USER_FIELDS,
  type SalesforceAccount,
  type SalesforceAccountChanges,
  type SalesforceAccountExternalIdField,
  type SalesforceContact,
  type SalesforceUser,
} from './records.js';
import { isSalesforceId, toSalesforceId18 } from '../../../../platform/ids/salesforce-id.js';
import { soqlLike, soqlList, soqlString } from './soql.js';

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

/** How long an Account describe is kept. */
const DESCRIBE_TTL_MS = 60 * 60 * 1000;

/** Ids per sObject Collections retrieve (Salesforce's limit). */
export const MAX_RETRIEVE_IDS = 2000;
/** Account ids per contacts query, keeping the GET URL well under Salesforce's URI limit. */
export const MAX_IDS_PER_QUERY = 300;
/** Salesforce's largest OFFSET. */
export const MAX_OFFSET = 2000;
/** The Account Type of a reseller: such an Account is a partner, never a customer. */
export const RESELLER_TYPE = 'Channel Partner / Reseller';
// A session that keeps being refused right after renewal must not loop forever.
const MAX_GRANTS_PER_WINDOW = 5;
const GRANT_WINDOW_MS = 10_000;

interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function validIds(ids: readonly string[]): string[] {
  return [...new Set(ids.filter(isSalesforceId).map(toSalesforceId18))];
}

function checkOptions(options: SalesforceConnectorOptions): void {
  try {
    const url = new URL(options.loginUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
  } catch {
    throw new TypeError(`salesforce loginUrl must be an http(s) URL, got ${JSON.stringify(options.loginUrl)}`);
  }
  if (!options.clientId) throw new TypeError('salesforce clientId is required');
  if (!options.clientSecret) throw new TypeError('salesforce clientSecret is required');
  if (options.apiVersion !== undefined && !/^\d{2,3}\.0$/.test(options.apiVersion)) {
    throw new TypeError(`salesforce apiVersion must look like "62.0", got ${JSON.stringify(options.apiVersion)}`);
  }
  if (!!options.username !== !!options.password) throw new TypeError('salesforce username and password go together (or neither, for client credentials)');
}

function changesBody(fields: SalesforceAccountChanges): Record<string, string | number | null> {
  const allowed = new Set<string>(ACCOUNT_WRITABLE_FIELDS);
  const body: Record<string, string | number | null> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (!allowed.has(key)) throw new TypeError(`Account field ${JSON.stringify(key)} may not be written`);
    if (value !== null && typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
      throw new TypeError(`Account field ${key} must be a string, a finite number or null`);
    }
    body[key] = value;
  }
  return body;
}

/** Counts every request a jsforce transport sends, failed ones included, under its object and operation. */
function countCalls(transport: Connection['_transport'], cursorObject?: (path: string) => string | undefined): void {
  const send = transport.httpRequest.bind(transport);
  transport.httpRequest = (request, options) => {
    const { object, operation } = salesforceCallLabel(request.method, request.url, request.body, cursorObject);
    const done = startBackendCall('salesforce', object, operation);
    const sent = send(request, options);
    sent.then(
      (response) => done(tracingEnabled() ? { records: recordsIn(response.body) } : undefined),
      (error: unknown) => done({ error }),
    );
    return sent;
  };
}

/** The records in a REST answer body (a query page's `records`, a composite retrieve's list), for the call's span. */
function recordsIn(body: unknown): number | undefined {
  if (typeof body !== 'string' || body.length === 0 || body.length > 1_000_000) return undefined;
  try {
    return recordCount(JSON.parse(body));
  } catch {
    return undefined;
  }
}

/** Creates the Salesforce connector: jsforce with OAuth2, its own session refresh, and the resilience policies. */
export function createSalesforceConnector(options: SalesforceConnectorOptions): SalesforceConnector {
  checkOptions(options);
  const version = options.apiVersion ?? '62.0';
  const timeoutMs = options.timeoutMs ?? 5000;
  const deadlineMs = options.deadlineMs ?? DEFAULT_READ_DEADLINE_MS;
  const resilience = createResilience({ backend: 'salesforce', timeoutMs, deadlineMs, readRetries: options.readRetries, breakerThreshold: options.breakerThreshold });
  const accountFields: string[] = options.multiCurrency ? [...ACCOUNT_FIELDS, 'CurrencyIsoCode'] : [...ACCOUNT_FIELDS];

  let grantInFlight: Promise<string> | undefined;
  let lastGrantFailure: BackendError | undefined;
  const recentGrants: number[] = [];

  // jsforce's default refresher needs a refresh token, which neither grant returns: re-run the grant.
  const conn: Connection = new jsforce.Connection({
    loginUrl: options.loginUrl,
    version,
    oauth2: { loginUrl: options.loginUrl, clientId: options.clientId, clientSecret: options.clientSecret },
    refreshFn: (_conn, callback) => {
      grant().then(
        (token) => callback(null, token),
        (err: Error) => callback(err),
      );
    },
  });

  // Every HTTP call, token grants and the repeats after a session refresh included, is counted
  // where jsforce sends it: c360_backend_calls_total{system="salesforce",model=<object>,method=<operation>}.
  const cursorObjects = new Map<string, string>();
  countCalls(conn._transport, (path) => cursorObjects.get(path));
  countCalls(conn.oauth2._transport);

  /** Runs the configured grant; concurrent callers (first login or refresh) share one request. */
  function grant(): Promise<string> {
    grantInFlight ??= (async () => {
      const now = Date.now();
      while (recentGrants.length && now - recentGrants[0]! > GRANT_WINDOW_MS) recentGrants.shift();
      if (recentGrants.length >= MAX_GRANTS_PER_WINDOW) {
        throw new BackendError({ backend: 'salesforce', code: 'UNAUTHENTICATED', message: 'salesforce keeps refusing freshly issued sessions' });
      }
      recentGrants.push(now);
      try {
        const params: { grant_type: string; [name: string]: string } =
          options.username && options.password
            ? { grant_type: 'password', username: options.username, password: options.password }
            : { grant_type: 'client_credentials' };
        await conn.authorize(params);
        lastGrantFailure = undefined;
        if (!conn.accessToken) throw new BackendError({ backend: 'salesforce', code: 'UNAUTHENTICATED', message: 'salesforce token response had no access token' });
        return conn.accessToken;
      } catch (err) {
        lastGrantFailure = mapSalesforceError(err);
        throw lastGrantFailure;
      }
    })().finally(() => {
      grantInFlight = undefined;
    });
    return grantInFlight;
  }

  /** One REST call with our session; jsforce's own retries are off so that the resilience policy alone decides. */
  async function send<T>(request: HttpRequest, noContentResponse?: unknown, attemptTimeoutMs = timeoutMs): Promise<T> {
    try {
      if (!conn.accessToken) await grant();
      return (await conn.request<T>(request, { retry: { maxRetries: 0 }, timeout: attemptTimeoutMs, noContentResponse })) as T;
    } catch (err) {
      throw mapSalesforceError(err, lastGrantFailure);
    }
  }

  /**
   * A read within the overall deadline. jsforce aborts its HTTP request only on its own timeout
   * (it takes no AbortSignal), so each attempt's timeout is cut to what is left of the deadline:
   * no attempt outlives it.
   */
  const read = <T>(request: HttpRequest) => {
    const deadlineAt = Date.now() + deadlineMs;
    return resilience.read(() => send<T>(request, undefined, Math.max(1, Math.min(timeoutMs, deadlineAt - Date.now()))));
  };

  /**
   * The URL of a SOQL query. Built inside the async callers, never while an array of calls is being
   * built: a value that cannot be encoded then fails its own call instead of throwing past the
   * promises already started (which nobody would then handle).
   */
  const queryUrl = (soql: string) => {
    if (!soql.isWellFormed()) throw unsendableValue('salesforce', 'a SOQL query');
    return `/query?q=${encodeURIComponent(soql)}`;
  };

  async function countQuery(soql: string): Promise<QueryPage> {
    return read<QueryPage>({ method: 'GET', url: queryUrl(soql) });
  }

  async function query(soql: string): Promise<QueryPage> {
    const first = await read<QueryPage>({ method: 'GET', url: queryUrl(soql) });
    const records = [...first.records];
    // The next pages' URLs name a cursor, not the object: remember it for their metric labels.
    const object = /\bFROM\s+([A-Za-z0-9_]+)/i.exec(soql)?.[1] ?? 'query';
    let next = first.nextRecordsUrl;
    while (next) {
      const path = new URL(next, 'http://salesforce.invalid').pathname;
      cursorObjects.set(path, object);
      try {
        const page = await read<QueryPage>({ method: 'GET', url: next });
        records.push(...page.records);
        next = page.nextRecordsUrl;
      } finally {
        cursorObjects.delete(path);
      }
    }
    return { totalSize: first.totalSize, done: true, records };
  }

  async function retrieveMany(object: 'Account' | 'User', ids: string[], fields: readonly string[]): Promise<Record<string, unknown>[]> {
    const batches = await Promise.all(
      chunk(ids, MAX_RETRIEVE_IDS).map((batch) =>
        read<(Record<string, unknown> | null)[]>({
          method: 'POST',
          url: `/composite/sobjects/${object}`,
          body: JSON.stringify({ ids: batch, fields }),
          headers: { 'content-type': 'application/json' },
        }),
      ),
    );
    return batches.flat().filter((r): r is Record<string, unknown> => r !== null && typeof r === 'object');
  }

  let describe: { at: number; picklists: Promise<Map<string, ReadonlySet<string>>> } | undefined;
  const accountPicklists = (): Promise<Map<string, ReadonlySet<string>>> => {
    if (describe && Date.now() - describe.at < DESCRIBE_TTL_MS) return describe.picklists;
    const picklists = read<{ fields?: { name?: unknown; picklistValues?: { value?: unknown; active?: unknown }[] }[] }>({ method: 'GET', url: '/sobjects/Account/describe' }).then(
      (body) =>
        new Map(
          (body.fields ?? []).map((f) => [String(f.name), new Set((f.picklistValues ?? []).filter((v) => v.active !== false && typeof v.value === 'string').map((v) => v.value as string))] as const),
        ),
    );
    describe = { at: Date.now(), picklists };
    // A failed describe is not kept: the next caller asks again.
    picklists.catch(() => {
      if (describe?.picklists === picklists) describe = undefined;
    });
    return picklists;
  };

  return {
    async accountPicklist(field) {
      return (await accountPicklists()).get(field) ?? new Set();
    },

    async accountsByIds(ids) {
      const wanted = validIds(ids);
      if (wanted.length === 0) return new Map();
      const records = await retrieveMany('Account', wanted, accountFields);
      return new Map(records.map((r) => [String(r.Id), toAccount(r)]));
    },

    async usersByIds(ids) {
      const wanted = validIds(ids);
      if (wanted.length === 0) return new Map();
      const records = await retrieveMany('User', wanted, USER_FIELDS);
      return new Map(records.map((r) => [String(r.Id), toUser(r)]));
    },

    async contactsByAccountIds(accountIds) {
      const wanted = validIds(accountIds);
      const out = new Map<string, SalesforceContact[]>(wanted.map((id) => [id, []]));
      const pages = await Promise.all(
        chunk(wanted, MAX_IDS_PER_QUERY).map((batch) =>
          query(`SELECT ${CONTACT_FIELDS.join(', ')} FROM Contact WHERE AccountId IN ${soqlList(batch)} ORDER BY LastName, FirstName, Id`),
        ),
      );
      for (const page of pages) {
        for (const r of page.records) {
          const contact = toContact(r);
          if (contact.AccountId) out.get(contact.AccountId)?.push(contact);
        }
      }
      return out;
    },

    async searchAccounts({ text, partnerId, limit, offset }) {
      if (!Number.isInteger(limit) || limit < 1 || limit > 2000) throw new RangeError(`limit must be an integer in 1..2000, got ${limit}`);
      if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) throw new RangeError(`offset must be an integer in 0..${MAX_OFFSET}, got ${offset}`);
      const where = [`Type != ${soqlString(RESELLER_TYPE)}`];
      if (partnerId !== undefined) {
        // A malformed reseller id owns nothing; it must never reach the query text.
        if (!isSalesforceId(partnerId)) return { totalSize: 0, records: [] };
        where.push(`Partner_Account__c = ${soqlString(toSalesforceId18(partnerId))}`);
      }
      if (text) where.push(`Name LIKE '%${soqlLike(text)}%'`);
      const filter = where.join(' AND ');
      const [page, count] = await Promise.all([
        query(`SELECT ${accountFields.join(', ')} FROM Account WHERE ${filter} ORDER BY Name, Id LIMIT ${limit} OFFSET ${offset}`),
        countQuery(`SELECT COUNT() FROM Account WHERE ${filter}`),
      ]);
      return { totalSize: count.totalSize, records: page.records.map(toAccount) };
    },

    async partnerIdsByAccountIds(ids) {
      const wanted = validIds(ids);
      if (wanted.length === 0) return new Map();
      const records = await retrieveMany('Account', wanted, ['Id', 'Partner_Account__c']);
      return new Map(records.map((r) => [String(r.Id), typeof r.Partner_Account__c === 'string' ? r.Partner_Account__c : null]));
    },

    async updateAccount(id, fields) {
      if (!isSalesforceId(id)) throw new BackendError({ backend: 'salesforce', code: 'NOT_FOUND', message: 'no account with this id' });
      const body = changesBody(fields);
      if (Object.keys(body).length === 0) return;
      // Writes are never retried: a PATCH that timed out may have been applied.
      await resilience.write(() =>
        send({ method: 'PATCH', url: `/sobjects/Account/${toSalesforceId18(id)}`, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }, { success: true }),
      );
    },

    async upsertAccountByExternalId(field, value, fields) {
      if (!(ACCOUNT_EXTERNAL_ID_FIELDS as readonly string[]).includes(field)) throw new TypeError(`${JSON.stringify(field)} is not an external id field of Account`);
      if (typeof value !== 'string' || value.length === 0 || value.length > 255) throw new TypeError('external id value must be a non-empty string of at most 255 characters');
      if (!value.isWellFormed()) throw unsendableValue('salesforce', 'the external id value');
      const body = changesBody(fields);
      const result = await resilience.write(() =>
        send<{ id?: string; created?: boolean }>(
          { method: 'PATCH', url: `/sobjects/Account/${field}/${encodeURIComponent(value)}`, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
          { created: false },
        ),
      );
      let id = result.id;
      if (!id) {
        // Older API versions answer an update with 204 and no body: look the id up.
        const found = await query(`SELECT Id FROM Account WHERE ${field} = ${soqlString(value)} LIMIT 1`);
        id = String(found.records[0]?.Id ?? '');
      }
      return { id, created: result.created === true };
    },

    async ping() {
      try {
        await read({ method: 'GET', url: '/limits' });
        return true;
      } catch {
        return false;
      }
    },
  };
}
