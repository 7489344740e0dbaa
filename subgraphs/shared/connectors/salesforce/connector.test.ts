import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { RunningSandbox } from '../../../../sandbox/common/server.js';
import {
  createSalesforceSandbox,
  SALESFORCE_CLIENT_ID,
  SALESFORCE_CLIENT_SECRET,
  SALESFORCE_PASSWORD,
  SALESFORCE_USERNAME,
  type SalesforceSandbox,
} from '../../../../sandbox/salesforce/index.js';
import { isBackendError, type BackendError } from '../../../../platform/errors/backend-error.js';
import { createSalesforceConnector, type SalesforceConnector, type SalesforceConnectorOptions } from './connector.js';

let sandbox: SalesforceSandbox;
let running: RunningSandbox;
let sf: SalesforceConnector;

const options = (overrides: Partial<SalesforceConnectorOptions> = {}): SalesforceConnectorOptions => ({
  loginUrl: running.url,
  clientId: SALESFORCE_CLIENT_ID,
  clientSecret: SALESFORCE_CLIENT_SECRET,
  apiVersion: '62.0',
  timeoutMs: 2000,
  multiCurrency: true,
  ...overrides,
});

async function failure(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (err) {
    if (isBackendError(err)) return err;
    throw err;
  }
  throw new Error('expected a BackendError');
}

beforeAll(async () => {
  sandbox = createSalesforceSandbox({ customers: 300 });
  running = await sandbox.listen(0);
  sf = createSalesforceConnector(options());
});
afterAll(async () => {
  await running.close();
});
beforeEach(() => {
  running.setFaults({});
  running.reset();
});

describe('reads', () => {
  it('reads accounts by ids with one collections call, keyed by 18-character id', async () => {
    const [a, b] = sandbox.world.skeleton.customers;
    const result = await sf.accountsByIds([a!.accountId, b!.accountId.slice(0, 15), 'not-an-id', '001000000000000AAA', a!.accountId]);
    expect([...result.keys()]).toEqual([a!.accountId, b!.accountId]);
    expect(result.get(a!.accountId)).toMatchObject({ Id: a!.accountId, Name: a!.name, Partner_Account__c: null, OwnerId: sandbox.world.skeleton.salesReps[a!.ownerIndex]!.userId });
    expect(result.get(a!.accountId)!.CurrencyIsoCode).toMatch(/^[A-Z]{3}$/);
    expect(running.stats().byOperation['Account.composite_retrieve']).toBe(1);
    expect(await sf.accountsByIds(['bogus'])).toEqual(new Map());
    expect(running.stats().byOperation['Account.composite_retrieve']).toBe(1);
  });

  it('reads users and contacts', async () => {
    const rep = sandbox.world.skeleton.salesReps[2]!;
    const users = await sf.usersByIds([rep.userId]);
    expect(users.get(rep.userId)).toMatchObject({ Name: rep.name, Email: rep.email });
    const customers = sandbox.world.skeleton.customers.slice(0, 5);
    const reseller = sandbox.world.skeleton.resellers[0]!.accountId;
    const contacts = await sf.contactsByAccountIds([...customers.map((c) => c.accountId), reseller]);
    for (const c of customers) expect(contacts.get(c.accountId)).toHaveLength(c.contactCount);
    expect(contacts.get(reseller)).toEqual([]);
    const names = contacts.get(customers[0]!.accountId)!.map((c) => `${c.LastName}|${c.FirstName}`);
    expect(names).toEqual([...names].sort());
    expect(running.stats().byOperation).toMatchObject({ 'User.composite_retrieve': 1, 'Contact.query': 1 });
  });

  it('searches customers only, by reseller and by name, in name order, with the total', async () => {
    const all = await sf.searchAccounts({ limit: 50, offset: 0 });
    expect(all.totalSize).toBe(sandbox.world.skeleton.customers.length);
    const names = all.records.map((r) => r.Name.toLowerCase());
    expect(names).toEqual([...names].sort());
    expect(all.records.every((r) => r.Type !== 'Channel Partner / Reseller')).toBe(true);
    const next = await sf.searchAccounts({ limit: 50, offset: 50 });
    expect(next.records[0]!.Id).not.toBe(all.records[49]!.Id);

    const reseller = sandbox.world.skeleton.resellers[0]!.accountId;
    const own = await sf.searchAccounts({ partnerId: reseller, limit: 200, offset: 0 });
    expect(own.totalSize).toBe(sandbox.world.skeleton.customers.filter((c) => c.resellerIndex === 0).length);
    expect(own.records.every((r) => r.Partner_Account__c === reseller)).toBe(true);
    expect(await sf.searchAccounts({ partnerId: "x' OR Name != '", limit: 10, offset: 0 })).toEqual({ totalSize: 0, records: [] });

    const word = sandbox.world.skeleton.customers[0]!.name.split(' ')[1]!;
    const byName = await sf.searchAccounts({ text: word.toLowerCase(), limit: 200, offset: 0 });
    expect(byName.totalSize).toBeGreaterThan(0);
    expect(byName.records.every((r) => r.Name.toLowerCase().includes(word.toLowerCase()))).toBe(true);
  });

  it('escapes hostile search text: quotes, backslashes, % and _ match only themselves', async () => {
    const hostile = ["Quote ' OR Name != ' Ltd", 'Back\\slash GmbH', '100% Bikes', 'Under_score AG', 'Line\nBreak Oy'];
    for (const [i, name] of hostile.entries()) await sf.upsertAccountByExternalId('ERP_Customer_Id__c', `H-${i}`, { Name: name, Type: 'Customer - Direct' });
    const find = async (text: string) => (await sf.searchAccounts({ text, limit: 100, offset: 0 })).records.map((r) => r.Name);
    expect(await find("' OR Name != '")).toEqual([hostile[0]]);
    expect(await find("'")).toEqual([hostile[0]]);
    expect(await find('\\')).toEqual([hostile[1]]);
    expect(await find('%')).toEqual([hostile[2]]);
    expect(await find('_')).toEqual([hostile[3]]);
    expect(await find('\n')).toEqual([hostile[4]]);
    expect(await find("\\' OR Id != null OR Name = '")).toEqual([]);
  });

  it('reads reseller ids for ownership checks', async () => {
    const direct = sandbox.world.skeleton.customers.find((c) => c.resellerIndex === null)!;
    const channel = sandbox.world.skeleton.customers.find((c) => c.resellerIndex !== null)!;
    const partners = await sf.partnerIdsByAccountIds([direct.accountId, channel.accountId, '001000000000000AAA']);
    expect(partners).toEqual(
      new Map([
        [direct.accountId, null],
        [channel.accountId, sandbox.world.skeleton.resellers[channel.resellerIndex!]!.accountId],
      ]),
    );
  });

  it('reads the contacts of a full batch of accounts with one query', async () => {
    const big = createSalesforceSandbox({ customers: 1000 });
    const server = await big.listen(0);
    try {
      const connector = createSalesforceConnector({ ...options(), loginUrl: server.url });
      const ids = big.world.skeleton.customers.slice(0, 300).map((c) => c.accountId);
      const contacts = await connector.contactsByAccountIds(ids);
      const expected = big.world.skeleton.customers.slice(0, 300).reduce((n, c) => n + c.contactCount, 0);
      expect([...contacts.values()].reduce((n, list) => n + list.length, 0)).toBe(expected);
      expect(server.stats().byOperation['Contact.query']).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('writes', () => {
  it('updates allowlisted fields and upserts by external id', async () => {
    const c = sandbox.world.skeleton.customers[1]!;
    await sf.updateAccount(c.accountId, { Phone: '+33 1 2345', Industry: 'Education', Website: null });
    const after = (await sf.accountsByIds([c.accountId])).get(c.accountId)!;
    expect(after).toMatchObject({ Phone: '+33 1 2345', Industry: 'Education', Website: null });
    await expect(sf.updateAccount(c.accountId, { OwnerId: 'x' } as never)).rejects.toThrow(TypeError);
    const rejected = await failure(sf.updateAccount(c.accountId, { Name: null }));
    expect(rejected).toMatchObject({ backend: 'salesforce', code: 'REJECTED', backendCode: 'REQUIRED_FIELD_MISSING' });
    const missing = await failure(sf.updateAccount('001000000000000AAA', { Phone: '1' }));
    expect(missing.code).toBe('NOT_FOUND');

    const created = await sf.upsertAccountByExternalId('ERP_Customer_Id__c', 'ERP/ 77', { Name: 'Upserted GmbH' });
    expect(created.created).toBe(true);
    const updated = await sf.upsertAccountByExternalId('ERP_Customer_Id__c', 'ERP/ 77', { Phone: '5' });
    expect(updated).toEqual({ id: created.id, created: false });
    expect((await sf.accountsByIds([created.id])).get(created.id)).toMatchObject({ Name: 'Upserted GmbH', Phone: '5', ERP_Customer_Id__c: 'ERP/ 77' });
    expect(running.stats().byOperation['Account.upsert']).toBe(2);
  });
});

describe('sessions', () => {
  it('renews an expired token once for concurrent calls', async () => {
    const short = createSalesforceSandbox({ customers: 20, tokenTtlMs: 300 });
    const server = await short.listen(0);
    try {
      const connector = createSalesforceConnector({ ...options(), loginUrl: server.url });
      const ids = short.world.skeleton.customers.map((c) => c.accountId);
      // Concurrent first calls share the first grant too.
      await Promise.all([connector.accountsByIds(ids.slice(0, 2)), connector.usersByIds([short.world.integrationUserId])]);
      expect(server.stats().byOperation['oauth.token']).toBe(1);
      await new Promise((r) => setTimeout(r, 400));
      const results = await Promise.all(ids.slice(0, 8).map((id) => connector.accountsByIds([id])));
      expect(results.every((m) => m.size === 1)).toBe(true);
      expect(server.stats().byOperation['oauth.token']).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('logs in with the password flow when a username and password are given', async () => {
    const connector = createSalesforceConnector(options({ username: SALESFORCE_USERNAME, password: SALESFORCE_PASSWORD }));
    expect((await connector.usersByIds([sandbox.world.integrationUserId])).size).toBe(1);
    const wrong = createSalesforceConnector(options({ username: SALESFORCE_USERNAME, password: 'nope' }));
    expect(await failure(wrong.usersByIds([sandbox.world.integrationUserId]))).toMatchObject({ backend: 'salesforce', code: 'UNAUTHENTICATED', backendCode: 'invalid_grant' });
  });

  it('refuses bad settings at creation', () => {
    expect(() => createSalesforceConnector(options({ loginUrl: 'nope' }))).toThrow(TypeError);
    expect(() => createSalesforceConnector(options({ apiVersion: 'v62' }))).toThrow(TypeError);
    expect(() => createSalesforceConnector(options({ username: 'only-user' }))).toThrow(TypeError);
  });
});

describe('errors', () => {
  it('maps a sandbox that is down to UNAVAILABLE, after retrying reads', async () => {
    await sf.accountsByIds([sandbox.world.skeleton.customers[0]!.accountId]);
    running.setFaults({ down: true });
    const err = await failure(sf.contactsByAccountIds([sandbox.world.skeleton.customers[0]!.accountId]));
    expect(err).toMatchObject({ backend: 'salesforce', code: 'UNAVAILABLE', retryable: true });
    running.setFaults({ errorRate: 1 });
    expect(await failure(sf.accountsByIds([sandbox.world.skeleton.customers[0]!.accountId]))).toMatchObject({ code: 'UNAVAILABLE', backendCode: 'UNKNOWN_EXCEPTION' });
    expect(await failure(sf.updateAccount(sandbox.world.skeleton.customers[0]!.accountId, { Phone: '1' }))).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('maps the request limit to RATE_LIMITED and wrong credentials to UNAUTHENTICATED', async () => {
    const limited = createSalesforceSandbox({ customers: 10, dailyLimit: 1 });
    const server = await limited.listen(0);
    try {
      const connector = createSalesforceConnector({ ...options(), loginUrl: server.url });
      await connector.usersByIds([limited.world.integrationUserId]);
      expect(await failure(connector.usersByIds([limited.world.integrationUserId]))).toMatchObject({ code: 'RATE_LIMITED', backendCode: 'REQUEST_LIMIT_EXCEEDED' });
    } finally {
      await server.close();
    }
    const wrong = createSalesforceConnector(options({ clientSecret: 'wrong' }));
    expect(await failure(wrong.accountsByIds([sandbox.world.skeleton.customers[0]!.accountId]))).toMatchObject({ code: 'UNAUTHENTICATED', backendCode: 'invalid_client' });
  });

  it('maps a refused connection to UNAVAILABLE', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const offline = createSalesforceConnector(options({ loginUrl: `http://127.0.0.1:${port}`, readRetries: 0 }));
    expect(await failure(offline.accountsByIds([sandbox.world.skeleton.customers[0]!.accountId]))).toMatchObject({ backend: 'salesforce', code: 'UNAVAILABLE' });
  });
});
