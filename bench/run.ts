/**
 * `npm run bench`: the same workloads against our gateway, plain @apollo/gateway and Hive Gateway,
 * each on a fresh system (sandboxes with realistic latency, the five subgraphs). Prints progress,
 * a table and the acceptance ratios; writes bench/results/<timestamp>.json and latest.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../sandbox/common/rng.js';
import { buildSkeleton } from '../sandbox/world/skeleton.js';
import { runIdentical, runUncached, runWorkload, signTokens, type IdenticalResult, type RunContext, type RunResult, type UncachedResult } from './measure.js';
import { logToBenchFile } from './log-file.js';
import { parseOptions } from './options.js';
import { acceptance, formatAcceptance, formatIdentical, formatTable, formatUncached } from './report.js';
import { startRedisServer, type TestRedisServer } from '../platform/testing/redis-server.js';
import { GATEWAY_LABELS, REALISTIC_LATENCY, ourGatewayFeatures } from './systems.js';
import { buildWorkload, type TokenSpec } from './workloads.js';
import { shuffled } from './zipf.js';

/** The checkout's commit (and whether the tree had changes), for the results; undefined outside git. */
function commitOf(): string | undefined {
  try {
    const cwd = new URL('..', import.meta.url).pathname;
    const head = execFileSync('git', ['log', '-1', '--format=%h'], { cwd, encoding: 'utf8' }).trim();
    // Results of earlier runs are not code: they do not make the checkout dirty.
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results'], { cwd, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return undefined;
  }
}

/** Seed of the sandbox world (the one `npm start` uses); the workload seed is separate. */
const WORLD_SEED = 42;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => console.log(line);
  const started = new Date();
  // Taken at the start: the checkout may move while the benchmark runs.
  const commit = commitOf();
  const devKeysDir = mkdtempSync(join(tmpdir(), 'c360-bench-keys-'));
  // The gateway under test (this process) and the backends write their log lines (one per request
  // at LOG_LEVEL=info) to a file: stdout is the report.
  const logFile = logToBenchFile(started);
  // With a change stream, the feeds (in the backends process) reach our gateway's caches over Redis pub/sub, as in a deployment.
  const redis: TestRedisServer | undefined = options.changes > 0 ? await startRedisServer() : undefined;
  // An interrupted run takes its Redis with it (the backends process ends with its stdin).
  if (redis) for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void redis.stop().finally(() => process.exit(130)));
  const ctx: RunContext = { customers: options.customers, seed: WORLD_SEED, devKeysDir, seconds: options.seconds, warmupSeconds: options.warmupSeconds, concurrency: options.concurrency, changesPerSecond: options.changes, invalidationRedisUrl: redis?.url, log, logFile };
  const world = buildSkeleton({ customers: options.customers, seed: WORLD_SEED });

  log(`bench: ${options.quick ? 'QUICK ' : ''}${options.warmupSeconds > 0 ? `${options.warmupSeconds} s warm-up then ` : ''}${options.seconds} s measured per gateway x workload, ${options.concurrency} clients, ${options.customers} customers, seed ${options.seed}`);
  log(`       node ${process.version}, ${cpus().length} CPUs; processes: gateway under test (this one), backends (sandboxes + subgraphs, scripts/serve-backends.ts), load generator (bench/load-worker.ts)`);
  log(`       commit ${commit ?? 'unknown'}`);
  log(`       log lines of the gateway and the backends: ${logFile}`);
  log(`       backend latency: ${Object.entries(REALISTIC_LATENCY).map(([b, f]) => `${b} ${f.latencyMs}-${f.latencyMs! + f.jitterMs!} ms`).join(', ')}`);
  const known = ourGatewayFeatures();
  const load = loadavg()[0]!;
  if (load > 1) log(`       WARNING: load average ${load.toFixed(1)} on ${cpus().length} CPUs before the start: other work on this machine lowers and skews throughput`);
  if (options.changes > 0) {
    log(`       out-of-band changes: ${options.changes}/s during every run (credit holds, order states, stock, account phones, ticket statuses); every measured answer checked against them`);
    log(`       (a) ours with the change feeds (evictions over Redis ${redis!.url}), (a-ttl) ours without them; the peers cache as always`);
  }
  log(`       our gateway: record cache on, permissions on; response cache ${known.responseCache ? 'on' : 'NOT YET an option of startSystem'}, dedup ${known.dedup ? 'on' : 'NOT YET an option of startSystem'}`);

  const signed = new Map<string, Promise<string>>();
  const tokensFor = (specs: readonly TokenSpec[]) =>
    Promise.all(
      specs.map((s) => {
        const key = `${s.role}|${s.sub}|${s.partnerId ?? ''}`;
        if (!signed.has(key)) signed.set(key, signTokens([s], devKeysDir).then((t) => t[0]!));
        return signed.get(key)!;
      }),
    );

  const runs: RunResult[] = [];
  try {
    for (const name of options.workloads) {
      const workload = buildWorkload(name, world, { seed: options.seed, length: options.maxRequests, zipfS: options.zipfS, agents: options.agents });
      const tokens = await tokensFor(workload.tokens);
      log(`\n[${name}] ${workload.description}`);
      for (const gateway of options.gateways) {
        log(`  ${GATEWAY_LABELS[gateway]}: starting a fresh system ...`);
        const run = await runWorkload(gateway, workload, tokens, ctx);
        runs.push(run);
        log(
          `  ${GATEWAY_LABELS[gateway]}: ${run.warmup.seconds > 0 ? `warm-up ${run.warmup.requests} requests = ${run.warmup.throughput.toFixed(1)} req/s; measured ` : ''}${run.requests} requests in ${run.seconds.toFixed(1)} s = ${run.throughput.toFixed(1)} req/s, p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms, ${run.errors} errors; ` +
            `odoo ${run.backend.odoo.calls} calls (minimum ${run.minimum.calls}, ${Number.isNaN(run.odooVsMinimum) ? '-' : run.odooVsMinimum.toFixed(2)}x); ${run.staleResponses} stale, ` +
            `${run.dedupedFetches ?? '-'} deduped fetches; ${run.freshness ? `stale answers ${(run.freshness.staleShare * 100).toFixed(3)}% (${run.freshness.stale}) (p99 ${run.freshness.p99Ms} ms, ${run.freshness.changes} changes); ` : ''}CPU ms/request gateway ${run.cpuMsPerRequestByProcess.gateway.toFixed(1)}, backends ${run.cpuMsPerRequestByProcess.backends.toFixed(1)}, load ${run.cpuMsPerRequestByProcess.load.toFixed(1)}; load avg ${run.loadAverage.map((l) => l.toFixed(1)).join('->')}`,
        );
      }
    }

    const agent: TokenSpec = { role: 'support_agent', sub: 'agent-01' };
    const [agentToken] = await tokensFor([agent]);
    const identical: IdenticalResult[] = [];
    if (options.identical > 0) {
      log(`\n[identical] ${options.identical} identical concurrent customer-360 queries on a cold system`);
      for (const gateway of options.gateways.filter((g) => g !== 'ours-ttl')) {
        const r = await runIdentical(gateway, options.identical, agentToken!, ctx);
        identical.push(r);
        log(formatIdentical([r]));
      }
    }

    const uncached: UncachedResult[] = [];
    const coldGateways = options.gateways.filter((g) => g === 'ours' || g === 'apollo');
    if (options.uncachedQueries > 0 && coldGateways.length > 0) {
      const candidates = shuffled(world.customers.filter((c) => c.hasErpPartner && c.orders.length > 0).map((c) => c.accountId), createRng(options.seed).fork('cold'));
      log(`\n[uncached] median of ${options.uncachedQueries} single customer-360 queries, each on a customer not seen before (after one warm-up query)`);
      for (const gateway of coldGateways) {
        const r = await runUncached(gateway, candidates, options.uncachedQueries, agentToken!, ctx);
        uncached.push(r);
        log(formatUncached([r]));
      }
    }

    const accepted = acceptance(runs, uncached);
    log(`\n${formatTable(runs)}`);
    log('\nchecks per gateway:');
    for (const gateway of options.gateways) {
      const run = runs.find((r) => r.gateway === gateway);
      if (run) log(`  ${GATEWAY_LABELS[gateway].padEnd(11)} ${run.checks}; ${run.features.join(', ')}`);
    }
    if (identical.length > 0) log(`\n${options.identical} identical concurrent customer-360 queries (cold):\n${formatIdentical(identical)}`);
    if (uncached.length > 0) log(`\nuncached customer-360 latency:\n${formatUncached(uncached)}`);
    log(`\nacceptance (mixed workload):\n${formatAcceptance(accepted)}`);

    const dir = new URL('./results/', import.meta.url).pathname;
    mkdirSync(dir, { recursive: true });
    const report = {
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      options,
      environment: {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        worldSeed: WORLD_SEED,
        loadAverageAtStart: load,
        loadAverageAtEnd: loadavg()[0],
        commit,
        processes: 'gateway under test in the bench process; sandboxes + subgraphs in a child (scripts/serve-backends.ts); load generator in a child (bench/load-worker.ts)',
      },
      backendLatency: REALISTIC_LATENCY,
      runs,
      identical,
      uncached,
      acceptance: accepted,
    };
    const stamp = started.toISOString().replace(/[:.]/g, '-');
    const path = join(dir, `${stamp}${options.quick ? '-quick' : ''}.json`);
    const text = JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v), 2);
    writeFileSync(path, text);
    writeFileSync(join(dir, 'latest.json'), text);
    log(`\nresults: ${path} (and bench/results/latest.json)`);
  } finally {
    rmSync(devKeysDir, { recursive: true, force: true });
    await redis?.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof TypeError && err.message.includes('npm run bench') ? err.message : err);
    process.exit(1);
  },
);
