import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import jsforce, { type Connection } from 'jsforce';
import type { RunningSandbox } from '../common/server.js';
import {
  createSalesforceSandbox,
  SALESFORCE_CLIENT_ID,
  SALESFORCE_CLIENT_SECRET,
  SALESFORCE_PASSWORD,
  SALESFORCE_USERNAME,
  type SalesforceSandbox,
} from './index.js';

const VERSION = '62.0';
let sandbox: SalesforceSandbox;
let running: RunningSandbox;

async function token(): Promise<string> {
  const res = await fetch(`${running.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SALESFORCE_CLIENT_ID, client_secret: SALESFORCE_CLIENT_SECRET }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function api(path: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; headers: Headers; body: unknown }> {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set('authorization', `Bearer ${init.token}`);
  const res = await fetch(`${running.url}/services/data/v${VERSION}${path}`, { ...init, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: res.status, headers: res.headers, body };
}

function oauthConnection(): Connection {
  return new jsforce.Connection({
    loginUrl: running.url,
    version: VERSION,
    oauth2: { loginUrl: running.url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET },
  });
}

beforeAll(async () => {
  sandbox = createSalesforceSandbox({ customers: 2500 });
  running = await sandbox.listen(0);
});
afterAll(async () => {
  await running.close();
});
beforeEach(() => {
  running.setFaults({});
  running.reset();
});

describe('login', () => {
  it('authorizes with client credentials through jsforce', async () => {
    const conn = oauthConnection();
    const info = await conn.authorize({ grant_type: 'client_credentials' });
    expect(info.id).toBe(sandbox.world.integrationUserId);
    expect(info.organizationId).toBe(sandbox.world.orgId);
    expect(conn.instanceUrl).toBe(running.url);
    expect((await conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(sandbox.world.stores.get('Account')!.size);
    expect(running.stats().byOperation).toEqual({ 'oauth.token': 1, 'Account.query': 1 });
  });

  it('logs in with the OAuth password flow and with SOAP', async () => {
    const oauth = oauthConnection();
    await oauth.login(SALESFORCE_USERNAME, SALESFORCE_PASSWORD);
    expect(oauth.accessToken).toBeTruthy();
    const soap = new jsforce.Connection({ loginUrl: running.url, version: VERSION });
    const info = await soap.login(SALESFORCE_USERNAME, SALESFORCE_PASSWORD);
    expect(info.organizationId).toBe(sandbox.world.orgId);
    expect(soap.instanceUrl).toBe(running.url);
    expect((await soap.query('SELECT Id FROM User LIMIT 1')).records).toHaveLength(1);
    await expect(new jsforce.Connection({ loginUrl: running.url, version: VERSION }).login(SALESFORCE_USERNAME, 'wrong')).rejects.toThrow(/INVALID_LOGIN/);
    expect(running.stats().byOperation).toMatchObject({ 'oauth.token': 1, 'soap.login': 2 });
  });

  it('answers OAuth errors as Salesforce does', async () => {
    const post = (params: Record<string, string>) =>
      fetch(`${running.url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) }).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect(await post({ grant_type: 'password', client_id: SALESFORCE_CLIENT_ID, client_secret: SALESFORCE_CLIENT_SECRET, username: SALESFORCE_USERNAME, password: 'x' })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await post({ grant_type: 'client_credentials', client_id: SALESFORCE_CLIENT_ID, client_secret: 'nope' })).toMatchObject({ status: 400, body: { error: 'invalid_client' } });
    expect(await post({ grant_type: 'authorization_code', client_id: SALESFORCE_CLIENT_ID })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    const ok = await post({ grant_type: 'password', client_id: SALESFORCE_CLIENT_ID, client_secret: SALESFORCE_CLIENT_SECRET, username: SALESFORCE_USERNAME, password: SALESFORCE_PASSWORD, scope: 'api refresh_token' });
    expect(ok.body).toMatchObject({ token_type: 'Bearer', instance_url: running.url, id: `${running.url}/id/${sandbox.world.orgId}/${sandbox.world.integrationUserId}` });
    expect(Object.keys(ok.body as object).sort()).toEqual(['access_token', 'id', 'instance_url', 'issued_at', 'refresh_token', 'scope', 'signature', 'token_type']);
    const refreshed = await post({ grant_type: 'refresh_token', client_id: SALESFORCE_CLIENT_ID, client_secret: SALESFORCE_CLIENT_SECRET, refresh_token: (ok.body as { refresh_token: string }).refresh_token });
    expect(refreshed.status).toBe(200);
  });
});

describe('REST API through jsforce', () => {
  it('queries past one batch with autoFetch, and with a small batch size', async () => {
    const conn = oauthConnection();
    await conn.authorize({ grant_type: 'client_credentials' });
    const contacts = sandbox.world.stores.get('Contact')!.size;
    expect(contacts).toBeGreaterThan(2000);
    const all = await conn.query('SELECT Id, Name, Account.Name FROM Contact').run({ autoFetch: true, maxFetch: 100_000 });
    expect(all.records).toHaveLength(contacts);
    expect(new Set(all.records.map((r) => r.Id)).size).toBe(contacts);
    running.reset();
    const small = await conn.query('SELECT Id FROM Account ORDER BY Name').run({ autoFetch: true, maxFetch: 1000, headers: { 'Sforce-Query-Options': 'batchSize=200' } });
    expect(small.records).toHaveLength(1000);
    expect(running.stats().byOperation).toEqual({ 'Account.query': 1, 'Account.queryMore': 4 });
    const first = await conn.query('SELECT Id FROM Account').run({ headers: { 'Sforce-Query-Options': 'batchSize=10' } });
    expect(first.records).toHaveLength(200); // the minimum batch size
    expect(first.done).toBe(false);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/01g\w+-200$/);
  });

  it('retrieves by ids, updates, upserts and creates', async () => {
    const conn = oauthConnection();
    await conn.authorize({ grant_type: 'client_credentials' });
    const [a, b] = sandbox.world.skeleton.customers;
    const unknown = '001000000000000AAA';
    const got = await conn.sobject('Account').retrieve([a!.accountId, unknown, b!.accountId]);
    expect(got.map((r) => r?.Id ?? null)).toEqual([a!.accountId, null, b!.accountId]);
    expect(got[0]).toMatchObject({ Name: a!.name, Partner_Account__c: null, ERP_Customer_Id__c: `C${a!.index}` });
    expect(running.stats().byOperation).toMatchObject({ 'Account.describe': 1, 'Account.composite_retrieve': 1 });

    const upd = await conn.sobject('Account').update({ Id: a!.accountId, Phone: '+49 30 1234', Industry: 'Hospitality' });
    expect(upd).toMatchObject({ id: a!.accountId, success: true });
    const after = await conn.sobject('Account').retrieve(a!.accountId, { fields: ['Phone', 'Industry', 'LastModifiedDate'] });
    expect(after).toMatchObject({ Phone: '+49 30 1234', Industry: 'Hospitality' });

    const updated = await conn.sobject('Account').upsert({ ERP_Customer_Id__c: `C${b!.index}`, Website: 'https://b.example' }, 'ERP_Customer_Id__c');
    expect(updated).toMatchObject({ id: b!.accountId, success: true, created: false });
    const created = await conn.sobject('Account').upsert({ ERP_Customer_Id__c: 'NEW-1', Name: 'Brand New GmbH' }, 'ERP_Customer_Id__c');
    expect(created).toMatchObject({ success: true, created: true });
    const made = await conn.sobject('Account').retrieve((created as { id: string }).id);
    expect(made).toMatchObject({ Name: 'Brand New GmbH', ERP_Customer_Id__c: 'NEW-1', OwnerId: sandbox.world.integrationUserId, CurrencyIsoCode: 'EUR' });

    const contact = await conn.sobject('Contact').create({ AccountId: a!.accountId, FirstName: 'Zoe', LastName: 'Quinn' });
    expect(contact).toMatchObject({ success: true });
    const named = await conn.query<{ Name: string }>(`SELECT Name FROM Contact WHERE Id = '${(contact as { id: string }).id}'`);
    expect(named.records[0]!.Name).toBe('Zoe Quinn');
    await expect(conn.sobject('Contact').create({ FirstName: 'No last name' })).rejects.toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING' });
    await expect(conn.sobject('Account').create({ Industry: 'Retail' })).rejects.toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING' });
    // Two accounts with one external id: the upsert cannot choose.
    await conn.sobject('Account').create({ Name: 'Dup 2', ERP_Customer_Id__c: 'NEW-1' });
    await expect(conn.sobject('Account').upsert({ ERP_Customer_Id__c: 'NEW-1', Name: 'x' }, 'ERP_Customer_Id__c')).rejects.toMatchObject({ errorCode: 'MULTIPLE_CHOICES' });
  });

  it('runs collections and SOSL', async () => {
    const conn = oauthConnection();
    await conn.authorize({ grant_type: 'client_credentials' });
    const created = await conn.sobject('Account').create([{ Name: 'Coll A' }, { Name: 'Coll B' }]);
    expect(created.every((r) => r.success)).toBe(true);
    const ids = created.map((r) => (r as { id: string }).id);
    const updated = await conn.sobject('Account').update([{ Id: ids[0]!, Phone: '1' }, { Id: '001000000000000AAA', Phone: '2' }]);
    expect(updated.map((r) => r.success)).toEqual([true, false]);
    const rolledBack = await conn.sobject('Account').update([{ Id: ids[0]!, Phone: '3' }, { Id: ids[1]!, Name: null }], { allOrNone: true });
    expect(rolledBack.map((r) => r.success)).toEqual([false, false]);
    expect(((rolledBack[1] as { errors: { statusCode: string }[] }).errors[0]!).statusCode).toBe('REQUIRED_FIELD_MISSING');
    expect((await conn.sobject('Account').retrieve(ids[0]!)).Phone).toBe('1');
    const deleted = await conn.sobject('Account').destroy(ids);
    expect(deleted.every((r) => r.success)).toBe(true);
    const tooMany = Array.from({ length: 201 }, (_, i) => ({ Name: `Bulk ${i}` }));
    await expect(conn.sobject('Account').create(tooMany)).rejects.toMatchObject({ errorCode: 'EXCEEDED_ID_LIMIT' });
    const c = sandbox.world.skeleton.customers[0]!;
    const found = await conn.search(`FIND {${c.name.split(' ')[0]}*} IN NAME FIELDS RETURNING Account(Id, Name)`);
    expect(found.searchRecords.map((r) => r.Id)).toContain(c.accountId);
    expect(running.stats().byOperation['search.sosl']).toBe(1);
  });

  it('describes objects for jsforce', async () => {
    const conn = oauthConnection();
    await conn.authorize({ grant_type: 'client_credentials' });
    const d = await conn.sobject('Account').describe();
    const partner = d.fields.find((f) => f.name === 'Partner_Account__c')!;
    expect(partner).toMatchObject({ type: 'reference', referenceTo: ['Account'], relationshipName: 'Partner_Account__r' });
    expect(d.fields.find((f) => f.name === 'ERP_Customer_Id__c')).toMatchObject({ externalId: true });
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => s.name)).toEqual(['Account', 'Contact', 'User']);
    const versions = await fetch(`${running.url}/services/data`).then((r) => r.json() as Promise<{ version: string }[]>);
    expect(versions.map((v) => v.version)).toContain('62.0');
  });
});

describe('REST errors, limits and faults', () => {
  it('answers every call with JSON and the api-usage header', async () => {
    const t = await token();
    const res = await api(`/sobjects/Account/${sandbox.world.skeleton.customers[0]!.accountId}`, { token: t });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(res.headers.get('sforce-limit-info')).toBe('api-usage=1/100000');
  });

  it('maps bad requests to Salesforce error codes', async () => {
    const t = await token();
    const id = sandbox.world.skeleton.customers[0]!.accountId;
    const cases: [string, RequestInit, number, string][] = [
      ['/query?q=SELECT+Nope+FROM+Account', {}, 400, 'INVALID_FIELD'],
      ['/query?q=SELECT+Id+FROM+Nope', {}, 400, 'INVALID_TYPE'],
      ['/query?q=SELECT+Id+FROM', {}, 400, 'MALFORMED_QUERY'],
      ['/query/01gXXXXXXXXXXXX-2000', {}, 400, 'INVALID_QUERY_LOCATOR'],
      ['/sobjects/Account/001000000000000AAA', {}, 404, 'NOT_FOUND'],
      ['/sobjects/Account/not-an-id', {}, 404, 'NOT_FOUND'],
      [`/sobjects/Account/${id.slice(0, 15)}ZZZ`, {}, 400, 'MALFORMED_ID'],
      [`/sobjects/Account/${id}?fields=Nope`, {}, 400, 'INVALID_FIELD'],
      [`/sobjects/Account/${id}`, { method: 'PATCH', body: '{"Name":', headers: { 'content-type': 'application/json' } }, 400, 'JSON_PARSER_ERROR'],
      [`/sobjects/Account/${id}`, { method: 'PATCH', body: '{"Bogus":1}', headers: { 'content-type': 'application/json' } }, 400, 'INVALID_FIELD'],
      [`/sobjects/Account/${id}`, { method: 'PATCH', body: `{"Name":"${'x'.repeat(256)}"}`, headers: { 'content-type': 'application/json' } }, 400, 'STRING_TOO_LONG'],
      ['/sobjects/Account', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }, 400, 'REQUIRED_FIELD_MISSING'],
      ['/composite/sobjects/Account', { method: 'POST', body: '{"ids":["bad"],"fields":["Id"]}', headers: { 'content-type': 'application/json' } }, 400, 'MALFORMED_ID'],
      ['/sobjects/Nope/describe', {}, 404, 'NOT_FOUND'],
      ['/nowhere', {}, 404, 'NOT_FOUND'],
    ];
    for (const [path, init, status, code] of cases) {
      const res = await api(path, { ...init, token: t });
      expect({ path, status: res.status, code: (res.body as { errorCode: string }[])[0]?.errorCode }).toEqual({ path, status, code });
    }
  });

  it('refuses missing and expired sessions with INVALID_SESSION_ID', async () => {
    const short = createSalesforceSandbox({ customers: 10, tokenTtlMs: 150 });
    const server = await short.listen(0);
    try {
      const res = await fetch(`${server.url}/services/data/v62.0/query?q=SELECT+Id+FROM+User`);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      const tok = await fetch(`${server.url}/services/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SALESFORCE_CLIENT_ID, client_secret: SALESFORCE_CLIENT_SECRET }),
      }).then((r) => r.json() as Promise<{ access_token: string }>);
      const call = () => fetch(`${server.url}/services/data/v62.0/query?q=SELECT+Id+FROM+User`, { headers: { authorization: `Bearer ${tok.access_token}` } });
      expect((await call()).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      const expired = await call();
      expect(expired.status).toBe(401);
      expect(await expired.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    } finally {
      await server.close();
    }
  });

  it('stops at the daily limit with REQUEST_LIMIT_EXCEEDED', async () => {
    const limited = createSalesforceSandbox({ customers: 10, dailyLimit: 3 });
    const server = await limited.listen(0);
    try {
      const tok = await fetch(`${server.url}/services/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SALESFORCE_CLIENT_ID, client_secret: SALESFORCE_CLIENT_SECRET }),
      }).then((r) => r.json() as Promise<{ access_token: string }>);
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        last = await fetch(`${server.url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${tok.access_token}` } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 403]);
      expect(await last!.json()).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
      expect(last!.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
    } finally {
      await server.close();
    }
  });

  it('keeps exact stats for a known call sequence', async () => {
    const t = await token();
    const [a, b] = sandbox.world.skeleton.customers;
    await api(`/sobjects/Account/${a!.accountId}`, { token: t });
    await api('/composite/sobjects/Account', { method: 'POST', token: t, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: [a!.accountId, b!.accountId], fields: ['Id', 'Name'] }) });
    await api(`/query?q=${encodeURIComponent(`SELECT Id FROM Contact WHERE AccountId = '${a!.accountId}'`)}`, { token: t });
    await api(`/sobjects/Account/${a!.accountId}`, { method: 'PATCH', token: t, headers: { 'content-type': 'application/json' }, body: '{"Phone":"1"}' });
    await api('/sobjects/Account/describe', { token: t });
    expect(running.stats()).toEqual({
      calls: 6,
      byOperation: { 'oauth.token': 1, 'Account.retrieve': 1, 'Account.composite_retrieve': 1, 'Contact.query': 1, 'Account.update': 1, 'Account.describe': 1 },
      records: 1 + 2 + a!.contactCount,
      // One call after another: never two in the sandbox at once, and none left once answered.
      inFlight: 0,
      peakInFlight: 1,
    });
  });

  it('injects faults: down answers 503, errors answer UNKNOWN_EXCEPTION, rate limits answer 403, latency delays', async () => {
    const t = await token();
    const path = `/sobjects/Account/${sandbox.world.skeleton.customers[0]!.accountId}`;
    running.setFaults({ down: true });
    expect((await api(path, { token: t })).status).toBe(503);
    running.setFaults({ errorRate: 1 });
    const failed = await api(path, { token: t });
    expect(failed.status).toBe(500);
    expect((failed.body as { errorCode: string }[])[0]!.errorCode).toBe('UNKNOWN_EXCEPTION');
    running.setFaults({ rateLimit: { perSecond: 1 } });
    await api(path, { token: t });
    const limited = await api(path, { token: t });
    expect(limited.status).toBe(403);
    expect((limited.body as { errorCode: string }[])[0]!.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    running.setFaults({ latencyMs: 120 });
    const started = Date.now();
    expect((await api(path, { token: t })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('survives hostile input without a 500', async () => {
    const t = await token();
    const junk = ['%', "'", '\\', '\u0000', 'SELECT', 'SELECT Id FROM Account WHERE Name IN ()', 'SELECT Id FROM Account ORDER BY', "FIND {x}"];
    for (const q of junk) {
      const res = await api(`/query?q=${encodeURIComponent(q)}`, { token: t });
      expect(res.status).toBe(400);
    }
    for (const body of ['[]', 'null', '"x"', '{"records":5}', '{"ids":5}']) {
      for (const [method, path] of [['POST', '/composite/sobjects'], ['PATCH', '/composite/sobjects'], ['POST', '/composite/sobjects/Account'], ['POST', '/sobjects/Account']] as const) {
        const res = await api(path, { method, token: t, headers: { 'content-type': 'application/json' }, body });
        expect(res.status, `${method} ${path} ${body}`).toBeLessThan(500);
      }
    }
    const sosl = await api(`/search?q=${encodeURIComponent('FIND {a')}`, { token: t });
    expect(sosl.status).toBe(400);
  });
});
