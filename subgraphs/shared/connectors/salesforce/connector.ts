import jsforce, { type Connection, type HttpRequest } from 'jsforce';
import { BackendError, unsendableValue } from '../../../../platform/errors/backend-error.js';
import { createResilience, DEFAULT_READ_DEADLINE_MS } from '../resilience.js';
import { mapSalesforceError } from './errors.js';
import {
  ACCOUNT_EXTERNAL_ID_FIELDS,
  ACCOUNT_FIELDS,
  CONTACT_FIELDS,
  toAccount,
  toContact,
  toUser,
  USER_FIELDS,
  type SalesforceContact,
} from './records.js';
import { isSalesforceId, toSalesforceId18 } from '../../../../platform/ids/salesforce-id.js';
import { soqlLike, soqlList, soqlString } from './soql.js';

import { MAX_IDS_PER_QUERY, MAX_OFFSET, MAX_RETRIEVE_IDS, RESELLER_TYPE, type SalesforceConnector, type SalesforceConnectorOptions } from './connector-api.js';
import { changesBody, checkOptions, chunk, countCalls, validIds, type QueryPage } from './request-support.js';

export { MAX_IDS_PER_QUERY, MAX_OFFSET, MAX_RETRIEVE_IDS, RESELLER_TYPE, type AccountPicklistField, type AccountSearch, type SalesforceConnector, type SalesforceConnectorOptions } from './connector-api.js';

/** How long an Account describe is kept. */
const DESCRIBE_TTL_MS = 60 * 60 * 1000;

// A session that keeps being refused right after renewal must not loop forever.
const MAX_GRANTS_PER_WINDOW = 5;
const GRANT_WINDOW_MS = 10_000;

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
