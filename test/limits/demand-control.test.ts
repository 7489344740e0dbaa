import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRM_COMPONENT, CUSTOMER_360, PARTNER_ORDERS } from '../queries.js';
import { entryArgs, findRecords, type AuthzRecords } from '../authz/records.js';
import { entryPoints, fieldTree, loadSupergraph, type FieldSpec } from '../authz/schema-walk.js';
import { startTestSystem, testSettings, type Backend, type TestSystem } from '../support/system.js';
import type { Role } from '../../platform/authz/roles.js';

/**
 * Demand control over the whole system: operations estimated in backend calls, refused above the
 * caller's limit before any backend call, the estimate an upper bound of what runs cold.
 */
const BIG = `{ customers(first: 100) { edges { node { cases(first: 50) { edges { node { comments { body } } } }
  orders(first: 100) { edges { node { number amountTotal { amount } cases { comments { body } } } } } } } } }`;
const SYSTEM_OF: Record<Backend, string> = { odoo: 'odoo', salesforce: 'salesforce', zendesk: 'servicedesk' };
const total = (calls: Record<string, Record<string, number>>) => Object.values(calls).reduce((n, ops) => n + Object.values(ops).reduce((a, b) => a + b, 0), 0);

let system: TestSystem;
let records: AuthzRecords;
beforeAll(async () => {
  // Gateway caches off, so that the backend calls measured are those of the operation itself.
  system = await startTestSystem({ settings: testSettings({ costLimits: { partner: { budget: 60 } } }), responseCache: false, fetchCache: false });
  records = await findRecords(system);
});
afterAll(() => system?.close());

const partner = () => ({ role: 'partner' as Role, partnerId: records.reseller });

describe('demand control', () => {
  it('refuses the query that made 978 Zendesk calls for every role, with the estimate and the limit, and no backend call', async () => {
    for (const auth of [{ role: 'admin' as Role }, { role: 'support_agent' as Role }, partner()]) {
      const snapshot = await system.snapshot();
      const answer = await system.query(BIG, {}, auth);
      expect(answer.status).toBe(400);
      const error = answer.errors![0]!;
      expect(error.extensions).toMatchObject({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', maxCost: expect.any(Number) });
      expect(error.extensions!.cost.servicedesk).toBeGreaterThan(100_000);
      expect(total(await snapshot.delta())).toBe(0);
    }
  });

  it('lets every query of test/queries.ts through for the roles that use it, and reports its cost on request', async () => {
    const id = records.own.customerId;
    for (const [query, auth] of [[CUSTOMER_360, { role: 'support_agent' }], [CRM_COMPONENT, { role: 'sales_rep' }], [PARTNER_ORDERS, partner()]] as const) {
      const answer = await system.query(query, { id }, auth as { role: Role }, { 'x-c360-cost': '1' });
      expect(answer.status).toBe(200);
      expect(answer.errors?.filter((e) => e.extensions?.code !== 'FORBIDDEN') ?? []).toEqual([]);
      expect(answer.extensions?.cost).toMatchObject({ estimated: { odoo: expect.any(Number), salesforce: expect.any(Number), servicedesk: expect.any(Number) }, maxCost: expect.any(Number) });
      // What ran is reported beside it, system by system, and never above it.
      const { estimated, actual } = answer.extensions!.cost as { estimated: Record<string, number>; actual: Record<string, number> };
      for (const [system, calls] of Object.entries(actual)) expect(calls).toBeLessThanOrEqual(estimated[system] ?? 0);
    }
    expect((await system.query(CRM_COMPONENT, { id }, { role: 'sales_rep' })).extensions?.cost).toBeUndefined();
  });

  it('estimates one operation text anew for other variables and for a partner (estimates are kept per variables and class of principal)', async () => {
    const id = records.own.customerId;
    const query = `query Pages($id: ID!, $first: Int!) { customer(id: $id) { orders(first: $first) { edges { node { id cases { comments { body } } } } } } }`;
    const estimated = async (first: number, auth: { role: Role; partnerId?: string }) => {
      const answer = await system.query(query, { id, first }, auth, { 'x-c360-cost': '1' });
      expect(answer.status).toBe(200);
      return (answer.extensions!.cost as { estimatedTotal: number }).estimatedTotal;
    };
    const small = await estimated(2, { role: 'admin' });
    const large = await estimated(40, { role: 'admin' });
    expect(large).toBeGreaterThan(small);
    // Asked again, the same estimate (kept, not a different walk).
    expect(await estimated(2, { role: 'admin' })).toBe(small);
    // A partner's ownership checks cost calls an admin's query does not make.
    expect(await estimated(2, partner())).toBeGreaterThan(small);
  });

  it('answers Query.rateLimit with the caller\'s budget, and refuses past it with RATE_LIMITED', async () => {
    const other = system.skeleton!.resellers[2]!.accountId;
    const auth = { role: 'partner' as Role, partnerId: other };
    const first = await system.query('{ rateLimit { limit cost remaining resetAt } }', {}, auth);
    expect(first.data!.rateLimit).toMatchObject({ limit: 60, cost: 0, remaining: 60 });
    expect(Date.parse(first.data!.rateLimit.resetAt)).toBeGreaterThan(Date.now() - 1000);
    const customer = system.skeleton!.customers.find((c) => c.resellerIndex === 2)!.accountId;
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await system.query(`query($id: ID!) { customer(id: $id) { id orders(first: 5) { totalCount } } rateLimit { cost remaining } }`, { id: customer }, auth));
    const limited = answers.find((a) => a.status === 429);
    expect(limited?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const served = answers.filter((a) => a.status === 200).map((a) => a.data!.rateLimit);
    expect(served[0]!.cost).toBeGreaterThan(0);
    // Each answer says what is left after it.
    expect(served.map((r) => r.remaining)).toEqual([...served.map((r) => r.remaining)].sort((a, b) => b - a));
  });
});

describe('the estimate bounds what an operation costs, cold', () => {
  /** A random part of an entry point's field tree: every composite field keeps at least one child. */
  const subtree = (spec: FieldSpec, depth: number): fc.Arbitrary<string> => {
    if (!spec.children) return fc.constant(spec.name);
    const pool = depth >= 4 ? spec.children.filter((c) => !c.children) : spec.children;
    const usable = pool.length ? pool : spec.children.slice(0, 1);
    return fc
      .subarray(usable, { minLength: 1, maxLength: Math.min(4, usable.length) })
      .chain((kids) => fc.tuple(...kids.map((k) => subtree(k, depth + 1))))
      .map((kids) => `${spec.name}${spec.args} { ${kids.join(' ')} }`);
  };

  it('for random operations of every entry point, as admin and as a partner', async () => {
    const supergraph = loadSupergraph();
    const args = entryArgs(records.own);
    const roots = entryPoints(supergraph.schema).filter((e) => args[e]);
    const trees = roots.map((e) => fieldTree(supergraph.schema, e, args[e]!));
    const clear = () => {
      for (const c of Object.values(system.caches)) (c as { clear?: () => void }).clear?.();
    };
    // Log-ins happen once per connector: before the measured operations.
    await system.query(CUSTOMER_360, { id: records.own.customerId }, { role: 'admin' });
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...trees).chain((t) => subtree(t, 0)), fc.constantFrom<{ role: Role; partnerId?: string }>({ role: 'admin' }, partner()), async (selection, auth) => {
        runs++;
        clear();
        const snapshot = await system.snapshot();
        const answer = await system.query(`{ ${selection} }`, {}, auth, { 'x-c360-cost': '1' });
        // Background work (refreshes, primes) settles before the counters are read.
        await new Promise((r) => setTimeout(r, 50));
        const calls = await snapshot.delta();
        if (answer.status !== 200) return;
        // Nothing the caller may see was left to run: answered without an estimate, and without a call.
        const estimated = (answer.extensions?.cost?.estimated ?? {}) as Record<string, number>;
        for (const [backend, ops] of Object.entries(calls) as [Backend, Record<string, number>][]) {
          const actual = Object.values(ops).reduce((a, b) => a + b, 0);
          expect(actual, `${backend} for { ${selection} } as ${auth.role}: ${JSON.stringify(ops)}`).toBeLessThanOrEqual(estimated[SYSTEM_OF[backend]] ?? 0);
        }
      }),
      { numRuns: 60, interruptAfterTimeLimit: 40_000, markInterruptAsFailure: false, seed: 360 },
    );
    expect(runs).toBeGreaterThanOrEqual(20);
  }, 60_000);
});
