import { describe, expect, it } from 'vitest';
import type { GatewayContext } from './context.js';
import { unsentMutationOf } from './unsent-mutation.js';

const context = { requestId: 'r1', stale: [] } as unknown as GatewayContext;
const networkError = (code: string) => Object.assign(new Error(code), { code });
const PLACE = { query: 'mutation M($input: PlaceOrderInput!) { placed: placeOrder(input: $input) { id } }', variables: { input: { idempotencyKey: 'k' } } };

describe('unsentMutationOf', () => {
  it('names the root fields of a mutation that could not connect, not their aliases', () => {
    expect(unsentMutationOf(networkError('ECONNREFUSED'), context, PLACE)).toEqual({ context, fields: ['placeOrder'], variables: PLACE.variables });
  });

  it('leaves out what may have reached the subgraph (a reset, a timeout) and what is not a mutation', () => {
    expect(unsentMutationOf(networkError('ECONNRESET'), context, PLACE)).toBeUndefined();
    expect(unsentMutationOf(Object.assign(new Error('timed out'), { name: 'TimeoutError' }), context, PLACE)).toBeUndefined();
    expect(unsentMutationOf(networkError('ECONNREFUSED'), context, { query: '{ _service { sdl } }' })).toBeUndefined();
  });
});
