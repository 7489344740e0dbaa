import { describe, expect, it } from 'vitest';
import { httpHeaders, type HttpClient } from '../../../../platform/http/client.js';
import { createOdooConnector } from './connector.js';
import { toNamedArguments } from './transport.js';

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: { params?: { service: string; method: string; args: unknown[] } } & Record<string, unknown>;
}

/** An HTTP client that records requests and answers from a script. */
function scriptedHttp(answer: (sent: Sent) => { status?: number; body: unknown }) {
  const sent: Sent[] = [];
  const http: HttpClient = async (url, init) => {
    const s: Sent = { url: String(url), headers: init.headers ?? {}, body: JSON.parse(String(init.body)) };
    sent.push(s);
    await new Promise((r) => setTimeout(r, 5));
    const { status = 200, body } = answer(s);
    return { status, headers: httpHeaders({}), body: typeof body === 'string' ? body : JSON.stringify(body) };
  };
  return { sent, http };
}

const base = { url: 'http://odoo.test', db: 'retail', login: 'api@retail.example', apiKey: 'secret-key' };

describe('JSON-RPC transport', () => {
  it('authenticates once for concurrent first calls, then calls execute_kw', async () => {
    const { sent, http } = scriptedHttp((s) => ({ body: { jsonrpc: '2.0', id: 1, result: s.body.params!.service === 'common' ? 7 : [] } }));
    const odoo = createOdooConnector({ ...base, protocol: 'jsonrpc', http });
    await Promise.all([odoo.ordersByIds([1, 1, 2]), odoo.productsByIds([3]), odoo.movesByIds([4])]);
    const services = sent.map((s) => `${s.body.params!.service}.${s.body.params!.method}`);
    expect(services.filter((x) => x === 'common.authenticate')).toHaveLength(1);
    expect(services.filter((x) => x === 'object.execute_kw')).toHaveLength(3);
    const order = sent.find((s) => (s.body.params!.args as unknown[])[3] === 'sale.order')!;
    expect(order.url).toBe('http://odoo.test/jsonrpc');
    const [db, uid, key, model, method, args, kwargs] = order.body.params!.args as [string, number, string, string, string, unknown[], Record<string, unknown>];
    expect([db, uid, key, model, method, args]).toEqual(['retail', 7, 'secret-key', 'sale.order', 'search_read', []]);
    expect(kwargs.domain).toEqual([['id', 'in', [1, 2]]]);
  });

  it('makes no call for an empty batch', async () => {
    const { sent, http } = scriptedHttp(() => ({ body: { result: 7 } }));
    const odoo = createOdooConnector({ ...base, protocol: 'jsonrpc', http });
    expect(await odoo.ordersByIds([])).toEqual(new Map());
    expect(await odoo.orderIdsByPartnerIds([0, -1])).toEqual(new Map());
    expect(sent).toHaveLength(0);
  });

  it('re-authenticates once when the session expired', async () => {
    let expired = true;
    const { sent, http } = scriptedHttp((s) => {
      if (s.body.params!.service === 'common') return { body: { result: 7 } };
      if (expired) {
        expired = false;
        return { body: { error: { code: 100, message: 'Odoo Session Expired', data: { name: 'odoo.http.SessionExpiredException', message: 'Session expired' } } } };
      }
      return { body: { result: [{ id: 1, name: 'S00001' }] } };
    });
    const odoo = createOdooConnector({ ...base, protocol: 'jsonrpc', http, readRetries: 0 });
    expect((await odoo.ordersByIds([1])).get(1)?.name).toBe('S00001');
    expect(sent.filter((s) => s.body.params!.service === 'common')).toHaveLength(2);
  });

  it('maps a refused login to UNAUTHENTICATED and does not cache the failure', async () => {
    let calls = 0;
    const { http } = scriptedHttp((s) => ({ body: { result: s.body.params!.service === 'common' ? (++calls === 1 ? false : 7) : [] } }));
    const odoo = createOdooConnector({ ...base, protocol: 'jsonrpc', http });
    await expect(odoo.ordersByIds([1])).rejects.toMatchObject({ code: 'UNAUTHENTICATED', backend: 'odoo' });
    await expect(odoo.ordersByIds([1])).resolves.toBeInstanceOf(Map);
  });

  it('never puts the API key in an error message', async () => {
    const { http } = scriptedHttp(() => ({ status: 500, body: 'Internal Server Error' }));
    const odoo = createOdooConnector({ ...base, protocol: 'jsonrpc', http, readRetries: 0 });
    const err = await odoo.ordersByIds([1]).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'UNAVAILABLE' });
    expect(String((err as Error).message)).not.toContain('secret-key');
  });

  it('maps network failures to UNAVAILABLE', async () => {
    const http: HttpClient = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8069'), { code: 'ECONNREFUSED' });
    };
    const odoo = createOdooConnector({ ...base, protocol: 'json2', http, readRetries: 0 });
    await expect(odoo.ordersByIds([1])).rejects.toMatchObject({ code: 'UNAVAILABLE', backend: 'odoo' });
  });
});

describe('JSON-2 transport', () => {
  it('posts named arguments with the bearer key and database header', async () => {
    const { sent, http } = scriptedHttp(() => ({ body: [{ id: 3, name: 'S00003' }] }));
    const odoo = createOdooConnector({ ...base, protocol: 'json2', http });
    const orders = await odoo.ordersByNames(['S00003']);
    expect(orders.get('S00003')?.id).toBe(3);
    expect(sent[0]!.url).toBe('http://odoo.test/json/2/sale.order/search_read');
    expect(sent[0]!.headers).toMatchObject({ Authorization: 'bearer secret-key', 'X-Odoo-Database': 'retail' });
    expect(sent[0]!.body).toMatchObject({ domain: [['name', 'in', ['S00003']]], order: 'id asc' });
  });

  it('maps positional arguments to names', () => {
    expect(toNamedArguments('write', [[5], { a: 1 }], {})).toEqual({ ids: [5], vals: { a: 1 } });
    expect(toNamedArguments('create', [{ a: 1 }], {})).toEqual({ vals_list: [{ a: 1 }] });
    expect(toNamedArguments('action_confirm', [[5]], { context: {} })).toEqual({ ids: [5], context: {} });
    expect(() => toNamedArguments('read', [[1], ['id'], 3], {})).toThrow(/at most 2/);
  });
});

describe('configuration', () => {
  it('names the bad setting', () => {
    expect(() => createOdooConnector({ ...base, url: 'odoo.test', protocol: 'jsonrpc' })).toThrow(/url/);
    expect(() => createOdooConnector({ ...base, apiKey: '', protocol: 'jsonrpc' })).toThrow(/apiKey/);
    expect(() => createOdooConnector({ ...base, protocol: 'xmlrpc' as 'jsonrpc' })).toThrow(/protocol/);
    expect(() => createOdooConnector({ ...base, protocol: 'jsonrpc', partnerRefField: 'a.b' })).toThrow(/partnerRefField/);
  });
});
