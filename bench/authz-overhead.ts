/**
 * What the authorization layers cost: customer-360 throughput for a customer with 30 orders with
 * every layer on (JWT verification, gateway operation filter, signed principal header, subgraph
 * graphql-shield permissions) against the same system with all of them off.
 *
 *   npx tsx bench/authz-overhead.ts [--seconds 10] [--rounds 4] [--connections 16]
 *
 * Both systems run in this process with the record cache on (warm) and the gateway's response
 * cache, fetch cache and dedup off, so that every request runs the whole plan through every
 * subgraph and every layer; the load comes from autocannon in a child process.
 * Rounds alternate on/off to spread the noise of a shared machine over both; the medians are compared.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDevToken } from '../gateway/src/auth/dev-keys.js';
import { loadSettings, type SystemSettings } from '../scripts/config.js';
import { startSystem, type RunningSystem } from '../scripts/system.js';
import { CUSTOMER_360 } from '../test/queries.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} must be a positive number`);
    process.exit(2);
  }
  return value;
}

const seconds = arg('seconds', 10);
const rounds = arg('rounds', 4);
const connections = arg('connections', 16);

interface Run {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** Runs autocannon in a child process against the gateway with one request body. */
function load(url: string, token: string, body: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join('node_modules', 'autocannon', 'autocannon.js'), '-j', '-c', String(connections), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-H', `authorization=Bearer ${token}`, '-b', body, url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const result = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number };
      resolve({ requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx });
    });
  });
}

async function main(): Promise<void> {
  const base = loadSettings({});
  const settings: SystemSettings = { ...base, ports: Object.fromEntries(Object.keys(base.ports).map((k) => [k, 0])) as SystemSettings['ports'], auditLogPath: join(tmpdir(), 'c360-bench-audit.jsonl') };
  const devKeysDir = mkdtempSync(join(tmpdir(), 'c360-bench-keys-'));
  console.log('starting two systems (authorization on / off)…');
  const systems: Record<'on' | 'off', RunningSystem> = {
    on: await startSystem({ settings, devKeysDir, responseCache: false, fetchCache: false, dedup: false }),
    off: await startSystem({ settings, devKeysDir, responseCache: false, fetchCache: false, dedup: false, authorization: false }),
  };
  const customerId = systems.on.skeleton!.examples.manyOrders;
  const token = await signDevToken({ role: 'admin' }, { dir: devKeysDir });
  const body = JSON.stringify({ query: CUSTOMER_360, variables: { id: customerId } });
  for (const [name, system] of Object.entries(systems)) {
    // Warm the record caches and check the answer is complete.
    const res = await fetch(system.gatewayUrl!, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
    const answer = (await res.json()) as { data?: { customer?: { orders?: { totalCount: number } } }; errors?: unknown[] };
    if (answer.errors || answer.data?.customer?.orders?.totalCount !== 30) throw new Error(`${name}: unexpected answer ${JSON.stringify(answer).slice(0, 300)}`);
  }
  const runs: Record<'on' | 'off', Run[]> = { on: [], off: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const name of (round % 2 === 1 ? ['on', 'off'] : ['off', 'on']) as Array<'on' | 'off'>) {
      process.stdout.write(`round ${round}/${rounds}: authorization ${name} for ${seconds} s… `);
      const run = await load(systems[name].gatewayUrl!, token, body);
      runs[name].push(run);
      console.log(`${run.requestsPerSecond.toFixed(1)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, errors ${run.errors + run.non2xx}`);
    }
  }
  // The median resists the odd round a shared machine spoils.
  const median = (xs: Run[]) => {
    const sorted = xs.map((r) => r.requestsPerSecond).sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const on = median(runs.on);
  const off = median(runs.off);
  const overhead = 1 - on / off;
  const summary = {
    bench: 'authorization overhead, customer-360 for a customer with 30 orders',
    date: new Date().toISOString(),
    seconds,
    rounds,
    connections,
    requestsPerSecond: { authorizationOn: Math.round(on * 10) / 10, authorizationOff: Math.round(off * 10) / 10 },
    throughputCost: `${(overhead * 100).toFixed(1)}%`,
    target: 'at most 10%',
    runs,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/authz-overhead.json', `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`\nauthorization on ${on.toFixed(1)} req/s vs off ${off.toFixed(1)} req/s: the layers cost ${(overhead * 100).toFixed(1)}% of throughput (target <= 10%)`);
  console.log('written to bench/results/authz-overhead.json');
  await systems.on.close();
  await systems.off.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
