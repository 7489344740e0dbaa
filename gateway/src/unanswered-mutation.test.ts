import { describe, expect, it } from 'vitest';
import type { GatewayContext } from './context.js';
import { unansweredMutationOf } from './unanswered-mutation.js';

const context = { requestId: 'r1', stale: [] } as unknown as GatewayContext;
const networkError = (code: string) => Object.assign(new Error(code), { code });
const PLACE = { query: 'mutation M($input: PlaceOrderInput!) { placed: placeOrder(input: $input) { id } }', variables: { input: { idempotencyKey: 'k' } } };

describe('unansweredMutationOf', () => {
  it('names the root fields of a mutation that could not connect, not their aliases, as never received', () => {
    expect(unansweredMutationOf(networkError('ECONNREFUSED'), context, PLACE)).toEqual({ context, fields: ['placeOrder'], variables: PLACE.variables, maybeReceived: false });
    expect(unansweredMutationOf(networkError('ENOTFOUND'), context, PLACE)?.maybeReceived).toBe(false);
  });

  it('says a reset, a dropped connection or a timeout may have reached the subgraph', () => {
    expect(unansweredMutationOf(networkError('ECONNRESET'), context, PLACE)?.maybeReceived).toBe(true);
    expect(unansweredMutationOf(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }), context, PLACE)?.maybeReceived).toBe(true);
    expect(unansweredMutationOf(Object.assign(new Error('timed out'), { name: 'TimeoutError' }), context, PLACE)).toMatchObject({ fields: ['placeOrder'], maybeReceived: true });
  });

  it('leaves out what is not a mutation', () => {
    expect(unansweredMutationOf(networkError('ECONNREFUSED'), context, { query: '{ _service { sdl } }' })).toBeUndefined();
    expect(unansweredMutationOf(networkError('ECONNRESET'), context, { query: 'query Q { customer(id: "1") { id } }' })).toBeUndefined();
    expect(unansweredMutationOf(networkError('ECONNRESET'), context, undefined)).toBeUndefined();
  });
});
