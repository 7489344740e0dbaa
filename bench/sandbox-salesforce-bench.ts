/**
 * Salesforce sandbox throughput: by-id reads (`GET /sobjects/Account/<id>`) with a valid token,
 * keep-alive connections and no injected latency. Target: at least 2,000 reads per second.
 *
 *   npx tsx bench/sandbox-salesforce-bench.ts [--seconds 10] [--connections 20] [--customers 10000]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { autocannon, numberArg as arg } from './autocannon.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSalesforceSandbox, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET } from '../sandbox/salesforce/index.js';

const TARGET_PER_SECOND = 2000;

const seconds = arg('seconds', 10);
const connections = arg('connections', 20);
const customers = arg('customers', 10_000);

const sandbox = createSalesforceSandbox({ customers, dailyLimit: 100_000_000 });
const running = await sandbox.listen(0);
try {
  const tokenResponse = await fetch(`${running.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SALESFORCE_CLIENT_ID, client_secret: SALESFORCE_CLIENT_SECRET }),
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const ids = sandbox.world.skeleton.customers.map((c) => c.accountId);
  let next = 0;

  const result = await autocannon({
    url: running.url,
    connections,
    duration: seconds,
    pipelining: 1,
    headers: { authorization: `Bearer ${token}` },
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: `/services/data/v62.0/sobjects/Account/${ids[next++ % ids.length]}` }),
      },
    ],
  });

  const stats = running.stats();
  const summary = {
    bench: 'sandbox-salesforce by-id read',
    date: new Date().toISOString(),
    customers,
    connections,
    seconds,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    non2xx: result.non2xx,
    errors: result.errors,
    retrieveCalls: stats.byOperation['Account.retrieve'] ?? 0,
    target: TARGET_PER_SECOND,
    meetsTarget: result.requests.average >= TARGET_PER_SECOND && result.non2xx === 0,
  };
  console.table([{ 'reads/s': summary.requestsPerSecond, 'p50 ms': summary.latencyMs.p50, 'p99 ms': summary.latencyMs.p99, non2xx: summary.non2xx, errors: summary.errors, target: TARGET_PER_SECOND, ok: summary.meetsTarget }]);
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'sandbox-salesforce.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
  if (!summary.meetsTarget) process.exitCode = 1;
} finally {
  await running.close();
}
