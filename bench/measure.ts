/** The benchmark's measurements: one gateway x workload run, the identical-burst check and cold latency. */
import { loadavg } from 'node:os';
import type { SandboxStats } from '../sandbox/common/server.js';
import { BACKENDS, type Backend } from './backends.js';
import type { WorldSkeleton } from '../sandbox/world/skeleton.js';
import { metricsRegistry } from '../subgraphs/shared/metrics/index.js';
import { many2oneId } from '../subgraphs/shared/connectors/odoo/connector.js';
import type { OdooConnector } from '../subgraphs/shared/connectors/odoo/connector.js';
import { signDevToken } from '../gateway/src/auth/dev-keys.js';
import { percentile, runLoad, type PlannedRequest, type RequestResult } from './load.js';
import { mergeSnapshots, metricsDelta, snapshotFromJson, snapshotMetrics, sumOf, type Sample, type Snapshot } from './metrics-delta.js';
import { minimumOdooCalls, type MinimumCalls, type OrdersOfCustomer, type ViewRecord } from './minimum-calls.js';
import { startBenchSystem, isOurs, type BenchSystem, type BenchSystemOptions, type GatewayName } from './systems.js';
import { changesSince, freshnessOf, setChangeStream, type FreshnessResult } from './change-stream.js';
import { minimumInForce, productsOfQuants } from './lifetimes-in-force.js';
import { QUERIES, VIEWS, type TokenSpec, type Workload } from './workloads.js';


/** Backend calls by system and operation. */
export type CallsByBackend = Record<Backend, { calls: number; byOperation: Record<string, number> }>;

/** The result of one gateway x workload run. */
export interface RunResult {
  gateway: GatewayName;
  workload: string;
  description: string;
  checks: string;
  features: string[];
  startupMs: number;
  /** The measured part: after the warm-up. */
  seconds: number;
  requests: number;
  throughput: number;
  /** The warm-up before it (cold caches filling): not in the other figures. */
  warmup: { seconds: number; requests: number; throughput: number };
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Error codes and failures with their counts. */
  errorKinds: Record<string, number>;
  /** One example message per error kind. */
  errorSamples: Record<string, string>;
  /** FORBIDDEN field removals (expected for the role; not errors). */
  forbiddenFields: number;
  /** Views whose `orders` came back null although the customer has orders. */
  ordersNull: number;
  staleResponses: number;
  /** CPU time of the gateway's process per request, in ms. */
  cpuMsPerRequest: number;
  /** CPU time per request, in ms, of each process: gateway (this one), backends (sandboxes + subgraphs), load generator. */
  cpuMsPerRequestByProcess: { gateway: number; backends: number; load: number };
  /** The machine's 1-minute load average before and after the run (other work on the machine skews throughput). */
  loadAverage: [number, number];
  backend: CallsByBackend;
  /** Backend calls per 1,000 queries, by system. */
  per1000: Record<Backend, number>;
  /** Responses served by a gateway response cache / responses that said (x-cache or extensions.responseCache). */
  responseCacheHitRatio: number | null;
  /** Our record cache: hits / (hits + misses + stale) over keys. */
  recordCacheHitRatio: number | null;
  /** Subgraph fetches merged by our in-flight dedup. */
  dedupedFetches: number | null;
  /** Counter deltas of the gateway/cache metrics (ours only). */
  metrics: Sample[];
  minimum: MinimumCalls;
  /** Odoo calls / minimum. */
  odooVsMinimum: number;
  /** With `--changes`: the measured answers checked against the out-of-band changes made during the run. */
  freshness: FreshnessResult | null;
}

/** Signs (once per spec) the development tokens a plan refers to. */
export async function signTokens(specs: readonly TokenSpec[], devKeysDir: string): Promise<string[]> {
  return Promise.all(specs.map((s) => signDevToken({ role: s.role, sub: s.sub, partnerId: s.partnerId }, { dir: devKeysDir })));
}

function readStats(bench: BenchSystem): Promise<Record<Backend, SandboxStats>> {
  return bench.backends.stats();
}

/** Counters of both processes: the gateway's (this process's registry) and the subgraphs' (the backends child). */
async function snapshotBoth(bench: BenchSystem): Promise<Snapshot> {
  const [here, there] = await Promise.all([snapshotMetrics(metricsRegistry), bench.backends.metrics().then(snapshotFromJson)]);
  return mergeSnapshots(here, there);
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

function callsDelta(before: Record<Backend, SandboxStats>, after: Record<Backend, SandboxStats>): CallsByBackend {
  const out = {} as CallsByBackend;
  for (const b of BACKENDS) {
    const byOperation: Record<string, number> = {};
    for (const [op, n] of Object.entries(after[b].byOperation)) {
      const d = n - (before[b].byOperation[op] ?? 0);
      if (d !== 0) byOperation[op] = d;
    }
    out[b] = { calls: after[b].calls - before[b].calls, byOperation };
  }
  return out;
}

function isError(r: RequestResult): boolean {
  return r.status !== 200 || !!r.failure || !r.summary?.customer || r.summary.errorCodes.length > 0;
}

/** Counts of what went wrong: the failure, the HTTP status, or the first error code. */
function errorKindsOf(results: readonly RequestResult[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const r of results) {
    if (!isError(r)) continue;
    const kind = r.failure ?? (r.status !== 200 ? `HTTP ${r.status}` : r.summary!.errorCodes[0] ?? 'no customer');
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

/** One example message per error kind (the first seen). */
function errorSamplesOf(results: readonly RequestResult[]): Record<string, string> {
  const samples: Record<string, string> = {};
  for (const r of results) {
    if (!isError(r)) continue;
    const kind = r.failure ?? (r.status !== 200 ? `HTTP ${r.status}` : r.summary!.errorCodes[0] ?? 'no customer');
    samples[kind] ??= r.summary?.firstError ?? r.failure ?? '';
  }
  return samples;
}

/**
 * The orders of customers whose responses lost them, read from the sandbox after the run (its
 * counters are taken before): the ids, numbers, lines and products the view needed.
 */
async function ordersFromWorld(odoo: OdooConnector, world: WorldSkeleton, accountIds: Iterable<string>): Promise<Map<string, OrdersOfCustomer & { all: number[] }>> {
  const out = new Map<string, OrdersOfCustomer & { all: number[] }>();
  const customers = [...new Set(accountIds)].map((id) => world.byAccountId.get(id)).filter((c) => c?.hasErpPartner);
  for (let k = 0; k < customers.length; k += 100) {
    const chunk = customers.slice(k, k + 100);
    const idLists = await odoo.orderIdsByPartnerIds(chunk.map((c) => c!.odooPartnerId));
    for (const c of chunk) out.set(c!.accountId, { all: idLists.get(c!.odooPartnerId) ?? [], orderIds: [], orderNumbers: [], lineIds: [], productIds: [] });
  }
  const allIds = [...out.values()].flatMap((o) => o.all.slice(0, 50));
  const orders = new Map<number, { name: string; lines: number[] }>();
  for (let k = 0; k < allIds.length; k += 400) {
    for (const [id, o] of await odoo.ordersByIds(allIds.slice(k, k + 400))) orders.set(id, { name: o.name, lines: o.order_line });
  }
  const lineIds = [...orders.values()].flatMap((o) => o.lines);
  const productOfLine = new Map<number, number>();
  for (let k = 0; k < lineIds.length; k += 400) {
    for (const [id, l] of await odoo.orderLinesByIds(lineIds.slice(k, k + 400))) {
      const pid = many2oneId(l.product_id);
      if (pid !== null) productOfLine.set(id, pid);
    }
  }
  for (const entry of out.values()) {
    const ids = entry.all.slice(0, 50);
    entry.orderIds = ids;
    entry.orderNumbers = ids.flatMap((id) => (orders.has(id) ? [orders.get(id)!.name] : []));
    entry.lineIds = ids.flatMap((id) => orders.get(id)?.lines ?? []);
    entry.productIds = [...new Set(entry.lineIds.flatMap((l) => (productOfLine.has(l) ? [productOfLine.get(l)!] : [])))];
  }
  return out;
}

/** Everything a run needs besides the gateway and workload. */
export interface RunContext extends BenchSystemOptions {
  seconds: number;
  /** Seconds of load before the measured ones. */
  warmupSeconds: number;
  /** By count instead (the same requests measured in every run, see LoadJob.counts): `seconds` and `warmupSeconds` are then not read. */
  requestCounts?: { warmup: number; measured: number };
  concurrency: number;
  /** Out-of-band changes a second the sandboxes make during each workload run (0: none). */
  changesPerSecond?: number;
  log(line: string): void;
}

/** Starts a fresh system, runs one workload against its gateway and measures it. */
export async function runWorkload(gateway: GatewayName, workload: Workload, tokens: string[], ctx: RunContext): Promise<RunResult> {
  const t0 = performance.now();
  const bench = await startBenchSystem(gateway, ctx);
  const startupMs = performance.now() - t0;
  try {
    const world = bench.skeleton;
    // The counters the measured part starts from: read when the warm-up ends, while the load goes on.
    let before: { stats: Record<Backend, SandboxStats>; metrics: Snapshot; backendsCpu: NodeJS.CpuUsage; load: number; cpu: NodeJS.CpuUsage } | undefined;
    const readBefore = async () => {
      const cpu = process.cpuUsage();
      const [stats, metrics, info] = await Promise.all([readStats(bench), snapshotBoth(bench), bench.backends.processInfo()]);
      before = { stats, metrics, backendsCpu: info.cpu, load: loadavg()[0]!, cpu };
    };
    const counts = ctx.requestCounts;
    const warmupMs = counts ? 0 : ctx.warmupSeconds * 1000;
    const warmsUp = counts ? counts.warmup > 0 : warmupMs > 0;
    if (!warmsUp) await readBefore();
    // The change stream runs from before the first request to after the last answer.
    const changes = ctx.changesPerSecond ?? 0;
    const streamStartedAt = new Date().toISOString();
    if (changes > 0) await setChangeStream(bench.backends.sandboxes, changes);
    let lastLog = performance.now();
    const outcome = await runLoad(
      { url: bench.url, queries: [...QUERIES], tokens, plan: workload.plan, concurrency: ctx.concurrency, warmupMs, durationMs: ctx.seconds * 1000, timeoutMs: 30_000, shown: changes > 0, ...(counts ? { counts } : {}) },
      (done, errors) => {
        if (performance.now() - lastLog < 4000) return;
        lastLog = performance.now();
        ctx.log(`    ${gateway}/${workload.name}: ${done} requests, ${errors} errors${before || !warmsUp ? '' : ' (warming up)'}`);
      },
      warmsUp ? readBefore : undefined,
    );
    if (changes > 0) await setChangeStream(bench.backends.sandboxes, 0);
    if (!before) throw new Error(`${gateway}/${workload.name}: the plan ran out during the ${counts ? `${counts.warmup}-request` : `${ctx.warmupSeconds} s`} warm-up (raise --max-requests)`);
    const cpu = process.cpuUsage(before.cpu);
    const backendsCpu = cpuMs((await bench.backends.processInfo()).cpu) - cpuMs(before.backendsCpu);
    const loadBefore = before.load;
    const loadAfter = loadavg()[0]!;
    const statsBefore = before.stats;
    const metricsBefore = before.metrics;
    // Measured: every request answered after the warm-up ended (those sent before it and answered
    // after it included, so that the first measured second is as full as any other).
    const warmEnd = outcome.warmEndedAt;
    const results = outcome.results.filter((r) => r.start + r.ms >= warmEnd);
    const warmupResults = outcome.results.filter((r) => r.start + r.ms < warmEnd);
    const statsAfter = await readStats(bench);
    const metrics = metricsDelta(metricsBefore, await snapshotBoth(bench));
    const backend = callsDelta(statsBefore, statsAfter);

    const requests = results.length;
    // A loop, not Math.min(...): a fast run has more results than arguments fit on the stack.
    let first = Infinity;
    let last = -Infinity;
    for (const r of results) {
      if (r.start < first) first = r.start;
      if (r.start + r.ms > last) last = r.start + r.ms;
    }
    // From the end of the warm-up (or the first send, without one) to the last answer.
    if (Number.isFinite(warmEnd) && warmsUp) first = warmEnd;
    const seconds = requests > 0 ? (last - first) / 1000 : 0;
    let warmupLast = -Infinity;
    let warmupFirst = Infinity;
    for (const r of warmupResults) {
      if (r.start < warmupFirst) warmupFirst = r.start;
      if (r.start + r.ms > warmupLast) warmupLast = r.start + r.ms;
    }
    const errorKinds = errorKindsOf(results);
    const errors = results.filter(isError).length;
    const withCacheInfo = results.filter((r) => r.summary?.cacheHit !== undefined);
    const hits = sumOf(metrics, 'c360_cache_requests_total', { result: 'hit' });
    const keyLookups = sumOf(metrics, 'c360_cache_requests_total');
    const dedupMetric = metrics.some((s) => s.name === 'c360_gateway_subgraph_fetch_dedup_total') || isOurs(gateway);

    // The minimum: every completed view's needs, replayed in the order the views were sent.
    // Every answered view counts, errors or not: a view whose orders came back null still needed them.
    // Warm-up views are replayed too (what a perfect cache would hold by then) but not counted.
    const measured = new Set(results);
    const completed = outcome.results.filter((r) => r.summary?.customer);
    const views: ViewRecord[] = completed.map((r) => {
      const planned: PlannedRequest = workload.plan[r.i]!;
      return { start: r.start, view: VIEWS[planned.q]!, accountId: planned.id, summary: r.summary!, warmup: !measured.has(r) };
    });
    // With a change stream, our minimum takes the lifetimes in force (stale windows included; the
    // feeds' long ones, and a fetch again after each change they evict).
    const recorded = changes > 0 ? await changesSince(bench.backends.sandboxes, streamStartedAt) : [];
    const inForce = changes > 0 && isOurs(gateway) ? minimumInForce(gateway === 'ours', recorded, world, gateway === 'ours' ? await productsOfQuants(bench.odoo, world) : undefined) : {};
    const lost = views.filter((v) => v.summary.ordersNull).map((v) => v.accountId);
    const fallback = lost.length > 0 ? await ordersFromWorld(bench.odoo, world, lost) : new Map();
    const minimum = minimumOdooCalls(views, world, (accountId, n) => {
      const o = fallback.get(accountId);
      if (!o) return undefined;
      const orderIds = o.all.slice(0, n);
      if (n >= 50) return o;
      // Fewer orders than the full view: the list-only views show no lines.
      return { orderIds, orderNumbers: o.orderNumbers.slice(0, orderIds.length), lineIds: [], productIds: [] };
    }, inForce);
    const per1000 = Object.fromEntries(BACKENDS.map((b) => [b, requests > 0 ? (backend[b].calls / requests) * 1000 : 0])) as Record<Backend, number>;
    const customersWithOrders = (id: string) => (world.byAccountId.get(id)?.orders.length ?? 0) > 0;
    const checked = results.map((r) => ({ sentAt: r.start, receivedAt: r.start + r.ms, accountId: workload.plan[r.i]!.id, shown: r.summary?.shown }));
    const freshness = changes > 0 ? freshnessOf(recorded, changes, checked, world) : null;
    return {
      gateway,
      workload: workload.name,
      description: workload.description,
      checks: bench.checks,
      features: bench.features,
      startupMs: Math.round(startupMs),
      seconds,
      requests,
      throughput: seconds > 0 ? requests / seconds : 0,
      warmup: {
        seconds: counts ? (warmupLast > warmupFirst ? (warmupLast - warmupFirst) / 1000 : 0) : ctx.warmupSeconds,
        requests: warmupResults.length,
        throughput: warmupResults.length > 0 && warmupLast > warmupFirst ? warmupResults.length / ((warmupLast - warmupFirst) / 1000) : 0,
      },
      p50Ms: percentile(results.map((r) => r.ms), 50),
      p99Ms: percentile(results.map((r) => r.ms), 99),
      errors,
      errorKinds,
      errorSamples: errorSamplesOf(results),
      forbiddenFields: results.reduce((n, r) => n + (r.summary?.forbidden ?? 0), 0),
      ordersNull: views.filter((v) => v.summary.ordersNull && customersWithOrders(v.accountId)).length,
      staleResponses: results.filter((r) => r.summary?.stale).length,
      cpuMsPerRequest: requests > 0 ? cpuMs(cpu) / requests : 0,
      cpuMsPerRequestByProcess: {
        gateway: requests > 0 ? cpuMs(cpu) / requests : 0,
        backends: requests > 0 ? backendsCpu / requests : 0,
        load: requests > 0 ? outcome.cpuMs / requests : 0,
      },
      loadAverage: [loadBefore, loadAfter],
      backend,
      per1000,
      responseCacheHitRatio: withCacheInfo.length > 0 ? withCacheInfo.filter((r) => r.summary!.cacheHit).length / withCacheInfo.length : null,
      recordCacheHitRatio: isOurs(gateway) && keyLookups > 0 ? hits / keyLookups : null,
      dedupedFetches: dedupMetric ? sumOf(metrics, 'c360_gateway_subgraph_fetch_dedup_total') : null,
      metrics: isOurs(gateway) ? metrics.filter((s) => /^c360_(cache_|gateway_)/.test(s.name)) : [],
      minimum,
      odooVsMinimum: minimum.calls > 0 ? backend.odoo.calls / minimum.calls : Number.NaN,
      freshness,
    };
  } finally {
    await bench.close();
  }
}

/** The answer of the identical-burst check. */
export interface IdenticalResult {
  gateway: GatewayName;
  /** The customer queried (one whose view is whole). */
  customer: string;
  queries: number;
  errors: number;
  errorKinds: Record<string, number>;
  errorSamples: Record<string, string>;
  odooCalls: number;
  /** Odoo calls by operation (`<model>.<method>`). */
  odooByOperation: Record<string, number>;
  salesforceCalls: number;
  zendeskCalls: number;
  p50Ms: number;
}

/**
 * Customers whose customer-360 view is whole: ERP partner, orders, and no line on a product that
 * product reads cannot find (archived ones). Read straight from the sandbox through the connector,
 * which has no cache: the system's caches stay cold.
 */
export async function wholeCustomers(bench: BenchSystem, candidates: readonly string[], n: number): Promise<string[]> {
  const odoo = bench.odoo;
  const picked: string[] = [];
  for (let k = 0; k < candidates.length && picked.length < n; k += 20) {
    const chunk = candidates.slice(k, k + 20);
    const orders = await ordersFromWorld(odoo, bench.skeleton, chunk);
    const productIds = [...new Set([...orders.values()].flatMap((o) => o.productIds))];
    const found = await odoo.productsByIds(productIds);
    for (const id of chunk) {
      const o = orders.get(id);
      if (o && o.orderIds.length > 0 && o.productIds.every((p) => found.has(p)) && picked.length < n) picked.push(id);
    }
  }
  return picked;
}

/** Fresh system, then `count` identical customer-360 queries at once (one token): backend calls per model. */
export async function runIdentical(gateway: GatewayName, count: number, token: string, ctx: RunContext): Promise<IdenticalResult> {
  const bench = await startBenchSystem(gateway, ctx);
  try {
    const world = bench.skeleton;
    const many = world.customers.filter((c) => c.orders.length >= 10).map((c) => c.accountId);
    const [customer = world.examples.manyOrders] = await wholeCustomers(bench, many, 1);
    const before = await readStats(bench);
    const plan = Array.from({ length: count }, () => ({ q: 0, id: customer, t: 0 }));
    const { results } = await runLoad({ url: bench.url, queries: [...QUERIES], tokens: [token], plan, concurrency: count, warmupMs: 0, durationMs: 60_000, timeoutMs: 30_000 });
    const delta = callsDelta(before, await readStats(bench));
    return {
      gateway,
      customer,
      queries: results.length,
      errors: results.filter(isError).length,
      errorKinds: errorKindsOf(results),
      errorSamples: errorSamplesOf(results),
      odooCalls: delta.odoo.calls,
      odooByOperation: delta.odoo.byOperation,
      salesforceCalls: delta.salesforce.calls,
      zendeskCalls: delta.zendesk.calls,
      p50Ms: percentile(results.map((r) => r.ms), 50),
    };
  } finally {
    await bench.close();
  }
}

/** The answer of the cold-latency check. */
export interface UncachedResult {
  gateway: GatewayName;
  customers: string[];
  queries: number;
  errors: number;
  medianMs: number;
  latenciesMs: number[];
}

/**
 * Fresh system, one warm-up query (connections, backend logins), then single customer-360 queries
 * one after another, each on a customer not seen before: the median latency.
 */
export async function runUncached(gateway: GatewayName, candidates: readonly string[], n: number, token: string, ctx: RunContext): Promise<UncachedResult> {
  const bench = await startBenchSystem(gateway, ctx);
  try {
    const [warmup, ...customers] = await wholeCustomers(bench, candidates, n + 1);
    const base = { url: bench.url, queries: [...QUERIES], tokens: [token], concurrency: 1, warmupMs: 0, durationMs: 120_000, timeoutMs: 30_000 };
    await runLoad({ ...base, plan: [{ q: 0, id: warmup!, t: 0 }] });
    const { results } = await runLoad({ ...base, plan: customers.map((id) => ({ q: 0, id, t: 0 })) });
    const latencies = results.map((r) => r.ms);
    return { gateway, customers, queries: results.length, errors: results.filter(isError).length, medianMs: percentile(latencies, 50), latenciesMs: latencies.map((ms) => Math.round(ms * 10) / 10) };
  } finally {
    await bench.close();
  }
}
