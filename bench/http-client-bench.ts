/**
 * What one HTTP exchange costs the caller's CPU: Node's fetch against the connectors' client
 * (`subgraphs/shared/http/client.ts`, undici's `request`), on a JSON-RPC-sized request and answer
 * over keep-alive connections to a server in another process.
 *
 *   npx tsx bench/http-client-bench.ts [requests]   (default 8000, 8 in flight)
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient } from '../platform/http/client.js';

if (process.argv[2] === '--serve') {
  const answer = JSON.stringify({ jsonrpc: '2.0', id: 1, result: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `S${String(i).padStart(5, '0')}`, amount_total: i * 3.5, state: 'sale' })) });
  const server = createServer((req, res) => {
    req.resume().on('end', () => res.setHeader('content-type', 'application/json').end(answer));
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as AddressInfo).port));
  process.on('disconnect', () => process.exit(0));
} else {
  const requests = Number(process.argv[2] ?? 8000);
  if (!Number.isSafeInteger(requests) || requests <= 0) {
    console.error('usage: npx tsx bench/http-client-bench.ts [requests]');
    process.exit(2);
  }
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  const url = `http://127.0.0.1:${port}/jsonrpc`;
  const body = JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: ['db', 2, 'key', 'sale.order', 'search_read', [[['partner_id', '=', 5]]], { fields: ['name'] }] }, id: 1 });
  const headers = { 'content-type': 'application/json' };
  const client = createHttpClient();
  const contenders: Record<string, () => Promise<unknown>> = {
    fetch: async () => (await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) })).json(),
    'http client': async () => JSON.parse((await client(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) })).body),
  };
  // The first round warms up connections and the JIT; the second is measured.
  for (const round of [0, 1]) {
    for (const [name, call] of Object.entries(contenders)) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      let sent = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (sent++ < requests) await call();
      }));
      const used = process.cpuUsage(cpu);
      const seconds = (performance.now() - started) / 1000;
      if (round === 1) console.log(`${name.padEnd(12)} ${(((used.user + used.system) / requests)).toFixed(0).padStart(5)} µs CPU per request, ${(requests / seconds).toFixed(0)} requests/s`);
    }
  }
  await client.close();
  child.disconnect();
}
