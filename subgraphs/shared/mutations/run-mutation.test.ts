import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendError } from '../../../platform/errors/backend-error.js';
import { createAuditLog, readAuditLog, type AuditLog } from '../../../platform/audit/audit-log.js';
import { digestInput } from '../../../platform/json/canonical-json.js';
import { createIdempotencyStore } from './idempotency.js';
import { OutcomeUnknownError } from './outcome.js';
import { createMutationRunner, idempotencyScope } from './run-mutation.js';

let dir: string;
let log: AuditLog;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mutation-'));
  log = createAuditLog({ path: join(dir, 'audit.jsonl') });
});
afterEach(async () => {
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

const rep = { sub: 'rep-7', roles: ['sales_rep'] };
const input = { customerId: '0015g00000AbCdEAAV', lines: [{ sku: 'FURN-0001', quantity: 2 }], clientReference: 'PO-Jane-Doe-7' };

/** A fake order backend: counts writes, can time out after applying, finds orders by client reference. */
function fakeOdoo() {
  const orders = new Map<string, { id: number; number: string }>();
  const backend = {
    writes: 0,
    timeOutAfterApplying: false,
    async createOrder(ref: string) {
      backend.writes++;
      const order = { id: 100 + backend.writes, number: `S${String(100 + backend.writes).padStart(5, '0')}` };
      orders.set(ref, order);
      if (backend.timeOutAfterApplying) {
        backend.timeOutAfterApplying = false;
        throw new OutcomeUnknownError({ backend: 'odoo' });
      }
      return order;
    },
    async findByRef(ref: string) {
      return orders.get(ref);
    },
  };
  return backend;
}

describe('createMutationRunner', () => {
  it('places an order once for a key, replays it, and audits every attempt without the input', async () => {
    const odoo = fakeOdoo();
    const runner = createMutationRunner({ store: createIdempotencyStore({ keyPrefix: 'orders' }), log });
    const request = {
      operation: 'placeOrder',
      ownerSystem: 'odoo' as const,
      principal: rep,
      correlationId: 'req-1',
      targetIds: [input.customerId],
      input,
      idempotencyKey: 'key-1',
      attempt: () => odoo.createOrder(input.clientReference),
      recover: () => odoo.findByRef(input.clientReference),
      backendRecordId: (o: { id: number }) => String(o.id),
    };
    const [first, second] = await Promise.all([runner.run(request), runner.run(request)]);
    const third = await runner.run(request);
    expect(odoo.writes).toBe(1);
    expect([first.value, second.value, third.value]).toEqual([first.value, first.value, first.value]);
    expect([first.replayed || second.replayed, third.replayed]).toEqual([true, true]);

    await expect(runner.run({ ...request, input: { ...input, lines: [] } })).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    await expect(runner.run({ ...request, idempotencyKey: '' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });

    const records = await readAuditLog(log.path);
    expect(records.map((r) => [r.outcome, r.replayed ?? null])).toEqual([
      ['ok', false],
      ['ok', true],
      ['ok', true],
      ['IDEMPOTENCY_CONFLICT', null],
      ['BAD_USER_INPUT', null],
    ]);
    expect(records[0]).toMatchObject({ operation: 'placeOrder', ownerSystem: 'odoo', backendRecordId: '101', inputDigest: digestInput(input), idempotencyKey: 'key-1' });
    expect(await readFile(log.path, 'utf8')).not.toContain('Jane-Doe');
  });

  it('recovers a write that timed out after applying, without writing twice', async () => {
    const odoo = fakeOdoo();
    odoo.timeOutAfterApplying = true;
    const runner = createMutationRunner({ store: createIdempotencyStore({ keyPrefix: 'orders' }), log });
    const result = await runner.run({
      operation: 'placeOrder',
      ownerSystem: 'odoo',
      principal: rep,
      targetIds: [input.customerId],
      input,
      idempotencyKey: 'key-2',
      attempt: () => odoo.createOrder(input.clientReference),
      recover: () => odoo.findByRef(input.clientReference),
    });
    expect(result.value).toEqual({ id: 101, number: 'S00101' });
    expect(odoo.writes).toBe(1);
  });

  it('without a key, reports a timed-out write as of unknown outcome and does not repeat it', async () => {
    const odoo = fakeOdoo();
    odoo.timeOutAfterApplying = true;
    const runner = createMutationRunner({ store: createIdempotencyStore({ keyPrefix: 'orders' }), log });
    await expect(
      runner.run({
        operation: 'cancelOrder',
        ownerSystem: 'odoo',
        principal: rep,
        targetIds: ['42'],
        input: { id: '42' },
        attempt: () => odoo.createOrder('x'),
        recover: () => odoo.findByRef('x'),
      }),
    ).rejects.toSatisfy((e: unknown) => e instanceof BackendError && e.code === 'UNAVAILABLE' && /outcome is unknown/.test(e.message));
    expect(odoo.writes).toBe(1);
    expect((await readAuditLog(log.path)).map((r) => r.outcome)).toEqual(['BACKEND_UNAVAILABLE']);
  });

  it('scopes keys to the reseller for partners, to the subject otherwise', () => {
    expect(idempotencyScope('placeOrder', { sub: 'u1', roles: ['partner'], partnerId: '001P' })).toBe('placeOrder:partner:001P');
    expect(idempotencyScope('placeOrder', rep)).toBe('placeOrder:sub:rep-7');
  });
});
