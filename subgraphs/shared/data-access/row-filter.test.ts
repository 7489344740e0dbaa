import DataLoader from 'dataloader';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../platform/authz/principal.js';
import { salesforceId } from '../../../sandbox/world/salesforce-id.js';
import { createCachedLoader } from '../cache/cached-loader.js';
import { createRecordCache } from '../cache/lru-record-cache.js';
import type { RecordKey, RecordKind } from '../cache/record-cache.js';
import type { Ownership } from '../ownership/ownership.js';
import { createStaleCollector } from '../server/context.js';
import { ownedByKey, ownedByRecord, ownedLoader, ownedMembers, sharedLoader } from './owned-loader.js';
import { createRowFilter, type Owner } from './row-filter.js';

const RESELLER = salesforceId('001', 900_001);
const OTHER_RESELLER = salesforceId('001', 900_002);
const MINE = salesforceId('001', 1);
const THEIRS = salesforceId('001', 2);

const partner: Principal = { sub: 'p', roles: ['partner'], scopes: new Set(), partnerId: RESELLER };
const agent: Principal = { sub: 'a', roles: ['support_agent'], scopes: new Set() };

const INVOICES: RecordKind = { backend: 'odoo', model: 'account.move', lifetime: 'Invoice' };
const PARTNERS: RecordKind = { backend: 'odoo', model: 'res.partner', lifetime: 'BillingProfile' };

interface Invoice {
  id: number;
  partnerId: number;
}
interface ErpPartner {
  id: number;
  ref: string;
}

/** Invoices 1 and 2 of ERP partner 10 (my customer), invoice 3 of ERP partner 20 (another reseller's customer). */
const INVOICE_TABLE = new Map<number, Invoice>([[1, { id: 1, partnerId: 10 }], [2, { id: 2, partnerId: 10 }], [3, { id: 3, partnerId: 20 }]]);
const PARTNER_TABLE = new Map<number, ErpPartner>([[10, { id: 10, ref: MINE }], [20, { id: 20, ref: THEIRS }]]);

/** One request over a record cache on a clock the test moves: raw loaders, the row filter, and what each backend was asked. */
function fixture(principal: Principal, clock: { now: number }) {
  const cache = createRecordCache({ tenant: 'test', now: () => clock.now });
  const calls: { invoices: RecordKey[][]; partners: RecordKey[][]; ownership: string[][] } = { invoices: [], partners: [], ownership: [] };
  const ownership: Ownership = {
    async partnerIdsByAccountIds(ids) {
      calls.ownership.push(ids);
      return new Map(ids.map((id) => [id, id === MINE ? RESELLER : id === THEIRS ? OTHER_RESELLER : null]));
    },
  };
  const request = () => {
    const stale = createStaleCollector(() => clock.now);
    const rows = createRowFilter(principal, ownership, stale, () => clock.now);
    const invoice = createCachedLoader(cache, INVOICES, async (ids: number[]) => {
      calls.invoices.push(ids);
      return new Map(ids.flatMap((id) => (INVOICE_TABLE.has(id) ? [[id, INVOICE_TABLE.get(id)!] as const] : [])));
    }, rows.observer);
    const partnerLoader = createCachedLoader(cache, PARTNERS, async (ids: number[]) => {
      calls.partners.push(ids);
      return new Map(ids.flatMap((id) => (PARTNER_TABLE.has(id) ? [[id, PARTNER_TABLE.get(id)!] as const] : [])));
    }, rows.observer);
    const ofPartner = async (id: number): Promise<Owner> => ({ accountId: (await partnerLoader.load(id))?.ref ?? null, via: [{ kind: PARTNERS, key: id }] });
    return {
      stale,
      rows,
      invoices: ownedLoader(rows, invoice, ownedByRecord<number, Invoice>(INVOICES, (i) => ofPartner(i.partnerId))),
      invoicesOfPartner: ownedLoader(rows, new DataLoader<number, number[] | null>(async (ids) => ids.map((id) => [...INVOICE_TABLE.values()].filter((i) => i.partnerId === id).map((i) => i.id))), ownedByKey<number, number[]>(INVOICES, ofPartner)),
      byOrigin: ownedMembers(rows, new DataLoader<string, Invoice[] | null>(async (keys) => keys.map(() => [...INVOICE_TABLE.values()])), INVOICES, (i: Invoice) => ofPartner(i.partnerId)),
    };
  };
  return { request, calls, cache };
}

describe('the row filter below a resolver', () => {
  it('answers a partner only its own customers\' records, however the resolver asks, in batched lookups', async () => {
    const { request, calls } = fixture(partner, { now: 1_000_000 });
    const r = request();
    // A resolver that forgets to ask: it returns whatever the loaders give.
    expect(await r.invoices.loadMany([1, 2, 3, 404])).toEqual([INVOICE_TABLE.get(1), INVOICE_TABLE.get(2), null, null]);
    expect(calls).toEqual({ invoices: [[1, 2, 3, 404]], partners: [[10, 20]], ownership: [[MINE, THEIRS]] });
    expect(await r.invoicesOfPartner.load(20)).toBeNull();
    expect(await r.invoicesOfPartner.load(10)).toEqual([1, 2]);
    expect(await r.byOrigin.load('S00042')).toEqual([INVOICE_TABLE.get(1), INVOICE_TABLE.get(2)]);
    // A record read elsewhere (a write's fresh read) is checked the same way.
    expect(await r.invoices.admit(3, INVOICE_TABLE.get(3)!)).toBeNull();
    expect(await r.invoices.admit(1, INVOICE_TABLE.get(1)!)).toEqual(INVOICE_TABLE.get(1));
    // Everything above shared the request's loaders: no further backend call, one ownership lookup.
    expect(calls.partners).toEqual([[10, 20]]);
    expect(calls.ownership).toEqual([[MINE, THEIRS]]);
  });

  it('costs an unrestricted principal nothing: the raw loader, no lookup', async () => {
    const { request, calls } = fixture(agent, { now: 1_000_000 });
    const r = request();
    expect(r.rows.restricted).toBe(false);
    expect(await r.invoices.loadMany([1, 3])).toEqual([INVOICE_TABLE.get(1), INVOICE_TABLE.get(3)]);
    expect(await r.byOrigin.load('S00042')).toHaveLength(3);
    expect(calls).toEqual({ invoices: [[1, 3]], partners: [], ownership: [] });
  });

  it('shares catalog data with a partner: no owner, no lookup', async () => {
    const { calls } = fixture(partner, { now: 1_000_000 });
    const products = new DataLoader<number, { id: number } | null>(async (ids) => ids.map((id) => ({ id })));
    expect(await sharedLoader(products).loadMany([7, 8])).toEqual([{ id: 7 }, { id: 8 }]);
    expect(calls.ownership).toEqual([]);
  });
});

describe('extensions.stale under the row filter', () => {
  const PAST_TTL = 61_000;

  it('names a partner\'s own record served stale, and the record that decided its owner', async () => {
    const clock = { now: 1_000_000 };
    const { request } = fixture(partner, clock);
    await request().invoices.load(1);
    clock.now += PAST_TTL;
    const r = request();
    expect(await r.invoices.load(1)).toEqual(INVOICE_TABLE.get(1));
    expect(r.stale.entries).toEqual([
      { model: 'odoo:account.move', key: 1, ageMs: PAST_TTL, reason: 'revalidating' },
      { model: 'odoo:res.partner', key: 10, ageMs: PAST_TTL, reason: 'revalidating' },
    ]);
  });

  it('names nothing of another reseller\'s record past its TTL, nor of a nonexistent one: the two answers are alike', async () => {
    const clock = { now: 1_000_000 };
    const { request } = fixture(partner, clock);
    await request().invoices.loadMany([3, 404]);
    clock.now += PAST_TTL;
    const foreign = request();
    expect(await foreign.invoices.load(3)).toBeNull();
    const unknown = request();
    expect(await unknown.invoices.load(404)).toBeNull();
    expect(foreign.stale.entries).toEqual([]);
    expect(foreign.stale.freshForMs?.()).toBeUndefined();
    expect({ entries: foreign.stale.entries, freshForMs: foreign.stale.freshForMs?.() }).toEqual({ entries: unknown.stale.entries, freshForMs: unknown.stale.freshForMs?.() });
    // An unrestricted principal keeps today's reporting of the same record.
    const agentView = fixture(agent, clock);
    await agentView.request().invoices.load(3);
    clock.now += PAST_TTL;
    const seen = agentView.request();
    await seen.invoices.load(3);
    expect(seen.stale.entries).toEqual([{ model: 'odoo:account.move', key: 3, ageMs: PAST_TTL, reason: 'revalidating' }]);
  });

  it('keeps freshForMs to what the partner sees: a foreign record about to expire does not shorten it', async () => {
    const clock = { now: 1_000_000 };
    const { request } = fixture(partner, clock);
    await request().invoices.load(3);
    clock.now += 50_000;
    const r = request();
    await r.invoices.loadMany([1, 3]);
    // Invoice 1 and its partner were read now (60 s left); invoice 3 and its partner have 10 s left.
    expect(r.stale.freshForMs?.()).toBe(60_000);
  });
});
