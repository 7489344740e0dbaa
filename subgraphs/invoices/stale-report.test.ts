import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../platform/authz/principal.js';
import { buildSkeleton, WORLD_NOW } from '../../sandbox/world/skeleton.js';
import { createRecordCache } from '../shared/cache/lru-record-cache.js';
import { READER, startOdooSandbox, type OdooTestSandbox } from '../shared/connectors/odoo/test-harness.js';
import type { Ownership } from '../shared/ownership/ownership.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createInvoicesSubgraph } from './index.js';

/**
 * What `extensions.stale` says to a partner. The record cache runs on a clock the test moves
 * (invoices and partners are `billing` records: 60 s fresh, then served stale while they refresh).
 */
const world = buildSkeleton();
const mine = world.byAccountId.get(world.examples.resellerCustomer)!;
const theirs = world.byAccountId.get(world.examples.otherResellerCustomer)!;
const ownership: Ownership = {
  async partnerIdsByAccountIds(ids) {
    return new Map(ids.map((id) => {
      const c = world.byAccountId.get(id);
      return [id, c && c.resellerIndex !== null ? world.resellers[c.resellerIndex]!.accountId : null];
    }));
  },
};
const partner: Principal = { sub: 'r', roles: ['partner'], scopes: new Set(['invoices:read']), partnerId: world.examples.reseller };
const PAST_TTL = 61_000;
const INVOICE = 'query($id: ID!) { invoice(id: $id) { id number } }';

let sandbox: OdooTestSandbox;
let subgraph: RunningSubgraph;
let principal: Principal = partner;
let clock = WORLD_NOW.getTime();
let own: number;
let foreign: number;
let foreignToo: number;

beforeAll(async () => {
  sandbox = await startOdooSandbox();
  const odoo = sandbox.connector('jsonrpc');
  const cache = createRecordCache({ tenant: 'retail', now: () => clock });
  subgraph = await (await createInvoicesSubgraph({ odoo, cache, authenticate: () => principal, ownership, now: () => WORLD_NOW.getTime() })).listen(0);
  const lists = await odoo.moveIdsByPartnerIds([mine.odooPartnerId, theirs.odooPartnerId]);
  own = lists.get(mine.odooPartnerId)![0]!;
  foreign = lists.get(theirs.odooPartnerId)![0]!;
  foreignToo = lists.get(theirs.odooPartnerId)![1]!;
});
afterAll(async () => {
  await subgraph?.close();
  await sandbox?.close();
});

/** The answer as the gateway receives it: status and the whole body, extensions included. */
async function answer(id: number | string) {
  const res = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: INVOICE, variables: { id: String(id) } }) });
  return { status: res.status, body: await res.text() };
}

describe('extensions.stale for a partner', () => {
  it('names nothing of another reseller\'s invoice past its TTL: the answer is byte for byte a nonexistent id\'s', async () => {
    principal = partner;
    for (const id of [own, foreign, foreignToo, 99_999_999]) await answer(id);
    // Steady state, within the TTL: alike, and neither costs a call.
    const calls = sandbox.calls();
    expect(await answer(foreign)).toEqual(await answer(99_999_999));
    expect(sandbox.calls()).toBe(calls);
    clock += PAST_TTL;
    const hidden = await answer(foreign);
    const unknown = await answer(99_999_999);
    expect(JSON.parse(hidden.body)).toEqual({ data: { invoice: null } });
    expect(hidden).toEqual(unknown);
  });

  it('names the partner\'s own invoice served stale and the partner record that proved it its own', async () => {
    principal = partner;
    const mineNow = JSON.parse((await answer(own)).body) as { data: { invoice: { id: string } }; extensions?: { stale?: unknown[] } };
    expect(mineNow.data.invoice.id).toBe(String(own));
    expect(mineNow.extensions?.stale).toEqual([
      { model: 'odoo:account.move', key: own, ageMs: PAST_TTL, reason: 'revalidating' },
      { model: 'odoo:res.partner', key: mine.odooPartnerId, ageMs: PAST_TTL, reason: 'revalidating' },
    ]);
  });

  it('keeps reporting every stale serve to an unrestricted principal', async () => {
    principal = READER;
    try {
      const seen = JSON.parse((await answer(foreignToo)).body) as { data: { invoice: { id: string } }; extensions?: { stale?: unknown[] } };
      expect(seen.data.invoice.id).toBe(String(foreignToo));
      expect(seen.extensions?.stale).toEqual([{ model: 'odoo:account.move', key: foreignToo, ageMs: PAST_TTL, reason: 'revalidating' }]);
    } finally {
      principal = partner;
    }
  });
});
