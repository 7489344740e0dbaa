import { execute, parse, type GraphQLSchema } from 'graphql';
import { fileURLToPath } from 'node:url';
import { applyPermissions } from './permissions.js';
import { CUSTOMER_ORDERS_QUERY, ordersStubSchema } from './permissions-fixture.js';
import type { Principal } from '../../../platform/authz/principal.js';

/** Result of {@link measurePermissionsOverhead}: mean time per execution with and without permissions. */
export interface OverheadResult {
  iterations: number;
  plainMs: number;
  shieldedMs: number;
  /** (shielded - plain) / plain. */
  overhead: number;
}

const principal: Principal = { sub: 'bench', roles: ['support_agent'], scopes: new Set(['orders:read', 'customer:read']) };

async function timeIt(schema: GraphQLSchema, iterations: number): Promise<number> {
  const document = parse(CUSTOMER_ORDERS_QUERY);
  const variableValues = { representations: [{ __typename: 'Customer', id: '0015g0000000001AAA' }] };
  const run = async () => {
    const result = await execute({ schema, document, variableValues, contextValue: { principal } });
    if (result.errors) throw new Error(result.errors[0]!.message);
  };
  for (let i = 0; i < Math.min(50, iterations); i++) await run();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await run();
  return Number(process.hrtime.bigint() - start) / 1e6 / iterations;
}

/** Executes the 30 orders x 6 lines customer query on the orders subgraph with and without permissions (interleaved rounds, best of each). */
export async function measurePermissionsOverhead(iterations = 300, rounds = 5): Promise<OverheadResult> {
  const { schema, sdl } = ordersStubSchema(30, 6);
  const shielded = applyPermissions(schema, sdl);
  let plainMs = Infinity;
  let shieldedMs = Infinity;
  for (let r = 0; r < rounds; r++) {
    plainMs = Math.min(plainMs, await timeIt(schema, iterations));
    shieldedMs = Math.min(shieldedMs, await timeIt(shielded, iterations));
  }
  return { iterations, plainMs, shieldedMs, overhead: (shieldedMs - plainMs) / plainMs };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await measurePermissionsOverhead(Number(process.argv[2] ?? 500));
  console.log(
    `30 orders x 6 lines, ${r.iterations} executions per round: plain ${r.plainMs.toFixed(3)} ms, with permissions ${r.shieldedMs.toFixed(3)} ms, overhead ${(r.overhead * 100).toFixed(1)}%`,
  );
}
