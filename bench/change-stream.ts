/**
 * The out-of-band changes of a freshness measurement: the sandboxes' scripted change stream
 * (credit holds, order states and stock in Odoo, account phones in Salesforce, ticket statuses in
 * Zendesk), the change history it leaves, and the values an answer shows, in the history's terms.
 */
import type { WorldSkeleton } from '../sandbox/world/skeleton.js';
import { orderStatus } from '../subgraphs/orders/mappers.js';
import { ChangeHistory, summarizeStaleness, type RecordedChange, type ShownValue } from './staleness.js';

/** The sandboxes' base URLs. */
export interface SandboxUrls {
  odoo: string;
  salesforce: string;
  zendesk: string;
}

/** Share of the stream per backend, and the kinds of change each makes. */
const STREAMS: Array<{ backend: keyof SandboxUrls; share: number; kinds: string[]; seed: number }> = [
  { backend: 'odoo', share: 0.5, kinds: ['res.partner.credit_hold', 'sale.order.state', 'stock.quant.quantity'], seed: 7 },
  { backend: 'salesforce', share: 0.25, kinds: ['Account.Phone'], seed: 8 },
  { backend: 'zendesk', share: 0.25, kinds: ['ticket.status'], seed: 9 },
];

/** Starts the change stream at `perSecond` changes a second across the three sandboxes; 0 stops it. */
export async function setChangeStream(urls: SandboxUrls, perSecond: number): Promise<void> {
  await Promise.all(
    STREAMS.map(async ({ backend, share, kinds, seed }) => {
      const body = perSecond === 0 ? { perSecond: 0 } : { perSecond: perSecond * share, kinds, seed };
      const res = await fetch(`${urls[backend]}/__sandbox/change-stream`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${backend} sandbox refused the change stream: HTTP ${res.status} ${await res.text()}`);
    }),
  );
}

/** Every change the sandboxes recorded since `since` (ISO time). */
export async function changesSince(urls: SandboxUrls, since: string): Promise<RecordedChange[]> {
  const lists = await Promise.all(
    Object.values(urls).map(async (url) => {
      const res = await fetch(`${url}/__sandbox/changes?since=${encodeURIComponent(since)}&limit=1000000`);
      if (!res.ok) throw new Error(`GET ${url}/__sandbox/changes: HTTP ${res.status}`);
      return ((await res.json()) as { changes: RecordedChange[] }).changes;
    }),
  );
  return lists.flat();
}

/** A backend value as the gateway shows it (credit hold, order status, ticket status), for comparison with what an answer showed. */
export function normalizeChange(entity: string, field: string, value: unknown): string {
  if (entity === 'res.partner' && field === 'sale_warn') return value === 'block' ? 'hold' : 'no-hold';
  if (entity === 'sale.order' && field === 'state') return typeof value === 'string' ? orderStatus(value) : String(value);
  if (entity === 'ticket' && field === 'status') return String(value).toLowerCase();
  return value === null || value === undefined || value === false ? '' : String(value);
}

/** What a customer view showed of the fields the stream changes (stock levels are not compared: a product's figures sum many quants). */
export interface ShownFields {
  /** `customer.phone`, when asked. */
  phone?: string | null;
  /** `customer.billing.onHold`, when asked and not null. */
  onHold?: boolean;
  /** `[id, status]` of each order shown. */
  orders: Array<[string, string]>;
  /** `[id, status]` of each case shown. */
  cases: Array<[string, string]>;
}

/** The shown fields of customer `accountId` as the change history names them. */
export function shownValues(accountId: string, shown: ShownFields, world: WorldSkeleton): ShownValue[] {
  const values: ShownValue[] = [];
  if (shown.phone !== undefined) values.push({ entity: 'Account', id: accountId, field: 'Phone', value: normalizeChange('Account', 'Phone', shown.phone) });
  const customer = world.byAccountId.get(accountId);
  if (shown.onHold !== undefined && customer?.hasErpPartner) values.push({ entity: 'res.partner', id: String(customer.odooPartnerId), field: 'sale_warn', value: shown.onHold ? 'hold' : 'no-hold' });
  for (const [id, status] of shown.orders) values.push({ entity: 'sale.order', id, field: 'state', value: status });
  for (const [id, status] of shown.cases) values.push({ entity: 'ticket', id, field: 'status', value: status.toLowerCase() });
  return values;
}

/** Freshness of a run's answers against the change history. */
export interface FreshnessResult {
  changesPerSecond: number;
  /** Changes the sandboxes recorded during the run (warm-up included). */
  changes: number;
  /** Answers whose shown values were checked (those with a customer). */
  answers: number;
  stale: number;
  staleShare: number;
  /** Staleness of the stale answers: how long before the request the value shown had been replaced. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The stalest values shown (up to 5): which field of which record, how stale, when the request went. */
  stalest: Array<{ entity: string; id: string; field: string; value: string; stalenessMs: number; sentAt: string }>;
}

/** One answer to check: when its request was sent and its answer came, for which customer, what it showed. */
export interface CheckedAnswer {
  sentAt: number;
  receivedAt: number;
  accountId: string;
  shown?: ShownFields;
}

/** Checks every answer against the recorded changes. */
export function freshnessOf(changes: readonly RecordedChange[], changesPerSecond: number, answers: readonly CheckedAnswer[], world: WorldSkeleton): FreshnessResult {
  const history = new ChangeHistory(changes, normalizeChange);
  const staleness: number[] = [];
  const stalest: FreshnessResult['stalest'] = [];
  for (const a of answers) {
    if (!a.shown) continue;
    let worst = 0;
    for (const value of shownValues(a.accountId, a.shown, world)) {
      const ms = history.staleness(value, a.sentAt, a.receivedAt);
      if (ms <= 0) continue;
      worst = Math.max(worst, ms);
      if (stalest.length < 5 || ms > stalest.at(-1)!.stalenessMs) {
        stalest.push({ ...value, stalenessMs: Math.round(ms), sentAt: new Date(a.sentAt).toISOString() });
        stalest.sort((x, y) => y.stalenessMs - x.stalenessMs);
        if (stalest.length > 5) stalest.pop();
      }
    }
    staleness.push(worst);
  }
  const summary = summarizeStaleness(staleness);
  // The load generator's clock has sub-millisecond digits the change history has not.
  return { changesPerSecond, changes: changes.length, answers: summary.answers, stale: summary.stale, staleShare: summary.staleShare, p50Ms: Math.round(summary.p50Ms), p99Ms: Math.round(summary.p99Ms), maxMs: Math.round(summary.maxMs), stalest };
}
