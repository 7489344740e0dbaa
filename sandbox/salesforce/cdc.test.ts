import jsforce from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../common/server.js';
import { createSalesforceSandbox, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, type SalesforceSandbox } from './index.js';

/**
 * Change Data Capture through jsforce 3's own streaming client (faye over CometD long polling),
 * unchanged: subscriptions, the Replay extension across a disconnect, an expired replay id, and the
 * AuthFailure extension.
 */

const VERSION = '62.0';
let sandbox: SalesforceSandbox;
let running: RunningSandbox;

/** faye's client as jsforce creates it; its typings leave out `disconnect()`. */
type StreamingClient = ReturnType<jsforce.Connection['streaming']['createClient']> & { disconnect(): Promise<void> | undefined };
const streamingClient = (conn: jsforce.Connection, extensions: unknown[]) => conn.streaming.createClient(extensions) as StreamingClient;

type CdcMessage = { payload: { ChangeEventHeader: Record<string, any>; [field: string]: unknown }; event: { replayId: number }; schema: string };

beforeAll(async () => {
  sandbox = createSalesforceSandbox({ customers: 20, streamingTimeoutMs: 800, cdcRetention: { maxEvents: 50 } });
  running = await sandbox.listen(0);
});
afterAll(async () => {
  await running.close();
});

async function token(): Promise<string> {
  const res = await fetch(`${running.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SALESFORCE_CLIENT_ID, client_secret: SALESFORCE_CLIENT_SECRET }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
const connection = async () => new jsforce.Connection({ instanceUrl: running.url, accessToken: await token(), version: VERSION });
const edit = (id: string, values: Record<string, unknown>, object = 'Account') =>
  fetch(`${running.url}/__sandbox/edit`, { method: 'POST', body: JSON.stringify({ object, id, values }) }).then((r) => r.json() as Promise<{ ok: boolean; at: string }>);
const until = async (check: () => boolean, ms = 5000) => {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};
const account = (i: number) => sandbox.world.skeleton.customers[i]!.accountId;

describe('Salesforce Change Data Capture over the Streaming API', () => {
  it('delivers AccountChangeEvent and ChangeEvents to conn.streaming.topic(...).subscribe, shaped like CDC', async () => {
    const conn = await connection();
    const onAccount: CdcMessage[] = [];
    const onAll: CdcMessage[] = [];
    await conn.streaming.topic('/data/AccountChangeEvent').subscribe((m) => onAccount.push(m as unknown as CdcMessage));
    await conn.streaming.topic('/data/ChangeEvents').subscribe((m) => onAll.push(m as unknown as CdcMessage));
    const t0 = Date.now();
    await edit(account(0), { Phone: '+49 30 1234 5678' });
    // a write through the REST API, naming its client in Sforce-Call-Options
    await fetch(`${running.url}/services/data/v${VERSION}/sobjects/Account/${account(1)}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json', 'sforce-call-options': 'client=c360-gateway' },
      body: JSON.stringify({ BillingCity: 'Lyon', Website: null }),
    });
    await until(() => onAccount.length >= 2 && onAll.length >= 2);
    const [byEdit, byApi] = onAccount;
    expect(byEdit!.schema).toMatch(/^[\w-]{22}$/);
    expect(byEdit!.payload).toEqual({
      ChangeEventHeader: {
        entityName: 'Account',
        recordIds: [account(0)],
        changeType: 'UPDATE',
        changeOrigin: 'com/salesforce/api/soap/62.0;client=SfdcInternalAPI/',
        transactionKey: expect.stringMatching(/^[0-9a-f-]{36}$/),
        sequenceNumber: 1,
        commitTimestamp: expect.any(Number),
        commitNumber: expect.any(Number),
        commitUser: sandbox.world.stores.get('Account')!.get(account(0))!.OwnerId,
        nulledFields: [],
        diffFields: [],
        changedFields: ['Phone', 'LastModifiedDate', 'LastModifiedById'],
      },
      Phone: '+49 30 1234 5678',
      LastModifiedDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      LastModifiedById: expect.stringMatching(/^005/),
    });
    expect(byEdit!.payload.ChangeEventHeader.commitTimestamp).toBeGreaterThanOrEqual(t0);
    expect(byApi!.payload).toMatchObject({
      ChangeEventHeader: { changeOrigin: `com/salesforce/api/rest/${VERSION};client=c360-gateway`, commitUser: sandbox.world.integrationUserId, nulledFields: ['Website'], changedFields: expect.arrayContaining(['BillingAddress.City', 'Website', 'LastModifiedDate']) },
      BillingAddress: { City: 'Lyon' },
      Website: null,
    });
    expect(byApi!.event.replayId).toBeGreaterThan(byEdit!.event.replayId);
    expect(onAll.map((m) => m.event.replayId)).toEqual(onAccount.map((m) => m.event.replayId));
    const contacts: CdcMessage[] = [];
    await conn.streaming.topic('/data/ContactChangeEvent').subscribe((m) => contacts.push(m as unknown as CdcMessage));
    const contact = [...sandbox.world.stores.get('Contact')!.all()][0]!;
    await edit(contact.Id as string, { FirstName: 'Zoë' }, 'Contact');
    await until(() => contacts.length === 1);
    expect(contacts[0]!.payload).toMatchObject({ Name: { FirstName: 'Zoë' }, ChangeEventHeader: { entityName: 'Contact', changedFields: expect.arrayContaining(['Name.FirstName']) } });
    expect(onAll.length).toBe(3);
  });

  it('replays what a client missed while disconnected, from its last replay id (Replay extension), and loses nothing', async () => {
    const channel = '/data/AccountChangeEvent';
    const first: CdcMessage[] = [];
    const conn = await connection();
    const client1 = streamingClient(conn, [new StreamingExtension.Replay(channel, -1)]);
    await client1.subscribe(channel, (m: unknown) => first.push(m as CdcMessage));
    await edit(account(2), { Phone: '+33 1 00 00 00 01' });
    await until(() => first.length === 1);
    const lastSeen = first[0]!.event.replayId;
    await client1.disconnect();

    for (let i = 0; i < 3; i++) await edit(account(3), { Phone: `+33 1 00 00 00 1${i}` });

    const second: CdcMessage[] = [];
    const client2 = streamingClient(await connection(), [new StreamingExtension.Replay(channel, lastSeen)]);
    await client2.subscribe(channel, (m: unknown) => second.push(m as CdcMessage));
    await until(() => second.length === 3);
    expect(second.map((m) => m.payload.Phone)).toEqual(['+33 1 00 00 00 10', '+33 1 00 00 00 11', '+33 1 00 00 00 12']);
    expect(second.map((m) => m.event.replayId)).toEqual([lastSeen + 1, lastSeen + 2, lastSeen + 3]);
    // and it keeps receiving new events
    await edit(account(3), { Phone: '+33 1 00 00 00 20' });
    await until(() => second.length === 4);
    // -2 replays every retained event
    const all: CdcMessage[] = [];
    const client3 = streamingClient(await connection(), [new StreamingExtension.Replay(channel, -2)]);
    await client3.subscribe(channel, (m: unknown) => all.push(m as CdcMessage));
    await until(() => all.length > 0 && all.at(-1)!.event.replayId === second.at(-1)!.event.replayId);
    expect(all.map((m) => m.event.replayId)).toEqual([...all.map((m) => m.event.replayId)].sort((a, b) => a - b));
    await Promise.all([client2.disconnect(), client3.disconnect()]);
  });

  it('refuses a replay id outside the retention window with Salesforce’s error', async () => {
    const channel = '/data/AccountChangeEvent';
    const oldest = sandbox.cdc.stats().latestReplayId + 1;
    for (let i = 0; i < 55; i++) await edit(account(4), { Phone: `+39 02 0000 ${String(i).padStart(4, '0')}` });
    expect(sandbox.cdc.stats()).toMatchObject({ retained: 50 });
    const client = streamingClient(await connection(), [new StreamingExtension.Replay(channel, oldest)]);
    const failure = await new Promise<Error>((resolve, reject) => {
      const sub = client.subscribe(channel, () => reject(new Error('no event expected')));
      sub.then(() => reject(new Error('the subscription should fail')), (err: Error) => resolve(err));
    });
    expect(failure.message).toContain(`The replayId {${oldest}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`);
    client.disconnect();
  });

  it('tells a client whose token was revoked that authentication is invalid (AuthFailure extension)', async () => {
    const conn = await connection();
    let failed: Record<string, unknown> | undefined;
    const client = streamingClient(conn, [new StreamingExtension.AuthFailure((m: Record<string, unknown>) => (failed = m))]);
    await client.subscribe('/data/AccountChangeEvent', () => {});
    await fetch(`${running.url}/services/oauth2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${conn.accessToken}` });
    await until(() => failed !== undefined);
    expect(failed).toMatchObject({ channel: '/meta/connect', successful: false, error: '401::Authentication invalid', advice: { reconnect: 'none' } });
  });

  it('answers handshakes without a valid token with 403::Handshake denied, and unknown clients with 403::Unknown client', async () => {
    const post = (body: unknown, auth?: string) =>
      fetch(`${running.url}/cometd/${VERSION}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify(body) }).then((r) => r.json());
    expect(await post([{ channel: '/meta/handshake', id: '1', version: '1.0', supportedConnectionTypes: ['long-polling'] }], 'OAuth nope')).toEqual([
      { ext: { sfdc: { failureReason: '401::Authentication invalid' }, replay: true, 'payload.format': true }, advice: { reconnect: 'none' }, channel: '/meta/handshake', id: '1', error: '403::Handshake denied', successful: false },
    ]);
    expect(await post([{ channel: '/meta/connect', id: '2', clientId: 'gone', connectionType: 'long-polling' }], `OAuth ${await token()}`)).toEqual([
      { clientId: 'gone', channel: '/meta/connect', id: '2', successful: false, error: '403::Unknown client', advice: { reconnect: 'handshake', interval: 0 } },
    ]);
    const feeds = (await (await fetch(`${running.url}/__sandbox/feeds`)).json()) as { cdc: Record<string, unknown> };
    expect(feeds.cdc).toMatchObject({ entities: ['Account', 'Contact'], channels: ['/data/ChangeEvents', '/data/AccountChangeEvent', '/data/ContactChangeEvent'] });
    expect(running.stats().byOperation).not.toHaveProperty('unknown.request');
  });
});
