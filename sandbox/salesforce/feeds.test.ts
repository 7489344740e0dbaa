import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../common/server.js';
import { createSalesforceSandbox, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, type SalesforceSandbox } from './index.js';

const VERSION = '62.0';
let sandbox: SalesforceSandbox;
let running: RunningSandbox;
let accessToken: string;

beforeAll(async () => {
  sandbox = createSalesforceSandbox({ customers: 30 });
  running = await sandbox.listen(0);
  const res = await fetch(`${running.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SALESFORCE_CLIENT_ID, client_secret: SALESFORCE_CLIENT_SECRET }),
  });
  accessToken = ((await res.json()) as { access_token: string }).access_token;
});
afterAll(() => running.close());
beforeEach(() => {
  running.setFaults({});
  running.reset();
});

const rest = async (path: string, init: { method?: string; body?: unknown } = {}) => {
  const res = await fetch(`${running.url}/services/data/v${VERSION}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined };
};
const admin = async (path: string, method = 'GET', body?: unknown) => {
  const res = await fetch(`${running.url}/__sandbox/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};
const accountId = () => sandbox.world.skeleton.customers[0]!.accountId;

describe('Salesforce out-of-band edits and change history', () => {
  it('saves an edit as the owner would: visible through REST, stamped, recorded with previous values, not counted', async () => {
    const id = accountId();
    const before = (await rest(`/sobjects/Account/${id}?fields=Phone,LastModifiedDate,SystemModstamp`)).body;
    const edit = await admin('edit', 'POST', { object: 'Account', id: id.slice(0, 15), values: { Phone: '+49 30 999 0000' } });
    expect(edit.body).toEqual({ ok: true, at: expect.any(String) });
    const after = (await rest(`/sobjects/Account/${id}?fields=Phone,LastModifiedDate,SystemModstamp,LastModifiedById,OwnerId`)).body;
    expect(after.Phone).toBe('+49 30 999 0000');
    expect(after.LastModifiedDate > before.LastModifiedDate).toBe(true);
    expect(after.SystemModstamp).toBe(after.LastModifiedDate);
    expect(after.LastModifiedById).toBe(after.OwnerId);
    const [change] = (await admin('changes?object=Account')).body.changes;
    expect(change).toMatchObject({ at: edit.body.at, object: 'Account', id, kind: 'update', source: 'edit', values: { Phone: '+49 30 999 0000', LastModifiedDate: after.LastModifiedDate }, previous: { Phone: before.Phone, LastModifiedDate: before.LastModifiedDate } });
    expect(running.stats().byOperation).toEqual({ 'Account.retrieve': 2 });
    for (const [body, message] of [
      [{ object: 'Opportunity', id, values: { Name: 'x' } }, /unknown object "Opportunity"/],
      [{ object: 'Account', id: '001000000000000AAA', values: { Phone: 'x' } }, /does not exist/],
      [{ object: 'Account', id: 'nope', values: { Phone: 'x' } }, /Salesforce record id/],
      [{ object: 'Account', id, values: { Nope__c: 1 } }, /INVALID_FIELD: No such column 'Nope__c'/],
      [{ object: 'Account', id, values: { Name: null } }, /REQUIRED_FIELD_MISSING/],
      [{ object: 'Account', id, values: { CreatedDate: '2020-01-01T00:00:00.000+0000' } }, /INVALID_FIELD_FOR_INSERT_UPDATE/],
    ] as const) {
      const res = await admin('edit', 'POST', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
    }
  });

  it('records REST writes with source api, creates and cascading deletes included', async () => {
    const created = await rest('/sobjects/Account', { method: 'POST', body: { Name: 'Fresh Bikes Ltd', Phone: '+44 20 0000 0000' } });
    await rest(`/sobjects/Contact`, { method: 'POST', body: { LastName: 'Doe', AccountId: created.body.id } });
    await rest(`/sobjects/Account/${created.body.id}`, { method: 'DELETE' });
    const changes = (await admin('changes')).body.changes as Array<Record<string, any>>;
    expect(changes.map((c) => [c.object, c.kind, c.source])).toEqual([
      ['Account', 'create', 'api'],
      ['Contact', 'create', 'api'],
      ['Account', 'delete', 'api'],
      ['Contact', 'delete', 'api'],
    ]);
    expect(changes[0]!.values).toMatchObject({ Name: 'Fresh Bikes Ltd', Phone: '+44 20 0000 0000' });
    expect(changes[2]!.previous).toMatchObject({ Name: 'Fresh Bikes Ltd' });
    expect(changes[2]!.transaction).toBe(changes[3]!.transaction);
  });

  it('errorAfterCommitRate 1: a PATCH is applied although answered UNKNOWN_EXCEPTION or dropped; retrieves are untouched', async () => {
    const id = accountId();
    running.setFaults({ errorAfterCommitRate: 1, afterCommit: 'error' });
    const failed = await rest(`/sobjects/Account/${id}`, { method: 'PATCH', body: { Phone: 'after-commit-1' } });
    expect(failed.status).toBe(500);
    expect(failed.body[0].errorCode).toBe('UNKNOWN_EXCEPTION');
    expect((await rest(`/sobjects/Account/${id}?fields=Phone`)).body.Phone).toBe('after-commit-1');
    expect((await rest('/composite/sobjects/Account', { method: 'POST', body: { ids: [id], fields: ['Phone'] } })).status).toBe(200);
    running.setFaults({ errorAfterCommitRate: 1, afterCommit: 'drop' });
    await expect(rest(`/sobjects/Account/${id}`, { method: 'PATCH', body: { Phone: 'after-commit-2' } })).rejects.toThrow();
    running.setFaults({});
    expect((await rest(`/sobjects/Account/${id}?fields=Phone`)).body.Phone).toBe('after-commit-2');
  });

  it('streams account phone, revenue and contact title changes at about the asked rate', async () => {
    await admin('change-stream', 'POST', { perSecond: 25, seed: 11 });
    await new Promise((r) => setTimeout(r, 800));
    const state = (await admin('change-stream', 'POST', { perSecond: 0 })).body;
    expect(state.applied).toBeGreaterThanOrEqual(14);
    expect(state.applied).toBeLessThanOrEqual(30);
    const changes = (await admin('changes')).body.changes as Array<{ object: string; source: string; values: Record<string, unknown> }>;
    expect(new Set(changes.map((c) => c.object))).toEqual(new Set(['Account', 'Contact']));
    expect(changes.every((c) => c.source === 'stream' && 'LastModifiedDate' in c.values)).toBe(true);
    expect(sandbox.cdc.stats().published).toBeGreaterThanOrEqual(changes.length);
  });
});
