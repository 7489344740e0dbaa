import { TaskCancelledError } from 'cockatiel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSkeleton } from '../../../../sandbox/world/skeleton.js';
import { BackendError } from '../../../../platform/errors/backend-error.js';
import { OutcomeUnknownError } from '../../mutations/outcome.js';
import { odooIdempotencyRef } from './mutation-support.js';
import { idempotencyKeyHeader, resolveIdempotencyKey } from '../../mutations/subgraph-mutations.js';
import { isOutcomeUnknown as isWriteOutcomeUnknown } from '../../mutations/outcome.js';
import { startOdooSandbox, type OdooTestSandbox } from './test-harness.js';

const world = buildSkeleton();
const few = world.byAccountId.get(world.examples.fewOrders)!;

let sandbox: OdooTestSandbox;
beforeAll(async () => {
  sandbox = await startOdooSandbox();
});
afterAll(() => sandbox?.close());

describe.each(['jsonrpc', 'json2'] as const)('Odoo write helpers over %s', (protocol) => {
  it('creates an order with an origin, finds it by origin in one call, cancels it past the wizard, and unlinks drafts', async () => {
    const odoo = sandbox.connector(protocol);
    await odoo.warehouses();
    const origin = `c360-idem:test-${protocol}`;
    const id = await odoo.createOrder({ partnerId: few.odooPartnerId, lines: [{ productId: 2, quantity: 1 }], origin });
    const before = sandbox.calls();
    const found = await odoo.ordersByOrigins([origin, 'c360-idem:none', origin]);
    expect(sandbox.calls() - before).toBe(1);
    expect([...found.keys()]).toEqual([origin]);
    expect(found.get(origin)).toMatchObject({ id, origin, state: 'draft' });
    await odoo.confirmOrder(id);
    await odoo.cancelOrder(id);
    expect((await odoo.ordersByIds([id])).get(id)!.state).toBe('cancel');

    const draft = await odoo.createOrder({ partnerId: few.odooPartnerId, lines: [{ productId: 2, quantity: 1 }] });
    await odoo.unlinkDraftOrder(draft);
    expect((await odoo.ordersByIds([draft])).has(draft)).toBe(false);
  });
});

describe('mutation support', () => {
  it("counts cockatiel's real timeout (name 'Error', isTaskCancelledError) as an unknown outcome", () => {
    const timeout = new BackendError({ backend: 'odoo', code: 'UNAVAILABLE', message: 'no answer', cause: new TaskCancelledError('Operation timed out after 300ms') });
    expect(isWriteOutcomeUnknown(timeout)).toBe(true);
    expect(isWriteOutcomeUnknown(new OutcomeUnknownError({ backend: 'odoo' }))).toBe(true);
    expect(isWriteOutcomeUnknown(new BackendError({ backend: 'odoo', code: 'REJECTED', message: 'UserError' }))).toBe(false);
    expect(isWriteOutcomeUnknown(new BackendError({ backend: 'odoo', code: 'UNAVAILABLE', message: 'HTTP 503' }))).toBe(false);
  });

  it('takes the key from the argument or the header, refusing disagreement and malformed keys', () => {
    expect(resolveIdempotencyKey(undefined, null, 'input.idempotencyKey')).toBeUndefined();
    expect(resolveIdempotencyKey('k1', null, 'input.idempotencyKey')).toBe('k1');
    expect(resolveIdempotencyKey(null, 'k2', 'input.idempotencyKey')).toBe('k2');
    expect(resolveIdempotencyKey('k3', 'k3', 'input.idempotencyKey')).toBe('k3');
    const fieldOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as { extensions?: Record<string, unknown> }).extensions;
      }
      return undefined;
    };
    expect(fieldOf(() => resolveIdempotencyKey('a', 'b', 'input.idempotencyKey'))).toEqual({ code: 'BAD_USER_INPUT', field: 'input.idempotencyKey' });
    expect(fieldOf(() => resolveIdempotencyKey('', null, 'input.idempotencyKey'))).toEqual({ code: 'BAD_USER_INPUT', field: 'input.idempotencyKey' });
    expect(fieldOf(() => resolveIdempotencyKey(undefined, 'é', 'input.idempotencyKey'))).toEqual({ code: 'BAD_USER_INPUT', field: 'Idempotency-Key' });
    expect(idempotencyKeyHeader({ 'idempotency-key': 'abc' })).toBe('abc');
    expect(idempotencyKeyHeader({})).toBeNull();
  });

  it('derives the Odoo reference from operation, principal scope and key, never holding the key itself', () => {
    const rep = { sub: 'u1', roles: ['sales_rep'] };
    const ref = odooIdempotencyRef('placeOrder', rep, 'my-secret-key');
    expect(ref).toMatch(/^c360-idem:[0-9a-f]{40}$/);
    expect(ref).not.toContain('my-secret-key');
    expect(odooIdempotencyRef('placeOrder', rep, 'my-secret-key')).toBe(ref);
    expect(odooIdempotencyRef('placeOrder', { sub: 'u2', roles: [] }, 'my-secret-key')).not.toBe(ref);
    // Every user of one reseller shares its keys.
    expect(odooIdempotencyRef('placeOrder', { sub: 'a', roles: ['partner'], partnerId: 'P1' }, 'k')).toBe(odooIdempotencyRef('placeOrder', { sub: 'b', roles: ['partner'], partnerId: 'P1' }, 'k'));
  });
});
