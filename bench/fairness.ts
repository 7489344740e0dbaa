/**
 * Fairness of the backend budgets: support agents open customer-360 views at their normal rate
 * while one partner floods with the most expensive persisted operation its limits allow, on 32
 * connections. Three runs, each on a fresh system (cold caches): the agents alone; with the
 * flood under the partner's default rate and cost limits; with the flood and the partner's rate
 * and cost budget raised out of the way, so that only the fair queue of the Odoo budget stands
 * between the partner and the agents.
 *
 *   npm run bench:fairness -- [--seconds 30] [--warmup 5] [--customers 10000] [--rate 8] [--connections 32] [--odoo-budget 8]
 *
 * Prints the agents' p50/p99 per run, p99 with the flood over p99 alone (target <= 1.5), what
 * the partner's requests were answered, and Odoo's peak of calls in flight (sandbox stats; must
 * never exceed the budget).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createLogger, setRootLogger } from '../platform/logging/index.js';
import type { SystemSettings } from '../scripts/config.js';
import { CUSTOMER_360 } from '../test/queries.js';
import { percentile } from './load.js';
import { signTokens } from './measure.js';
import { REALISTIC_LATENCY, startBenchSystem, type BenchSystem } from './systems.js';
import type { FairnessJob, FairnessOutcome } from './fairness-load.js';

interface Options {
  seconds: number;
  warmup: number;
  customers: number;
  rate: number;
  connections: number;
  odooBudget: number;
}

type Phase = 'alone' | 'flood, default partner limits' | 'flood, partner limits raised';
const PHASES: readonly Phase[] = ['alone', 'flood, default partner limits', 'flood, partner limits raised'];
const SEED = 42;
const manifest = JSON.parse(readFileSync(new URL('../schema/persisted-operations.json', import.meta.url), 'utf8')) as { operations: { id: string; name: string; type: string }[] };

function parse(argv: readonly string[]): Options {
  const options: Options = { seconds: 30, warmup: 5, customers: 10_000, rate: 8, connections: 32, odooBudget: 8 };
  const names: Record<string, keyof Options> = { '--seconds': 'seconds', '--warmup': 'warmup', '--customers': 'customers', '--rate': 'rate', '--connections': 'connections', '--odoo-budget': 'odooBudget' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]!];
    const value = Number(argv[i + 1]);
    if (!key || !Number.isFinite(value) || value <= 0) throw new TypeError(`bad option ${argv[i]} ${argv[i + 1] ?? ''}: npm run bench:fairness -- [--seconds N] [--warmup N] [--customers N] [--rate N] [--connections N] [--odoo-budget N]`);
    options[key] = value;
  }
  return options;
}

/** The partner's limits in a run: the defaults, or rate and cost budget out of the way (the per-operation maximum stays). */
function demandControl(phase: Phase): { rateLimits: SystemSettings['rateLimits']; costLimits: SystemSettings['costLimits'] } {
  if (phase !== 'flood, partner limits raised') return { rateLimits: {}, costLimits: {} };
  return { rateLimits: { partner: { perSecond: 100_000, burst: 100_000 } }, costLimits: { partner: { budget: 100_000_000 } } };
}

/** The partner's most expensive manifest query its per-operation limit lets through, by the gateway's own estimate. */
async function mostExpensive(bench: BenchSystem, token: string, id: string): Promise<{ name: string; documentId: string; variables: Record<string, unknown>; estimate: number }> {
  let best: { name: string; documentId: string; variables: Record<string, unknown>; estimate: number } | undefined;
  for (const op of manifest.operations.filter((o) => o.type === 'query' && /\$id: ID!/.test(JSON.stringify(o)))) {
    for (const first of [100, 50, 20, 10]) {
      const variables = { first };
      const res = await fetch(bench.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-c360-cost': '1' }, body: JSON.stringify({ documentId: op.id, variables: { ...variables, id } }) });
      const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[]; extensions?: { cost?: { estimatedTotal?: number } } };
      if (res.status !== 200 || body.errors?.length) continue;
      const estimate = body.extensions?.cost?.estimatedTotal ?? 0;
      if (!best || estimate > best.estimate) best = { name: op.name, documentId: op.id, variables, estimate };
      break;
    }
  }
  if (!best) throw new Error('no manifest query of the partner was accepted');
  return best;
}

function runLoad(job: FairnessJob): Promise<FairnessOutcome> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./fairness-load.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced' });
    child.once('message', (outcome: FairnessOutcome) => resolve(outcome));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`load process exited with ${code}`))));
    child.send(job);
  });
}

interface PhaseResult {
  phase: Phase;
  p50: number;
  p99: number;
  views: number;
  agentFailures: number;
  flood: Record<string, number>;
  odooPeak: number;
  odooCalls: number;
  op?: string;
}

async function runPhase(phase: Phase, options: Options): Promise<PhaseResult> {
  const devKeysDir = mkdtempSync(join(tmpdir(), 'c360-fair-'));
  const bench = await startBenchSystem('ours', {
    customers: options.customers,
    seed: SEED,
    devKeysDir,
    latency: REALISTIC_LATENCY,
    backendConcurrency: { odoo: options.odooBudget, salesforce: 32, servicedesk: 32 },
    demandControl: demandControl(phase),
  });
  try {
    const { skeleton } = bench;
    const reseller = skeleton.resellers.map((r, index) => ({ r, n: skeleton.customers.filter((c) => c.resellerIndex === index).length, index })).sort((a, b) => b.n - a.n)[0]!;
    const partnerIds = skeleton.customers.filter((c) => c.resellerIndex === reseller.index).map((c) => c.accountId);
    // Agents look at direct customers, each a different one (cold records, as on a busy service desk).
    const agentIds = skeleton.customers.filter((c) => c.resellerIndex === null).map((c) => c.accountId);
    const agentTokens = await signTokens(Array.from({ length: 16 }, (_, k) => ({ role: 'support_agent' as const, sub: `agent-${k + 1}` })), devKeysDir);
    const [partnerToken] = await signTokens([{ role: 'partner', sub: 'partner-integration', partnerId: reseller.r.accountId }], devKeysDir);
    const op = phase === 'alone' ? undefined : await mostExpensive(bench, partnerToken!, partnerIds[0]!);
    const outcome = await runLoad({
      url: bench.url,
      agents: { tokens: agentTokens, query: CUSTOMER_360, ids: agentIds, perSecond: options.rate },
      flood: op ? { token: partnerToken!, documentId: op.documentId, ids: partnerIds.slice(1), variables: op.variables, connections: options.connections } : undefined,
      warmupMs: options.warmup * 1000,
      durationMs: options.seconds * 1000,
    });
    const odoo = (await bench.backends.stats()).odoo;
    return {
      phase,
      p50: percentile(outcome.agentMs, 50),
      p99: percentile(outcome.agentMs, 99),
      views: outcome.agentMs.length,
      agentFailures: outcome.agentFailures,
      flood: outcome.flood,
      odooPeak: odoo.peakInFlight,
      odooCalls: odoo.calls,
      op: op ? `${op.name}(${JSON.stringify(op.variables)}), estimated ${op.estimate}` : undefined,
    };
  } finally {
    await bench.close();
    rmSync(devKeysDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  setRootLogger(createLogger({ level: 'silent' }));
  console.log(`fairness: ${options.rate} customer-360 views/s by 16 support agents, ${options.warmup} s warm-up + ${options.seconds} s measured, ${options.customers} customers, Odoo budget ${options.odooBudget}, flood on ${options.connections} connections`);
  const results: PhaseResult[] = [];
  for (const phase of PHASES) {
    const r = await runPhase(phase, options);
    results.push(r);
    const floodTotal = Object.values(r.flood).reduce((a, b) => a + b, 0);
    console.log(`  ${phase}: agents p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms (${r.views} views, ${r.agentFailures} failed); Odoo peak in flight ${r.odooPeak} (budget ${options.odooBudget}), ${r.odooCalls} Odoo calls`);
    if (r.op) console.log(`    partner: ${r.op}; ${floodTotal} requests (${(floodTotal / options.seconds).toFixed(1)}/s): ${JSON.stringify(r.flood)}`);
  }
  const alone = results[0]!.p99;
  for (const r of results.slice(1)) console.log(`p99 ${r.phase} / alone: ${(r.p99 / alone).toFixed(2)} (target <= 1.5)${r.odooPeak > options.odooBudget ? `; ODOO OVER BUDGET (${r.odooPeak})` : ''}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
