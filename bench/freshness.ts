/**
 * `npx tsx bench/freshness.ts [--seconds 60] [--long] [--gateways ours,ours-ttl,apollo,hive]`:
 * freshness beside backend calls. Each gateway gets a fresh system (sandboxes with realistic
 * latency, the five subgraphs) while the sandboxes apply a steady stream of out-of-band changes
 * (credit holds, order states and stock in Odoo, account phones in Salesforce, ticket statuses in
 * Zendesk). Clients poll the customer view; every answer is checked against the sandboxes' change
 * history (bench/staleness.ts). `ours` runs with the change feeds, `ours-ttl` without them (TTLs
 * only); the peers cache as in `npm run bench`. Writes bench/results/freshness-latest.json.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, type SystemSettings } from '../scripts/config.js';
import { startSystem } from '../scripts/system.js';
import { signDevToken } from '../gateway/src/auth/dev-keys.js';
import { supergraphForApolloGateway } from '../gateway/src/auth/supergraph-for-gateway.js';
import { startApolloPeer, startHivePeer, withSubgraphUrls, type RunningPeer } from './peers.js';
import { PEER_PRINCIPAL, REALISTIC_LATENCY } from './systems.js';
import { changesSince, freshnessOf, setChangeStream, type CheckedAnswer, type SandboxUrls } from './change-stream.js';
import { logToBenchFile } from './log-file.js';
import { summarizeResponse } from './summarize.js';

const GATEWAYS = ['ours', 'ours-ttl', 'apollo', 'hive', 'hive-rust'] as const;
type Gateway = (typeof GATEWAYS)[number];

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const long = args.includes('--long');
const seconds = Number(arg('seconds') ?? (long ? 300 : 60));
const warmupSeconds = Number(arg('warmup') ?? 10);
const customers = Number(arg('customers') ?? 40);
const clients = Number(arg('clients') ?? 8);
const changesPerSecond = Number(arg('rate') ?? 2);
const gateways = (arg('gateways') ?? GATEWAYS.join(',')).split(',') as Gateway[];
for (const g of gateways) if (!GATEWAYS.includes(g)) throw new Error(`unknown gateway ${g}; known: ${GATEWAYS.join(', ')}`);

const QUERY = `query($id: ID!) { customer(id: $id) { id phone billing { onHold } orders(first: 20) { edges { node { id status } } } cases(first: 20) { edges { node { id status } } } } }`;

function settingsFor(gateway: Gateway): SystemSettings {
  const base = loadSettings({});
  const ports = Object.fromEntries(Object.keys(base.ports).map((k) => [k, 0])) as SystemSettings['ports'];
  const on = gateway === 'ours';
  const budgets = Object.fromEntries(['support_agent', 'sales_rep', 'finance', 'partner', 'admin'].map((r) => [r, { budget: 100_000_000 }]));
  return { ...base, ports, trustedDocuments: 'off', costLimits: budgets, auditLogPath: join(tmpdir(), `c360-fresh-${process.pid}.jsonl`), feeds: { ...base.feeds, odoo: on, salesforce: on, zendesk: on } };
}

async function runOne(gateway: Gateway, devKeysDir: string) {
  const ours = gateway === 'ours' || gateway === 'ours-ttl';
  const system = await startSystem({
    settings: settingsFor(gateway),
    world: { customers },
    sandboxFaults: REALISTIC_LATENCY,
    recordCache: ours,
    gateway: ours,
    rateLimits: false,
    devKeysDir,
    allowUnsignedForBenchmarks: ours ? undefined : PEER_PRINCIPAL,
    feeds: gateway === 'ours',
  });
  let peer: RunningPeer | undefined;
  try {
    const urls = Object.fromEntries(Object.entries(system.subgraphs).map(([n, s]) => [n, s.url]));
    if (!ours) {
      const sdl = withSubgraphUrls(supergraphForApolloGateway(system.supergraphSdl), urls);
      peer = gateway === 'apollo' ? await startApolloPeer(sdl) : await startHivePeer(sdl, { rustPlanner: gateway === 'hive-rust' });
    }
    const url = peer?.url ?? system.gatewayUrl!;
    const token = await signDevToken({ role: 'admin', sub: 'freshness-bench' }, { dir: devKeysDir });
    const skeleton = system.skeleton!;
    const sandboxUrls: SandboxUrls = { odoo: system.sandboxes.odoo!.url, salesforce: system.sandboxes.salesforce!.url, zendesk: system.sandboxes.zendesk!.url };
    const ids = skeleton.customers.map((c) => c.accountId);
    const startedAt = new Date().toISOString();
    await setChangeStream(sandboxUrls, changesPerSecond);
    const answers: CheckedAnswer[] = [];
    let errors = 0;
    let measuring = false;
    const stopAt = Date.now() + (warmupSeconds + seconds) * 1000;
    const measureFrom = Date.now() + warmupSeconds * 1000;
    let before: Record<string, number> = {};
    const calls = () => Promise.all((['odoo', 'salesforce', 'zendesk'] as const).map(async (b) => [b, system.sandboxes[b]!.stats().calls] as const)).then(Object.fromEntries);
    const client = async (n: number) => {
      let i = n;
      while (Date.now() < stopAt) {
        if (!measuring && Date.now() >= measureFrom) {
          measuring = true;
          before = await calls();
        }
        const id = ids[(i = (i * 7 + 13) % ids.length)]!;
        const sentAt = Date.now();
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: QUERY, variables: { id } }) }).catch(() => undefined);
        const body: unknown = res ? await res.json().catch(() => ({})) : {};
        const receivedAt = Date.now();
        // The values the answer shows, read as the bench's load worker reads them.
        const summary = summarizeResponse(body, null, { shown: true });
        if (!summary.customer || summary.errorCodes.length > 0) {
          errors++;
          continue;
        }
        if (!measuring) continue;
        answers.push({ sentAt, receivedAt, accountId: id, shown: summary.shown });
      }
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: clients }, (_, n) => client(n)));
    const elapsed = (Date.now() - t0) / 1000 - warmupSeconds;
    const after = await calls();
    await setChangeStream(sandboxUrls, 0);
    const freshness = freshnessOf(await changesSince(sandboxUrls, startedAt), changesPerSecond, answers, skeleton);
    const backendCalls = Object.fromEntries(Object.keys(after).map((b) => [b, after[b]! - (before[b] ?? 0)]));
    return {
      gateway,
      errors,
      throughput: answers.length / elapsed,
      backendCalls,
      odooCallsPer1000: (backendCalls.odoo! / Math.max(1, answers.length)) * 1000,
      ...freshness,
      feeds: system.feeds?.status(),
    };
  } finally {
    await peer?.close().catch(() => {});
    await system.close();
  }
}

async function main() {
  const devKeysDir = mkdtempSync(join(tmpdir(), 'c360-fresh-keys-'));
  const logFile = logToBenchFile(new Date());
  console.log(`freshness: ${warmupSeconds} s warm-up + ${seconds} s per gateway, ${clients} clients, ${customers} customers, ${changesPerSecond} out-of-band changes/s; log lines in ${logFile}`);
  const results = [];
  for (const g of gateways) {
    const r = await runOne(g, devKeysDir);
    results.push(r);
    console.log(
      `${g.padEnd(9)} ${r.throughput.toFixed(1).padStart(7)} req/s  ${r.answers} answers, ${r.errors} errors  odoo ${r.backendCalls.odoo} calls (${r.odooCallsPer1000.toFixed(0)}/1000 q), salesforce ${r.backendCalls.salesforce}, zendesk ${r.backendCalls.zendesk}  ` +
        `stale ${(r.staleShare * 100).toFixed(2)}% (${r.stale})  staleness p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms max ${r.maxMs} ms`,
    );
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/freshness-latest.json', import.meta.url), JSON.stringify({ at: new Date().toISOString(), seconds, warmupSeconds, clients, customers, changesPerSecond, results }, null, 2));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
