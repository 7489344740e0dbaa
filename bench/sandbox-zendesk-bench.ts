/**
 * By-id read throughput of the Zendesk sandbox: GET /api/v2/tickets/{id}.json over keep-alive
 * connections, no injected latency. Target: at least 2,000 reads/s.
 *
 * Run: npx tsx bench/sandbox-zendesk-bench.ts [--customers 10000] [--duration 10] [--connections 32]
 */
import { autocannon } from './autocannon.js';
import { pathToFileURL } from 'node:url';
import { createZendeskSandbox, FIRST_TICKET_ID, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_TOKEN } from '../sandbox/zendesk/index.js';

/** Settings of the benchmark. */
export interface ZendeskSandboxBenchOptions {
  customers?: number;
  durationSeconds?: number;
  connections?: number;
}

/** What one run measured. */
export interface ZendeskSandboxBenchResult {
  name: 'sandbox-zendesk-by-id';
  customers: number;
  tickets: number;
  connections: number;
  durationSeconds: number;
  requestsPerSecond: number;
  non2xx: number;
  errors: number;
  target: number;
  passed: boolean;
}

/** Runs the benchmark against a fresh in-process sandbox. */
export async function runZendeskSandboxBench(options: ZendeskSandboxBenchOptions = {}): Promise<ZendeskSandboxBenchResult> {
  const customers = options.customers ?? 10_000;
  const durationSeconds = options.durationSeconds ?? 10;
  const connections = options.connections ?? 32;
  const sandbox = createZendeskSandbox({ customers });
  const running = await sandbox.listen(0);
  const tickets = sandbox.world.tickets.size;
  const authorization = `Basic ${Buffer.from(`${ZENDESK_SANDBOX_EMAIL}/token:${ZENDESK_SANDBOX_TOKEN}`).toString('base64')}`;
  let n = 0;
  try {
    const result = await autocannon({
      url: running.url,
      connections,
      duration: durationSeconds,
      headers: { authorization, accept: 'application/json' },
      requests: [
        {
          method: 'GET',
          // Spread reads over the whole ticket range so the bench does not measure one hot record.
          setupRequest: (req) => ({ ...req, path: `/api/v2/tickets/${FIRST_TICKET_ID + ((n++ * 7919) % tickets)}.json` }),
        },
      ],
    });
    const requestsPerSecond = Math.round(result.requests.average);
    const target = 2000;
    return {
      name: 'sandbox-zendesk-by-id',
      customers,
      tickets,
      connections,
      durationSeconds,
      requestsPerSecond,
      non2xx: result.non2xx,
      errors: result.errors,
      target,
      passed: requestsPerSecond >= target && result.non2xx === 0 && result.errors === 0,
    };
  } finally {
    await running.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const result = await runZendeskSandboxBench({ customers: arg('customers'), durationSeconds: arg('duration'), connections: arg('connections') });
  console.log(JSON.stringify(result, null, 2));
  process.exitCode = result.passed ? 0 : 1;
}
