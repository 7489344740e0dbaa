import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../platform/authz/principal.js';
import { createAccountsSubgraph } from '../../accounts/index.js';
import { createCasesSubgraph } from '../../cases/index.js';
import { createInvoicesSubgraph } from '../../invoices/index.js';
import { createOrdersSubgraph } from '../../orders/index.js';
import { createStockSubgraph } from '../../stock/index.js';
import { graphql } from '../connectors/odoo/test-harness.js';
import type { RunningSubgraph } from './create-subgraph-server.js';

// Refused mutations are audited to the default log: keep it out of the working tree.
process.env.AUDIT_LOG_PATH ??= join(mkdtempSync(join(tmpdir(), 'deny-by-default-')), 'audit.jsonl');

/** A connector that records every call and answers none: a permission that holds never lets one through. */
function recordingConnector<T>(calls: string[]): T {
  return new Proxy({}, { get: (_t, name) => (...args: unknown[]) => {
    calls.push(String(name));
    return Promise.reject(new Error(`unexpected backend call ${String(name)}(${JSON.stringify(args)})`));
  } }) as T;
}

const NO_SCOPES: Principal = { sub: 'someone', roles: ['support_agent'], scopes: new Set() };

/** Each subgraph built through its own factory, with nothing but a connector and an authenticate function. */
const factories = {
  accounts: { start: (a: () => Principal | null, calls: string[], unsafe?: true) => createAccountsSubgraph({ salesforce: recordingConnector(calls), authenticate: a, unsafeWithoutPermissionsForBenchmarks: unsafe }), query: '{ customer(id: "0015g0000000007AAA") { id } }' },
  orders: { start: (a: () => Principal | null, calls: string[], unsafe?: true) => createOrdersSubgraph({ odoo: recordingConnector(calls), authenticate: a, unsafeWithoutPermissionsForBenchmarks: unsafe }), query: '{ order(id: "1") { id } }' },
  stock: { start: (a: () => Principal | null, calls: string[], unsafe?: true) => createStockSubgraph({ odoo: recordingConnector(calls), authenticate: a, unsafeWithoutPermissionsForBenchmarks: unsafe }), query: '{ product(sku: "BK-1") { id } }' },
  invoices: { start: (a: () => Principal | null, calls: string[], unsafe?: true) => createInvoicesSubgraph({ odoo: recordingConnector(calls), authenticate: a, unsafeWithoutPermissionsForBenchmarks: unsafe }), query: '{ invoice(id: "1") { id } }' },
  cases: { start: (a: () => Principal | null, calls: string[], unsafe?: true) => createCasesSubgraph({ serviceDesk: recordingConnector(calls), authenticate: a, unsafeWithoutPermissionsForBenchmarks: unsafe }), query: '{ case(id: "1") { id } }' },
};

const running: RunningSubgraph[] = [];
afterAll(async () => {
  for (const r of running) await r.close();
});

async function start(name: keyof typeof factories, principal: Principal | null, unsafe?: true) {
  const calls: string[] = [];
  const subgraph = await (await factories[name].start(() => principal, calls, unsafe)).listen(0);
  running.push(subgraph);
  return { url: subgraph.url, calls };
}

describe('a subgraph built by its factory without any auth wiring', () => {
  for (const name of Object.keys(factories) as (keyof typeof factories)[]) {
    it(`${name}: denies by default, before any backend call`, async () => {
      const { query } = factories[name];
      const anonymous = await start(name, null);
      const unauthenticated = await graphql(anonymous.url, query);
      expect(Object.values(unauthenticated.data ?? {})).toEqual([null]);
      expect(unauthenticated.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);

      const scopeless = await start(name, NO_SCOPES);
      const forbidden = await graphql(scopeless.url, query);
      expect(forbidden.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect([...anonymous.calls, ...scopeless.calls]).toEqual([]);
    });
  }

  it('answers an ungranted caller only through the one escape that says it is unsafe', async () => {
    const open = await start('orders', NO_SCOPES, true);
    const answer = await graphql(open.url, factories.orders.query);
    // No permission stood in the way: the resolver reached the backend (which the stub refuses).
    expect(open.calls).toEqual(['ordersByIds']);
    expect(answer.errors?.map((e) => e.extensions?.code)).not.toContain('FORBIDDEN');
  });
});
