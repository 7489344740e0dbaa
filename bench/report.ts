/** The benchmark's table and acceptance lines. */
import type { IdenticalResult, RunResult, UncachedResult } from './measure.js';
import { GATEWAY_LABELS, type GatewayName } from './systems.js';

/** One acceptance ratio with its target. */
export interface Acceptance {
  name: string;
  value: number | null;
  target: string;
  pass: boolean | null;
  /** The same ratio for other gateways, for comparison. */
  beside?: Record<string, number | null>;
  /** How the value reads (default `x`, a ratio). */
  unit?: 'x' | '%' | 'ms';
}

const fmt = (n: number | null | undefined, digits = 0): string => (n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
const pct = (n: number | null): string => (n === null ? '-' : `${(n * 100).toFixed(0)}%`);

/** The compact table of every gateway x workload run (with the freshness columns when the runs had a change stream). */
export function formatTable(runs: readonly RunResult[]): string {
  const fresh = runs.some((r) => r.freshness);
  const head = ['gateway', 'workload', 'warm-up req/s', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'odoo/1k', 'sf/1k', 'zd/1k', 'resp hit', 'rec hit', 'odoo', 'min odoo', 'odoo/min', 'null orders', ...(fresh ? ['stale', 'stale p50', 'stale p99', 'stale max'] : [])];
  const rows = runs.map((r) => [
    GATEWAY_LABELS[r.gateway],
    r.workload,
    r.warmup.seconds > 0 ? fmt(r.warmup.throughput, 1) : '-',
    fmt(r.throughput, 1),
    fmt(r.p50Ms, 1),
    fmt(r.p99Ms, 1),
    String(r.errors),
    fmt(r.per1000.odoo, 1),
    fmt(r.per1000.salesforce, 1),
    fmt(r.per1000.zendesk, 1),
    pct(r.responseCacheHitRatio),
    pct(r.recordCacheHitRatio),
    String(r.backend.odoo.calls),
    String(r.minimum.calls),
    `${fmt(r.odooVsMinimum, 2)}x`,
    String(r.ordersNull),
    ...(fresh ? (r.freshness ? [`${(r.freshness.staleShare * 100).toFixed(3)}%`, `${r.freshness.p50Ms} ms`, `${r.freshness.p99Ms} ms`, `${r.freshness.maxMs} ms`] : ['-', '-', '-', '-']) : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function find(runs: readonly RunResult[], gateway: GatewayName, workload: string): RunResult | undefined {
  return runs.find((r) => r.gateway === gateway && r.workload === workload);
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || !(b > 0) ? null : a / b;
}

/** The acceptance ratios of the mixed workload and the cold latency. */
export function acceptance(runs: readonly RunResult[], uncached: readonly UncachedResult[]): Acceptance[] {
  const ours = find(runs, 'ours', 'mixed');
  const apollo = find(runs, 'apollo', 'mixed');
  const hive = find(runs, 'hive', 'mixed');
  const hiveRust = find(runs, 'hive-rust', 'mixed');
  const check = (value: number | null, ok: (v: number) => boolean) => (value === null ? null : ok(value));
  const vsMin = ours ? ours.odooVsMinimum : null;
  const vsHive = ratio(ours?.per1000.odoo, hive?.per1000.odoo);
  const tpHive = ratio(ours?.throughput, hive?.throughput);
  const tpApollo = ratio(ours?.throughput, apollo?.throughput);
  const coldOurs = uncached.find((u) => u.gateway === 'ours');
  const coldApollo = uncached.find((u) => u.gateway === 'apollo');
  const cold = ratio(coldOurs?.medianMs, coldApollo?.medianMs);
  return [
    { name: 'mixed: Odoo calls / minimum possible', value: vsMin, target: '<= 1.2x', pass: check(vsMin, (v) => v <= 1.2), beside: { '(b)': apollo?.odooVsMinimum ?? null, '(c)': hive?.odooVsMinimum ?? null, '(d)': hiveRust?.odooVsMinimum ?? null } },
    { name: 'mixed: Odoo calls per query, (a) / (c)', value: vsHive, target: '<= 0.5x', pass: check(vsHive, (v) => v <= 0.5), beside: { '(b)/(c)': ratio(apollo?.per1000.odoo, hive?.per1000.odoo), '(a)/(d)': ratio(ours?.per1000.odoo, hiveRust?.per1000.odoo) } },
    { name: 'mixed: throughput, (a) / (c)', value: tpHive, target: '>= 1.2x', pass: check(tpHive, (v) => v >= 1.2), beside: { '(b)/(c)': ratio(apollo?.throughput, hive?.throughput), 'warm-up (a)/(c)': ratio(ours?.warmup.throughput, hive?.warmup.throughput), '(a)/(d)': ratio(ours?.throughput, hiveRust?.throughput) } },
    { name: 'mixed: throughput, (a) / (b)', value: tpApollo, target: '>= 3x', pass: check(tpApollo, (v) => v >= 3), beside: { 'warm-up (a)/(b)': ratio(ours?.warmup.throughput, apollo?.warmup.throughput) } },
    { name: 'uncached customer-360 median latency, (a) / (b)', value: cold, target: '<= 1.15x', pass: check(cold, (v) => v <= 1.15) },
    ...freshnessAcceptance(runs),
  ];
}

/**
 * With a change stream: ours with the change feeds against ours without them (Odoo calls), and
 * against every peer (stale answers and how stale), in the mixed workload.
 */
function freshnessAcceptance(runs: readonly RunResult[]): Acceptance[] {
  const ours = find(runs, 'ours', 'mixed');
  if (!ours?.freshness) return [];
  const ttl = find(runs, 'ours-ttl', 'mixed');
  const peers = runs.filter((r) => r.workload === 'mixed' && r.gateway !== 'ours' && r.freshness);
  const label = (g: GatewayName) => GATEWAY_LABELS[g].split(' ')[0]!;
  const calls = ratio(ours.per1000.odoo, ttl?.per1000.odoo);
  const share = ours.freshness.staleShare;
  const p99 = ours.freshness.p99Ms;
  // Below each, or none at all: no gateway shows fewer than no stale answers.
  const lowerThanEvery = (value: number, of: (r: RunResult) => number) => (peers.length === 0 ? null : peers.every((p) => value < of(p) || value === 0));
  return [
    { name: 'mixed with changes: Odoo calls per query, (a) / (a-ttl)', value: calls, target: '<= 0.5x', pass: calls === null ? null : calls <= 0.5 },
    { name: "mixed with changes: (a)'s stale answers, below every other gateway's", value: share * 100, unit: '%', target: '< each, or 0', pass: lowerThanEvery(share, (p) => p.freshness!.staleShare), beside: Object.fromEntries(peers.map((p) => [label(p.gateway), p.freshness!.staleShare * 100])) },
    { name: "mixed with changes: (a)'s staleness p99, below every other gateway's", value: p99, unit: 'ms', target: '< each, or 0', pass: lowerThanEvery(p99, (p) => p.freshness!.p99Ms), beside: Object.fromEntries(peers.map((p) => [label(p.gateway), p.freshness!.p99Ms])) },
  ];
}

/** One printable line per acceptance ratio. */
export function formatAcceptance(items: readonly Acceptance[]): string {
  return items
    .map((a) => {
      const unit = a.unit ?? 'x';
      const value = (v: number | null) => (unit === 'ms' ? `${fmt(v)} ms` : unit === '%' ? `${fmt(v, 3)}%` : `${fmt(v, 2)}x`);
      const beside = a.beside ? `   [${Object.entries(a.beside).map(([k, v]) => `${k} ${value(v)}`).join(', ')}]` : '';
      const verdict = a.pass === null ? 'n/a' : a.pass ? 'PASS' : 'FAIL';
      return `  ${verdict.padEnd(4)}  ${a.name}: ${value(a.value)} (target ${a.target})${beside}`;
    })
    .join('\n');
}

/** The identical-burst lines: Odoo calls per model for each gateway. */
export function formatIdentical(items: readonly IdenticalResult[]): string {
  return items
    .map((r) => {
      const models = Object.entries(r.odooByOperation).sort(([a], [b]) => (a < b ? -1 : 1)).map(([op, n]) => `${op.replace(/\.search_read$/, '')}=${n}`).join(' ');
      return `  ${GATEWAY_LABELS[r.gateway].padEnd(11)} ${r.queries} queries, ${r.errors} errors${r.errors > 0 ? ` ${JSON.stringify(r.errorKinds)} e.g. ${Object.values(r.errorSamples)[0] ?? ''}` : ''}, p50 ${fmt(r.p50Ms)} ms: odoo ${r.odooCalls} calls (${models}); salesforce ${r.salesforceCalls}, zendesk ${r.zendeskCalls}`;
    })
    .join('\n');
}

/** The cold-latency lines. */
export function formatUncached(items: readonly UncachedResult[]): string {
  return items.map((u) => `  ${GATEWAY_LABELS[u.gateway].padEnd(11)} median ${fmt(u.medianMs, 1)} ms over ${u.queries} cold customers (${u.errors} errors)`).join('\n');
}
