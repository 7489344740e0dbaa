/**
 * Speed of the Odoo sandbox: by-id reads per second over JSON-RPC `execute_kw` `read`, with
 * keep-alive connections (autocannon), against a sandbox started in this process, no latency.
 * Run: `npx tsx bench/sandbox-odoo-bench.ts [--customers 10000] [--seconds 10] [--connections 10]`.
 */
import { autocannon, numberArg as arg } from './autocannon.js';
import { createOdooSandbox, ODOO_DB, ODOO_PASSWORD, ODOO_UID } from '../sandbox/odoo/index.js';

const customers = arg('customers', 10_000);
const seconds = arg('seconds', 10);
const connections = arg('connections', 10);

const t0 = performance.now();
const sandbox = createOdooSandbox({ customers });
const buildMs = performance.now() - t0;
const running = await sandbox.listen(0);
const orderCount = sandbox.orm.count('sale.order');

// Each request reads 1 to 5 orders by id with the fields an order view needs.
const requests = Array.from({ length: 200 }, (_, k) => {
  const ids = Array.from({ length: 1 + (k % 5) }, (_x, j) => 1 + ((k * 7919 + j * 104_729) % orderCount));
  return {
    method: 'POST' as const,
    path: '/jsonrpc',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      method: 'call',
      id: k,
      params: {
        service: 'object',
        method: 'execute_kw',
        args: [ODOO_DB, ODOO_UID, ODOO_PASSWORD, 'sale.order', 'read', [ids], { fields: ['name', 'partner_id', 'state', 'date_order', 'amount_total', 'delivery_status'] }],
      },
    }),
  };
});

const result = await autocannon({ url: running.url, connections, duration: seconds, pipelining: 1, requests });
const stats = running.stats();
await running.close();

const perSecond = result.requests.average;
console.log(`odoo sandbox: ${customers} customers, ${orderCount} orders, built in ${(buildMs / 1000).toFixed(1)} s`);
console.log(`JSON-RPC execute_kw read by id: ${Math.round(perSecond)} req/s (p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${connections} connections, ${seconds} s)`);
console.log(`non-2xx: ${result.non2xx}, errors: ${result.errors}, calls counted: ${stats.calls}, records returned: ${stats.records}`);
console.log(perSecond >= 2000 ? 'target >= 2000 req/s: met' : 'target >= 2000 req/s: NOT met');
