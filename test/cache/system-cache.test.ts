import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemSettings } from '../../scripts/config.js';
import { testSettings } from '../support/system.js';
import { startSystem, type RunningSystem } from '../../scripts/system.js';
import { signDevToken } from '../../gateway/src/auth/dev-keys.js';
import { CUSTOMER_360 } from '../queries.js';

type Stats = Record<'odoo' | 'salesforce' | 'zendesk', Record<string, number>>;
interface Answer {
  cache: string | null;
  body: { data?: { customer?: Record<string, unknown> | null }; errors?: Array<{ path?: unknown[]; extensions?: { code?: string } }> };
}

function settingsOnPortZero(): SystemSettings {
  // Every port picked by the OS; free text and no practical rate limit, as in every system test.
  return testSettings();
}

let keysDir: string;
let system: RunningSystem;
let baseline: Stats;

async function stats(sys: RunningSystem): Promise<Stats> {
  const read = async (name: keyof Stats) => ((await (await fetch(new URL('/__sandbox/stats', sys.sandboxes[name]!.url))).json()) as { byOperation: Record<string, number> }).byOperation;
  return { odoo: await read('odoo'), salesforce: await read('salesforce'), zendesk: await read('zendesk') };
}

async function resetStats(sys: RunningSystem): Promise<void> {
  for (const sandbox of Object.values(sys.sandboxes)) await fetch(new URL('/__sandbox/reset', sandbox!.url), { method: 'POST' });
}

async function query(sys: RunningSystem, token: string, source: string, variables: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(sys.gatewayUrl!, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: source, variables }) });
  expect(res.status).toBe(200);
  return { cache: res.headers.get('x-cache'), body: (await res.json()) as Answer['body'] };
}

const tokens: Record<string, string> = {};

beforeAll(async () => {
  keysDir = mkdtempSync(join(tmpdir(), 'c360-cache-keys-'));
  // The cost of one cold customer-360 is measured on a system of its own (same seed, same world),
  // with the gateway's response cache and dedup off, as benchmarks run it.
  const [main, cold] = await Promise.all([
    startSystem({ settings: settingsOnPortZero(), devKeysDir: keysDir }),
    startSystem({ settings: settingsOnPortZero(), devKeysDir: keysDir, responseCache: false, dedup: false }),
  ]);
  system = main;
  const examples = system.skeleton!.examples;
  const otherReseller = system.skeleton!.resellers.find((r) => r.accountId !== examples.reseller)!.accountId;
  tokens.support = await signDevToken({ role: 'support_agent' }, { dir: keysDir });
  tokens.finance = await signDevToken({ role: 'finance' }, { dir: keysDir });
  tokens.partner = await signDevToken({ role: 'partner', partnerId: examples.reseller }, { dir: keysDir });
  tokens.otherPartner = await signDevToken({ role: 'partner', partnerId: otherReseller }, { dir: keysDir });
  try {
    await resetStats(cold);
    const answer = await query(cold, tokens.support, CUSTOMER_360, { id: examples.manyOrders });
    expect(answer.body.data?.customer?.id).toBe(examples.manyOrders);
    expect(answer.cache).toBeNull();
    baseline = await stats(cold);
    expect((await query(cold, tokens.support, CUSTOMER_360, { id: examples.manyOrders })).cache).toBeNull();
  } finally {
    await cold.close();
  }
});

afterAll(async () => {
  await system?.close();
  rmSync(keysDir, { recursive: true, force: true });
});

describe('protecting the backends from read load (gateway response cache and fetch dedup)', () => {
  it('answers 100 identical concurrent customer-360 queries for the backend cost of one', async () => {
    const id = system.skeleton!.examples.manyOrders;
    await resetStats(system);
    const answers = await Promise.all(Array.from({ length: 100 }, () => query(system, tokens.support!, CUSTOMER_360, { id })));
    const after = await stats(system);

    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(answers[0]!.body.data?.customer?.id).toBe(id);
    expect((answers[0]!.body.data!.customer!.orders as { totalCount: number }).totalCount).toBe(30);
    expect(answers.filter((a) => a.cache === 'miss').length).toBeGreaterThanOrEqual(1);
    for (const backend of ['odoo', 'salesforce', 'zendesk'] as const) {
      for (const [operation, calls] of Object.entries(after[backend])) {
        // Never more than one cold query makes: once per model, list or batch it needs.
        expect({ backend, operation, calls }).toEqual({ backend, operation, calls: Math.min(calls, baseline[backend][operation] ?? 0) });
      }
    }
    // Each Odoo model at most once per list or batch one query needs; Salesforce and Zendesk once per
    // operation kind, except ticket comments (Zendesk reads them one ticket at a time).
    const perModel = new Map<string, number>();
    for (const [operation, calls] of Object.entries(after.odoo)) {
      const model = operation.slice(0, operation.lastIndexOf('.'));
      perModel.set(model, (perModel.get(model) ?? 0) + calls);
    }
    for (const [model, calls] of perModel) {
      const cold = Object.entries(baseline.odoo).filter(([op]) => op.startsWith(`${model}.`)).reduce((sum, [, n]) => sum + n, 0);
      expect({ model, calls }).toEqual({ model, calls: Math.min(calls, cold) });
    }
    for (const [operation, calls] of Object.entries(after.salesforce)) expect({ operation, calls }).toEqual({ operation, calls: Math.min(calls, 1) });
    for (const [operation, calls] of Object.entries(after.zendesk)) {
      if (operation !== 'tickets.comments') expect({ operation, calls }).toEqual({ operation, calls: Math.min(calls, 1) });
    }
  });

  it('answers a repeat of an identical query from the cache with zero backend calls', async () => {
    const id = system.skeleton!.examples.fewOrders;
    const first = await query(system, tokens.support!, CUSTOMER_360, { id });
    expect(first.cache).toBe('miss');
    await resetStats(system);
    const repeat = await query(system, tokens.support!, CUSTOMER_360, { id });
    expect(repeat.cache).toBe('hit');
    expect(repeat.body).toEqual(first.body);
    expect(await stats(system)).toEqual({ odoo: {}, salesforce: {}, zendesk: {} });
  });

  it('never serves one visibility class what another cached, in any order', async () => {
    const id = system.skeleton!.examples.resellerCustomer;
    const VIEW = 'query View($id: ID!) { customer(id: $id) { id name billing { onHold outstanding { amount currency } } orders(first: 3) { totalCount } } }';
    const check = (who: string, answer: Answer) => {
      const customer = answer.body.data?.customer;
      const forbidden = (answer.body.errors ?? []).filter((e) => e.extensions?.code === 'FORBIDDEN').map((e) => e.path?.join('.'));
      switch (who) {
        case 'finance':
          expect(customer?.id).toBe(id);
          expect((customer!.billing as { outstanding: { amount: string } }).outstanding.amount).toMatch(/^\d+\.\d{2}$/);
          expect(forbidden).toEqual([]);
          break;
        case 'support':
        case 'partner':
          expect(customer?.id).toBe(id);
          expect((customer!.billing as { outstanding: unknown }).outstanding).toBeNull();
          expect(forbidden).toEqual(['customer.billing.outstanding']);
          break;
        case 'otherPartner':
          expect(customer).toBeNull();
          break;
        default:
          throw new Error(`unknown principal ${who}`);
      }
    };
    const orders = [
      ['otherPartner', 'partner', 'support', 'finance'],
      ['finance', 'support', 'partner', 'otherPartner'],
      ['support', 'otherPartner', 'finance', 'partner'],
    ];
    const seen: Record<string, Array<string | null>> = {};
    for (const order of orders) {
      for (const who of order) {
        const answer = await query(system, tokens[who]!, VIEW, { id });
        check(who, answer);
        (seen[who] ??= []).push(answer.cache);
      }
    }
    // All at once, too.
    const together = await Promise.all(orders[0]!.map(async (who) => [who, await query(system, tokens[who]!, VIEW, { id })] as const));
    for (const [who, answer] of together) check(who, answer);
    // Each class missed once, then was served its own cached answer.
    for (const who of Object.keys(seen)) expect({ who, caches: seen[who] }).toEqual({ who, caches: ['miss', 'hit', 'hit'] });
  });

  it('evicts the cached responses holding an entity a mutation changed (extensions.invalidate)', async () => {
    const id = system.skeleton!.examples.noTickets;
    const other = system.skeleton!.examples.fewOrders;
    const HOLD = 'query Hold($id: ID!) { customer(id: $id) { id billing { onHold holdReason } } }';
    expect((await query(system, tokens.finance!, HOLD, { id })).cache).toBe('miss');
    expect((await query(system, tokens.finance!, HOLD, { id: other })).cache).toBe('miss');
    expect((await query(system, tokens.finance!, HOLD, { id })).cache).toBe('hit');

    const write = await query(system, tokens.finance!, 'mutation Hold($id: ID!) { setCreditHold(customerId: $id, onHold: true, reason: "cache test") { onHold } }', { id });
    expect(write.body.errors).toBeUndefined();
    expect(write.cache).toBeNull();

    const after = await query(system, tokens.finance!, HOLD, { id });
    expect(after.cache).toBe('miss');
    expect(after.body.data?.customer?.billing).toEqual({ onHold: true, holdReason: 'cache test' });
    expect((await query(system, tokens.finance!, HOLD, { id: other })).cache).toBe('hit');
  });
});
