import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../common/server.js';
import { createOdooSandbox, ODOO_DB, ODOO_PASSWORD, type OdooSandbox } from './index.js';
import { methodResponse, parseMethodCall } from './xmlrpc.js';

let sandbox: OdooSandbox;
let running: RunningSandbox;

beforeAll(async () => {
  sandbox = createOdooSandbox({ customers: 40 });
  running = await sandbox.listen(0);
});
afterAll(async () => {
  await running.close();
});
beforeEach(() => {
  running.setFaults({});
  running.reset();
});

const rpc = async (path: string, params: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${running.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params, id: 7 }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
};
const executeKw = (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}, password = ODOO_PASSWORD) =>
  rpc('/jsonrpc', { service: 'object', method: 'execute_kw', args: [ODOO_DB, 2, password, model, method, args, kwargs] });
const xml = async (path: string, body: string) => {
  const res = await fetch(`${running.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body });
  return { status: res.status, text: await res.text() };
};

describe('JSON-RPC', () => {
  it('serves version, login and execute_kw with Odoo envelopes', async () => {
    const version = await rpc('/jsonrpc', { service: 'common', method: 'version', args: [] });
    expect(version.body).toEqual({ jsonrpc: '2.0', id: 7, result: expect.objectContaining({ server_version: '17.0', protocol_version: 1 }) });
    expect((await rpc('/jsonrpc', { service: 'common', method: 'login', args: [ODOO_DB, 'api@retail.example', ODOO_PASSWORD] })).body.result).toBe(2);
    expect((await rpc('/jsonrpc', { service: 'common', method: 'authenticate', args: [ODOO_DB, 'api@retail.example', 'nope', {}] })).body.result).toBe(false);
    const info = await rpc('/web/webclient/version_info', {});
    expect((info.body.result as Record<string, unknown>).server_serie).toBe('17.0');
  });

  it('answers errors with HTTP 200 and the Odoo error object', async () => {
    const denied = await executeKw('res.partner', 'read', [[1]], {}, 'bad');
    expect(denied.status).toBe(200);
    expect(denied.body.error).toEqual({
      code: 200,
      message: 'Odoo Server Error',
      data: { name: 'odoo.exceptions.AccessDenied', message: 'Access Denied', arguments: ['Access Denied'], context: {}, debug: expect.stringContaining('Traceback') },
    });
    const unknown = await executeKw('no.model', 'search', [[]]);
    expect(unknown.body.error).toMatchObject({ data: { name: 'odoo.exceptions.UserError', message: "Object no.model doesn't exist" } });
    const badDomain = await executeKw('res.partner', 'search', [[['name', 'nope', 1]]]);
    expect(badDomain.body.error).toMatchObject({ data: { name: 'builtins.ValueError', message: "Invalid leaf ('name', 'nope', 1)" } });
    const wrongDb = await rpc('/jsonrpc', { service: 'object', method: 'execute_kw', args: ['other', 2, ODOO_PASSWORD, 'res.partner', 'search', [[]]] });
    expect(wrongDb.body.error).toMatchObject({ data: { name: 'psycopg2.OperationalError' } });
    const privateMethod = await executeKw('res.partner', '_compute_display_name', [[1]]);
    expect(privateMethod.body.error).toMatchObject({ data: { name: 'odoo.exceptions.AccessError' } });
    const wrongTypes = await executeKw('res.partner', 'read', ['not-ids']);
    expect(wrongTypes.body.error).toMatchObject({ code: 200, data: { name: 'builtins.TypeError' } });
  });

  it('requires a session on /web/dataset/call_kw and sets it on authenticate', async () => {
    const expired = await rpc('/web/dataset/call_kw/res.partner/search', { model: 'res.partner', method: 'search', args: [[]], kwargs: {} });
    expect(expired.body.error).toMatchObject({ code: 100, message: 'Odoo Session Expired', data: { name: 'odoo.http.SessionExpiredException' } });
    const bad = await rpc('/web/session/authenticate', { db: ODOO_DB, login: 'api@retail.example', password: 'x' });
    expect(bad.body.error).toMatchObject({ data: { name: 'odoo.exceptions.AccessDenied' } });
    const auth = await rpc('/web/session/authenticate', { db: ODOO_DB, login: 'api@retail.example', password: ODOO_PASSWORD });
    expect(auth.body.result).toMatchObject({ uid: 2, db: ODOO_DB, user_context: { uid: 2, lang: 'en_US' } });
    const sid = /session_id=([^;]+)/.exec(auth.headers.get('set-cookie') ?? '')![1]!;
    const call = await rpc('/web/dataset/call_kw', { model: 'product.product', method: 'search_count', args: [[]], kwargs: {} }, { Cookie: `session_id=${sid}` });
    expect(call.body.result).toBe(145);
    const info = await rpc('/web/session/get_session_info', {}, { Cookie: `session_id=${sid}` });
    expect((info.body.result as Record<string, unknown>).uid).toBe(2);
  });

  it('answers malformed JSON like Odoo and stays up', async () => {
    const post = (body: string, type = 'application/json') => fetch(`${running.url}/jsonrpc`, { method: 'POST', headers: { 'Content-Type': type }, body });
    const broken = await post('{"jsonrpc": "2.0", "params": ');
    expect(broken.status).toBe(400);
    expect(await broken.text()).toBe('Invalid JSON data');
    const notObject = await post('[1,2]');
    expect(notObject.status).toBe(400);
    expect(await notObject.text()).toBe('Invalid JSON-RPC data');
    expect((await post('{}', 'text/plain')).status).toBe(400);
    const noArgs = await rpc('/jsonrpc', { service: 'object', method: 'execute_kw', args: 'x' });
    expect(noArgs.body.error).toMatchObject({ code: 200, message: 'Odoo Server Error' });
    expect((await rpc('/jsonrpc', { service: 'common', method: 'version', args: [] })).body.result).toBeTruthy();
  });
});

describe('XML-RPC', () => {
  const call = (method: string, params: string) =>
    `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params}</params></methodCall>`;
  const str = (s: string) => `<param><value><string>${s}</string></value></param>`;

  it('accepts CDATA, <nil/>, untyped and empty values', async () => {
    const body = call(
      'execute_kw',
      `${str('retail')}<param><value><int>2</int></value></param><param><value><![CDATA[odoo-sandbox-key]]></value></param>${str('product.product')}${str('search_read')}` +
        `<param><value><array><data><value><array><data><value><array><data><value>default_code</value><value>=</value><value>BK-1001</value></data></array></value></data></array></value></data></array></value></param>` +
        `<param><value><struct><member><name>fields</name><value><array><data><value><string>name</string></value></data></array></value></member>` +
        `<member><name>limit</name><value/></member><member><name>order</name><value><nil/></value></member></struct></value></param>`,
    );
    const res = await xml('/xmlrpc/2/object', body);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<name>name</name>');
    expect(res.text).toContain('<string>Trail Runner</string>');
  });

  it('answers faults with Odoo codes and survives malformed XML', async () => {
    const malformed = await xml('/xmlrpc/2/object', '<methodCall><methodName>execute_kw</methodName><params>');
    expect(malformed.status).toBe(200);
    expect(malformed.text).toMatch(/<name>faultCode<\/name>\s*<value><int>1<\/int>/);
    const unknown = await xml('/xmlrpc/2/common', call('frobnicate', ''));
    expect(unknown.text).toContain('Method not found: frobnicate');
    const denied = await xml('/xmlrpc/2/object', call('execute_kw', `${str('retail')}<param><value><int>2</int></value></param>${str('bad')}${str('res.partner')}${str('search')}<param><value><array><data/></array></value></param>`));
    expect(denied.text).toMatch(/<int>3<\/int>[\s\S]*Access Denied/);
  });

  it('round-trips values through the codec', () => {
    const xmlText = methodResponse({ a: [1, 2.5, 'x<y', true, false], b: {} });
    expect(xmlText).toContain('<string>x&lt;y</string>');
    expect(parseMethodCall(xmlText.replace('methodResponse', 'methodCall').replace('</methodResponse>', '</methodCall>').replace('<params>', '<methodName>m</methodName><params>'))).toEqual({
      method: 'm',
      params: [{ a: [1, 2.5, 'x<y', true, false], b: {} }],
    });
  });
});

describe('admin API: stats, faults, reset', () => {
  it('counts exactly the calls made', async () => {
    await rpc('/jsonrpc', { service: 'common', method: 'version', args: [] });
    await rpc('/jsonrpc', { service: 'common', method: 'authenticate', args: [ODOO_DB, 'api@retail.example', ODOO_PASSWORD, {}] });
    await executeKw('sale.order', 'search_read', [[]], { fields: ['name'], limit: 4 });
    await executeKw('res.partner', 'read', [[1, 2, 999_999]], { fields: ['name'] });
    await rpc('/web/webclient/version_info', {});
    await rpc('/web/session/authenticate', { db: ODOO_DB, login: 'api@retail.example', password: ODOO_PASSWORD });
    await fetch(`${running.url}/json/2/product.product/search`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `bearer ${ODOO_PASSWORD}` }, body: JSON.stringify({ domain: [['id', 'in', [1, 2, 3]]] }) });
    const stats = (await (await fetch(`${running.url}/__sandbox/stats`)).json()) as Record<string, unknown>;
    expect(stats).toEqual({
      calls: 7,
      byOperation: {
        'common.version': 1,
        'common.authenticate': 1,
        'sale.order.search_read': 1,
        'res.partner.read': 1,
        version_info: 1,
        'session.authenticate': 1,
        'product.product.search': 1,
      },
      records: 4 + 2 + 3,
      // One call after another: never two in the sandbox at once, and none left once answered.
      inFlight: 0,
      peakInFlight: 1,
    });
  });

  it('injects down, latency and rate limits', async () => {
    await fetch(`${running.url}/__sandbox/faults`, { method: 'PUT', body: JSON.stringify({ down: true }) });
    expect((await fetch(`${running.url}/jsonrpc`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(503);
    running.setFaults({ latencyMs: 120 });
    const t0 = performance.now();
    await rpc('/jsonrpc', { service: 'common', method: 'version', args: [] });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
    running.setFaults({ rateLimit: { perSecond: 2 } });
    const statuses: number[] = [];
    const version = () => fetch(`${running.url}/jsonrpc`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ params: { service: 'common', method: 'version', args: [] } }) });
    for (let i = 0; i < 2; i++) statuses.push((await version()).status);
    const limited = await version();
    statuses.push(limited.status);
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    running.setFaults({ errorRate: 1 });
    const failed = await rpc('/jsonrpc', { service: 'common', method: 'version', args: [] });
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: 200, message: 'Odoo Server Error' } });
  });

  it('works on at most `workers` calls at once and queues the rest, like Odoo worker processes', async () => {
    const version = async () => {
      const t0 = performance.now();
      await rpc('/jsonrpc', { service: 'common', method: 'version', args: [] });
      return performance.now() - t0;
    };
    running.setFaults({ latencyMs: 100, workers: 2 });
    const took = (await Promise.all([version(), version(), version(), version()])).sort((a, b) => a - b);
    // Two at a time: the last two wait for a worker, then spend their own 100 ms in it.
    expect(took[1]!).toBeLessThan(190);
    expect(took[3]!).toBeGreaterThanOrEqual(195);
    expect(running.stats().peakInFlight).toBe(4);

    // Without the fault they run side by side.
    running.setFaults({ latencyMs: 100 });
    const parallel = await Promise.all([version(), version(), version(), version()]);
    expect(Math.max(...parallel)).toBeLessThan(190);

    for (const workers of [0, 1.5, '2']) {
      const res = await fetch(`${running.url}/__sandbox/faults`, { method: 'PUT', body: JSON.stringify({ workers }) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/workers/);
    }
  });

  it('reset restores the seeded data and zeroes the counters', async () => {
    const id = sandbox.world.skeleton.customers[0]!.odooPartnerId;
    await executeKw('res.partner', 'write', [[id], { name: 'Changed' }]);
    expect(sandbox.orm.row('res.partner', id)!.name).toBe('Changed');
    await fetch(`${running.url}/__sandbox/reset`, { method: 'POST' });
    expect(sandbox.orm.row('res.partner', id)!.name).toBe(sandbox.world.skeleton.customers[0]!.name);
    expect(running.stats().calls).toBe(0);
  });
});
