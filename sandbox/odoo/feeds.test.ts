import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../common/server.js';
import { startReceiver } from '../common/test-receiver.js';
import { createOdooSandbox, ODOO_DB, ODOO_PASSWORD, type OdooSandbox } from './index.js';

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let sandbox: OdooSandbox;
let running: RunningSandbox;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = createOdooSandbox({
    customers: 30,
    webhooks: [
      { model: 'res.partner', url: `${receiver.url}/odoo/partner?token=s3cret`, fields: ['ref', 'sale_warn', 'sale_warn_msg'], triggerFields: ['sale_warn', 'sale_warn_msg'] },
      { model: 'stock.quant', url: `${receiver.url}/odoo/quant`, fields: ['product_id', 'location_id', 'quantity'] },
    ],
  });
  running = await sandbox.listen(0);
});
afterAll(async () => {
  await running.close();
  await receiver.close();
});
beforeEach(() => {
  running.setFaults({});
  running.reset();
});
afterEach(async () => {
  await sandbox.webhooks.idle();
  receiver.received.length = 0;
});

const executeKw = async (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) => {
  const res = await fetch(`${running.url}/jsonrpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: [ODOO_DB, 2, ODOO_PASSWORD, model, method, args, kwargs] }, id: 1 }),
  });
  return { status: res.status, body: (await res.json()) as { result?: any; error?: any } };
};
const admin = async (path: string, method = 'GET', body?: unknown) => {
  const res = await fetch(`${running.url}/__sandbox/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};
const customer = () => sandbox.world.skeleton.customers.find((c) => c.hasErpPartner && !c.onSalesBlock)!;

describe('Odoo out-of-band edits', () => {
  it('puts a customer on credit hold through the ORM, visible to the API, recorded with its previous values, not counted', async () => {
    const partnerId = customer().odooPartnerId;
    const before = Date.now();
    const edit = await admin('edit', 'POST', { model: 'res.partner', id: partnerId, values: { sale_warn: 'block', sale_warn_msg: 'Overdue invoices' } });
    expect(edit.status).toBe(200);
    expect(edit.body.ok).toBe(true);
    expect(Date.parse(edit.body.at)).toBeGreaterThanOrEqual(before);
    const read = await executeKw('res.partner', 'read', [[partnerId], ['sale_warn', 'sale_warn_msg']]);
    expect(read.body.result).toEqual([{ id: partnerId, sale_warn: 'block', sale_warn_msg: 'Overdue invoices' }]);
    const { changes } = (await admin(`changes?since=${encodeURIComponent(new Date(before).toISOString())}&model=res.partner`)).body;
    expect(changes).toEqual([
      expect.objectContaining({ at: edit.body.at, model: 'res.partner', id: partnerId, kind: 'update', source: 'edit', values: { sale_warn: 'block', sale_warn_msg: 'Overdue invoices' }, previous: { sale_warn: 'no-message', sale_warn_msg: false } }),
    ]);
    expect(running.stats().byOperation).toEqual({ 'res.partner.read': 1 });
  });

  it('moves stock through stock.quant quantity: product quantities follow and are recorded as derived', async () => {
    const quant = [...sandbox.orm.table('stock.quant').rows.values()].find((q) => sandbox.orm.row('product.product', q.product_id as number)?.type === 'product' && q.location_id === 8)!;
    const productId = quant.product_id as number;
    const onHand = async () => (await executeKw('product.product', 'read', [[productId], ['qty_available']])).body.result[0].qty_available as number;
    const was = await onHand();
    await admin('edit', 'POST', { model: 'stock.quant', id: quant.id, values: { quantity: Number(quant.quantity) + 7 } });
    expect(await onHand()).toBe(was + 7);
    const { changes } = (await admin('changes')).body;
    expect(changes).toEqual([
      expect.objectContaining({ model: 'stock.quant', id: quant.id, values: { quantity: Number(quant.quantity) }, previous: { quantity: Number(quant.quantity) - 7 } }),
      expect.objectContaining({ model: 'product.product', id: productId, derived: true, values: expect.objectContaining({ qty_available: was + 7 }), previous: expect.objectContaining({ qty_available: was }) }),
    ]);
    const hook = (await receiver.waitFor(1)).find((r) => r.path === '/odoo/quant')!;
    expect(JSON.parse(hook.body)).toEqual({ _action: expect.stringMatching(/^Send Webhook Notification\(#\d+\)$/), _id: quant.id, _model: 'stock.quant', id: quant.id, location_id: 8, product_id: productId, quantity: Number(quant.quantity) });
  });

  it('confirms and cancels orders as the buttons do, and refuses what Odoo refuses', async () => {
    const draft = [...sandbox.orm.table('sale.order').rows.values()].find((o) => o.state === 'draft')!;
    expect((await admin('edit', 'POST', { model: 'sale.order', id: draft.id, values: { state: 'sale' } })).status).toBe(200);
    const read = await executeKw('sale.order', 'read', [[draft.id], ['state', 'picking_ids']]);
    expect(read.body.result[0].state).toBe('sale');
    expect(read.body.result[0].picking_ids.length).toBe(1);
    expect((await admin('edit', 'POST', { model: 'sale.order', id: draft.id, values: { state: 'cancel' } })).status).toBe(200);
    expect(sandbox.orm.row('sale.order', draft.id)!.state).toBe('cancel');
    const bad = [
      [{ model: 'no.model', id: 1, values: { a: 1 } }, /unknown model "no.model"/],
      [{ model: 'res.partner', id: 999999, values: { name: 'x' } }, /res.partner 999999 does not exist/],
      [{ model: 'res.partner', id: 1, values: { nope: 1 } }, /unknown field "nope" on res.partner/],
      [{ model: 'res.partner', id: 1, values: { sale_warn: 'maybe' } }, /ValueError: Wrong value for res.partner.sale_warn/],
      [{ model: 'product.product', id: 1, values: { qty_available: 3 } }, /computed/],
      [{ model: 'sale.order', id: draft.id, values: { state: 'sent' } }, /cannot go from state "cancel" to "sent"/],
      [{ model: 'res.partner', id: 1 }, /values must be an object/],
    ] as const;
    for (const [body, message] of bad) {
      const res = await admin('edit', 'POST', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
    }
  });
});

describe('Odoo change history of API writes, and faults after commit', () => {
  it('records writes made through the API with source api', async () => {
    const partnerId = customer().odooPartnerId;
    await executeKw('res.partner', 'write', [[partnerId], { phone: '+32 2 000 00 00' }]);
    const [change] = (await admin('changes?model=res.partner')).body.changes;
    expect(change).toMatchObject({ id: partnerId, source: 'api', values: { phone: '+32 2 000 00 00' } });
  });

  it('errorAfterCommitRate 1: the write is applied although the client got a server error or no answer', async () => {
    const partnerId = customer().odooPartnerId;
    running.setFaults({ errorAfterCommitRate: 1, afterCommit: 'error' });
    const failed = await executeKw('res.partner', 'write', [[partnerId], { phone: 'after-commit-1' }]);
    expect(failed.status).toBe(500);
    expect(failed.body.error).toMatchObject({ message: 'Odoo Server Error' });
    // Reads are not writes: they are answered normally.
    expect((await executeKw('res.partner', 'read', [[partnerId], ['phone']])).body.result[0].phone).toBe('after-commit-1');
    running.setFaults({ errorAfterCommitRate: 1, afterCommit: 'drop' });
    await expect(executeKw('res.partner', 'write', [[partnerId], { phone: 'after-commit-2' }])).rejects.toThrow();
    running.setFaults({});
    expect((await executeKw('res.partner', 'read', [[partnerId], ['phone']])).body.result[0].phone).toBe('after-commit-2');
  });
});

describe('Odoo automation-rule webhooks', () => {
  it('POSTs the record’s chosen fields with _action, _id and _model as Odoo serializes them, only when a trigger field changed', async () => {
    const c = customer();
    await executeKw('res.partner', 'write', [[c.odooPartnerId], { phone: '+1 not a trigger field' }]);
    await executeKw('res.partner', 'write', [[c.odooPartnerId], { sale_warn: 'block', sale_warn_msg: 'Crédit bloqué' }]);
    const [hook] = await receiver.waitFor(1);
    await sandbox.webhooks.idle();
    expect(receiver.received).toHaveLength(1);
    expect(hook!.method).toBe('POST');
    expect(hook!.path).toBe('/odoo/partner?token=s3cret');
    expect(hook!.headers['content-type']).toBe('application/json');
    expect(hook!.headers['user-agent']).toMatch(/^python-requests\//);
    const rule = (await admin('webhooks')).body.webhooks[0];
    // json.dumps(sort_keys=True): sorted keys, ", " and ": " separators, non-ASCII escaped
    expect(hook!.body).toBe(
      `{"_action": "Send Webhook Notification(#${rule.id})", "_id": ${c.odooPartnerId}, "_model": "res.partner", "id": ${c.odooPartnerId}, "ref": "${c.accountId}", "sale_warn": "block", "sale_warn_msg": "Cr\\u00e9dit bloqu\\u00e9"}`,
    );
    const feeds = (await admin('feeds')).body;
    expect(feeds.webhooks).toMatchObject({ rules: 2, notifications: 1, deliveries: { delivered: 1, failed: 0 } });
  });

  it('takes rules created through the ORM as a client would (base.automation + ir.actions.server), and through PUT /__sandbox/webhooks', async () => {
    const modelId = (await executeKw('ir.model', 'search', [[['model', '=', 'sale.order']]])).body.result[0];
    const fieldIds = (await executeKw('ir.model.fields', 'search', [[['model', '=', 'sale.order'], ['name', 'in', ['state', 'name']]]])).body.result;
    const created = await executeKw('base.automation', 'create', [
      {
        name: 'Orders to the gateway',
        model_id: modelId,
        trigger: 'on_create_or_write',
        filter_domain: "[('state', '=', 'cancel')]",
        action_server_ids: [[0, 0, { name: 'Notify', model_id: modelId, state: 'webhook', webhook_url: `${receiver.url}/odoo/order`, webhook_field_ids: [[6, 0, fieldIds]] }]],
      },
    ]);
    expect(created.body.error).toBeUndefined();
    const order = [...sandbox.orm.table('sale.order').rows.values()].find((o) => o.state === 'draft')!;
    await executeKw('sale.order', 'action_confirm', [[order.id]]); // does not match the filter domain
    await executeKw('sale.order', 'action_cancel', [[order.id]]);
    const hooks = await receiver.waitFor(1);
    await sandbox.webhooks.idle();
    expect(hooks.filter((h) => h.path === '/odoo/order').map((h) => JSON.parse(h.body))).toEqual([
      { _action: expect.stringMatching(/^Notify\(#\d+\)$/), _id: order.id, _model: 'sale.order', id: order.id, name: order.name, state: 'cancel' },
    ]);
    // Rules survive a reset (configuration, not data); PUT replaces them all.
    running.reset();
    expect((await admin('webhooks')).body.webhooks.map((w: { model: string }) => w.model)).toEqual(['res.partner', 'stock.quant', 'sale.order']);
    const put = await admin('webhooks', 'PUT', { webhooks: [{ model: 'res.partner', url: `${receiver.url}/only`, fields: ['name'] }] });
    expect(put.body.webhooks).toEqual([expect.objectContaining({ model: 'res.partner', url: `${receiver.url}/only`, fields: ['name'], triggerFields: [], trigger: 'on_create_or_write', active: true })]);
    expect((await admin('webhooks', 'PUT', { webhooks: [{ model: 'res.partner', url: 'ftp://x' }] })).status).toBe(400);
    expect((await admin('webhooks', 'PUT', { webhooks: [{ model: 'res.partner', url: receiver.url, fields: ['nope'] }] })).body.error).toMatch(/unknown field "nope"/);
  });
});

describe('Odoo change stream', () => {
  it('applies valid stock, order-state and credit-hold changes at about the rate asked', async () => {
    await admin('change-stream', 'POST', { perSecond: 30, seed: 3 });
    await new Promise((r) => setTimeout(r, 1000));
    const state = (await admin('change-stream', 'POST', { perSecond: 0 })).body;
    expect(state.applied).toBeGreaterThanOrEqual(20);
    expect(state.applied).toBeLessThanOrEqual(40);
    expect(Object.keys(state.byKind).sort()).toEqual(['res.partner.credit_hold', 'sale.order.state', 'stock.quant.quantity']);
    const { changes } = (await admin('changes')).body as { changes: Array<{ model: string; source: string; values: Record<string, unknown> }> };
    expect(changes.every((c) => c.source === 'stream')).toBe(true);
    for (const q of changes.filter((c) => c.model === 'stock.quant' && 'quantity' in c.values)) expect(q.values.quantity).toBeGreaterThanOrEqual(0);
    expect(changes.some((c) => c.model === 'sale.order' && 'state' in c.values)).toBe(true);
    expect(running.stats().calls).toBe(0);
  });
});
