import OdooAwait from 'odoo-await';
import * as odooJsonRpcModule from '@fernandoslim/odoo-jsonrpc';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../common/server.js';
import { createOdooSandbox, ODOO_API_KEY, ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD, type OdooSandbox } from './index.js';

// The package is CommonJS with `exports.default`: under ESM the class may sit one `.default` deeper.
type JsonRpcClass = typeof import('@fernandoslim/odoo-jsonrpc').default;
const loaded = odooJsonRpcModule.default as unknown as JsonRpcClass | { default: JsonRpcClass };
const OdooJSONRpc: JsonRpcClass = 'default' in loaded ? loaded.default : loaded;

let sandbox: OdooSandbox;
let running: RunningSandbox;

beforeAll(async () => {
  sandbox = createOdooSandbox({ customers: 60 });
  running = await sandbox.listen(0);
});
afterAll(async () => {
  await running.close();
});
beforeEach(() => running.reset());

const xmlClient = (password = ODOO_PASSWORD) => new OdooAwait({ baseUrl: running.url, db: ODOO_DB, username: ODOO_LOGIN, password });

describe('odoo-await (XML-RPC)', () => {
  it('authenticates, searches, reads, creates and writes', async () => {
    const odoo = xmlClient();
    expect(await odoo.connect()).toBe(2);
    const { fewOrders } = sandbox.world.skeleton.examples;
    const partners = await odoo.searchRead<{ id: number; name: string; ref: string; country_id: [number, string] | false }>(
      'res.partner',
      [['ref', '=', fewOrders]],
      ['name', 'ref', 'country_id'],
    );
    expect(partners).toHaveLength(1);
    expect(partners[0]!.ref).toBe(fewOrders);
    expect(Array.isArray(partners[0]!.country_id)).toBe(true);

    const [read] = await odoo.read<{ id: number; name: string; vat: string | false }>('res.partner', partners[0]!.id, ['name', 'vat']);
    expect(read!.id).toBe(partners[0]!.id);
    expect(read!.name).toBe(partners[0]!.name);

    const id = await odoo.create('res.partner', { name: 'Created Over XML-RPC', email: 'x@example.com', is_company: true });
    expect(typeof id).toBe('number');
    expect(await odoo.update('res.partner', id, { phone: '+32 2 000 0000' })).toBe(true);
    const [created] = await odoo.read<{ phone: string; email: string; parent_id: unknown }>('res.partner', [id], ['phone', 'email', 'parent_id']);
    expect(created).toMatchObject({ phone: '+32 2 000 0000', email: 'x@example.com', parent_id: false });
  });

  it('gets Odoo faults for a wrong password, an unknown model and a missing record', async () => {
    await expect(xmlClient('wrong').connect()).rejects.toMatch(/invalid credentials/);
    const odoo = xmlClient();
    await odoo.connect();
    (odoo as unknown as { password: string }).password = 'wrong';
    await expect(odoo.read('res.partner', [1])).rejects.toMatchObject({ faultCode: 3, faultString: 'Access Denied' });
    (odoo as unknown as { password: string }).password = ODOO_PASSWORD;
    await expect(odoo.searchRead('no.such.model', [], ['name'])).rejects.toMatchObject({ faultCode: 2, faultString: "Object no.such.model doesn't exist" });
    await expect(odoo.update('sale.order', 99_999_999, { client_order_ref: 'x' })).rejects.toMatchObject({ faultCode: 2 });
    await expect(odoo.update('sale.order', 99_999_999, { client_order_ref: 'x' })).rejects.toHaveProperty('faultString', expect.stringMatching(/^Record does not exist or has been deleted\./));
    await expect(odoo.read('res.users', [2])).rejects.toMatchObject({ faultCode: 4 });
  });
});

describe('@fernandoslim/odoo-jsonrpc (JSON-RPC)', () => {
  const client = (password = ODOO_PASSWORD) =>
    new OdooJSONRpc({ baseUrl: 'http://127.0.0.1', port: running.port, db: ODOO_DB, username: ODOO_LOGIN, password });

  it('authenticates with a session, searches, reads, creates and writes', async () => {
    const odoo = client();
    const auth = await odoo.connect();
    expect(auth.uid).toBe(2);
    expect(odoo.sessionId).toBeTruthy();
    const orders = await odoo.searchRead<{ id: number; name: string; state: string; amount_total: number }>(
      'sale.order',
      [['state', '=', 'sale'], ['amount_total', '>', 0]],
      ['name', 'state', 'amount_total'],
      { limit: 5, order: 'id asc' },
    );
    expect(orders).toHaveLength(5);
    expect(orders.every((o) => o.state === 'sale')).toBe(true);
    expect(orders.map((o) => o.id)).toEqual([...orders.map((o) => o.id)].sort((a, b) => a - b));

    const [order] = await odoo.read<{ id: number; name: string; order_line: number[] }>('sale.order', [orders[0]!.id], ['name', 'order_line']);
    expect(order!.name).toBe(orders[0]!.name);
    expect(order!.order_line.length).toBeGreaterThan(0);

    const partnerId = sandbox.world.skeleton.customers[1]!.odooPartnerId;
    const id = await odoo.create('sale.order', { partner_id: partnerId, order_line: [[0, 0, { product_id: 1, product_uom_qty: 2 }]] });
    expect(await odoo.update('sale.order', id, { client_order_ref: 'PO-CLIENT-1' })).toBe(true);
    const [created] = await odoo.read<{ name: string; client_order_ref: string; state: string; amount_untaxed: number }>('sale.order', [id], [
      'name',
      'client_order_ref',
      'state',
      'amount_untaxed',
    ]);
    const price = sandbox.orm.row('product.product', 1)!.list_price as number;
    expect(created).toMatchObject({ client_order_ref: 'PO-CLIENT-1', state: 'draft', amount_untaxed: Math.round(price * 200) / 100 });
    expect(created!.name).toMatch(/^S\d{5}$/);
  });

  it('surfaces Odoo error messages for a wrong password, an unknown model and a missing record', async () => {
    await expect(client('wrong').connect()).rejects.toThrow();
    const odoo = client();
    await odoo.connect();
    await expect(odoo.searchRead('no.such.model', [], ['name'])).rejects.toThrow("Object no.such.model doesn't exist");
    await expect(odoo.update('sale.order', 99_999_999, { note: 'x' })).rejects.toThrow(/Record does not exist or has been deleted/);
  });

  it('works with uid + API key over /jsonrpc', async () => {
    const odoo = new OdooJSONRpc({ baseUrl: 'http://127.0.0.1', port: running.port, db: ODOO_DB, username: ODOO_LOGIN, apiKey: ODOO_API_KEY });
    const auth = await odoo.connect();
    expect(auth.uid).toBe(2);
    const ids = await odoo.search('product.product', [['default_code', '=', 'BK-1001']]);
    expect(ids).toEqual([1]);
  });
});

describe('JSON-2 (Odoo 19) with fetch', () => {
  const post = (path: string, body: unknown, key: string | null = ODOO_API_KEY, headers: Record<string, string> = {}) =>
    fetch(`${running.url}/json/2/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(key ? { Authorization: `bearer ${key}` } : {}), ...headers },
      body: JSON.stringify(body),
    });

  it('search_read, read and write return bare JSON', async () => {
    const res = await post('sale.order/search_read', { domain: [['state', '=', 'sale']], fields: ['name', 'partner_id'], limit: 3, order: 'id' });
    expect(res.status).toBe(200);
    const rows = (await res.json()) as Array<{ id: number; name: string; partner_id: [number, string] }>;
    expect(rows).toHaveLength(3);
    expect(rows[0]!.partner_id).toHaveLength(2);

    const read = await post('sale.order/read', { ids: [rows[0]!.id], fields: ['name'] });
    expect(await read.json()).toEqual([{ id: rows[0]!.id, name: rows[0]!.name }]);

    const write = await post('sale.order/write', { ids: [rows[0]!.id], vals: { client_order_ref: 'J2-REF' } }, ODOO_API_KEY, { 'X-Odoo-Database': 'retail' });
    expect(write.status).toBe(200);
    expect(await write.json()).toBe(true);
    expect(sandbox.orm.row('sale.order', rows[0]!.id)!.client_order_ref).toBe('J2-REF');

    const created = await post('res.partner/create', { vals_list: [{ name: 'J2 Partner' }] });
    const ids = (await created.json()) as number[];
    expect(ids).toHaveLength(1);
  });

  it('answers 401, 404 and 422 with Odoo error bodies', async () => {
    const unauthorized = await post('sale.order/search_read', { domain: [] }, 'bad-key');
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ message: 'Invalid apikey' });
    expect((await post('sale.order/search_read', {}, null)).status).toBe(401);

    const unknownModel = await post('no.model/search_read', { domain: [] });
    expect(unknownModel.status).toBe(404);
    expect(await unknownModel.json()).toMatchObject({ name: expect.any(String), message: expect.stringContaining('no.model') });
    expect((await post('sale.order/frobnicate', {})).status).toBe(404);

    const missing = await post('sale.order/write', { ids: [99_999_999], vals: { note: 'x' } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ name: 'odoo.exceptions.MissingError' });

    const badKeyword = await post('sale.order/search_read', { domain: [], colour: 'red' });
    expect(badKeyword.status).toBe(422);
    expect(await badKeyword.json()).toMatchObject({ message: expect.stringContaining("unexpected keyword argument 'colour'") });

    const userError = await post('sale.order/unlink', { ids: [sandbox.orm.searchIds('sale.order', [['state', '=', 'sale']], {}, { limit: 1 })[0]] });
    expect(userError.status).toBe(422);
    expect(await userError.json()).toMatchObject({ name: 'odoo.exceptions.UserError' });

    const forbidden = await post('ir.config_parameter/search_read', { domain: [] });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ name: 'odoo.exceptions.AccessError' });

    const wrongDb = await post('sale.order/search_read', { domain: [] }, ODOO_API_KEY, { 'X-Odoo-Database': 'other' });
    expect(wrongDb.status).toBe(404);
  });
});
