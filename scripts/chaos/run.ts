/**
 * The chaos run: the whole system over its sandboxes and one Redis, the orders subgraph in its own
 * process (killed with SIGKILL mid-run and restarted), a fault schedule on every sandbox, a pool
 * of clients sending keyed writes of all six mutations with retries, then, once the faults have
 * stopped and the settle time passed, reconciliation against the backends' own data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readAuditLog } from '../../platform/audit/audit-log.js';
import { createLogger, setRootLogger } from '../../platform/logging/index.js';
import { freePort, startRedisServer } from '../../platform/testing/redis-server.js';
import { signDevToken } from '../../gateway/src/auth/dev-keys.js';
import type { Role } from '../../platform/authz/roles.js';
import { loadSettings, type SystemSettings } from '../config.js';
import { startSystem } from '../system.js';
import { odooCall, zendeskGet } from '../../test/support/backends.js';
import { seededRandom, startFaultSchedule } from './faults.js';
import { makeWrite, runWrite, type LogicalWrite, type Pools, type Sender } from './workload.js';
import { draftsWithMarker, verifyWrites } from './verify.js';
import { summarize, type ChaosReport } from './report.js';

/** How big and how long a run is. */
export interface ChaosOptions {
  writes: number;
  clients: number;
  /** Seconds to wait after the faults stop before checking the backends. */
  settleSeconds: number;
  /** The reconciler's bound in the run, in ms. */
  boundMs: number;
  /** Kill the orders subgraph's process mid-run (and restart it). */
  kill: boolean;
  maxAttempts: number;
  seed: number;
  customers: number;
  log(line: string): void;
}

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `npm run subgraph -- orders` as a child process; resolves with it once it printed its URL. */
function startOrdersProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/subgraph.ts', 'orders'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the orders subgraph did not start within 60 s')), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/http:\/\/\S+\/graphql/.test(out)) {
        clearTimeout(timer);
        resolvePromise(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`the orders subgraph exited with ${code}`)));
  });
}

/** Runs the chaos scenario and reports what the backends hold against what the clients were told. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  // The run prints its own figures; the components' request lines would drown them.
  setRootLogger(createLogger({ level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'warn') }));
  const random = seededRandom(options.seed);
  const runId = `${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'c360-chaos-'));
  const redis = await startRedisServer();
  const [odooPort, salesforcePort, zendeskPort, ordersPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const auditLogPath = join(dir, 'audit.jsonl');
  const principalSecret = randomBytes(32).toString('hex');
  const unlimited = Object.fromEntries(['support_agent', 'sales_rep', 'finance', 'partner', 'admin'].map((r) => [r, { perSecond: 100_000, burst: 100_000 }]));
  const base = loadSettings({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' });
  const settings: SystemSettings = {
    ...base,
    ports: { gateway: 0, accounts: 0, orders: ordersPort, stock: 0, invoices: 0, cases: 0, odooSandbox: odooPort, salesforceSandbox: salesforcePort, zendeskSandbox: zendeskPort, changes: 0 },
    feeds: { ...base.feeds, odoo: false, salesforce: false, zendesk: false },
    redisUrl: redis.url,
    auditLogPath,
    writeProgressPath: join(dir, 'progress.jsonl'),
    writeReconcileBoundMs: options.boundMs,
    principalSecret,
    sandboxCustomers: options.customers,
    trustedDocuments: 'off',
    rateLimits: unlimited,
    costLimits: Object.fromEntries(Object.keys(unlimited).map((r) => [r, { budget: 1e9 }])),
  };
  const childEnv = {
    PORT: String(ordersPort), ODOO_SANDBOX_PORT: String(odooPort), SALESFORCE_SANDBOX_PORT: String(salesforcePort), ZENDESK_SANDBOX_PORT: String(zendeskPort),
    REDIS_URL: redis.url, AUDIT_LOG_PATH: auditLogPath, WRITE_PROGRESS_PATH: join(dir, 'child-progress.jsonl'), WRITE_RECONCILE_BOUND_MS: String(options.boundMs),
    PRINCIPAL_SECRET: principalSecret, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', SANDBOX_CUSTOMERS: String(options.customers),
  };
  const system = await startSystem({ settings, devKeysDir: join(dir, 'keys'), externalSubgraphs: { orders: `http://${settings.host}:${ordersPort}/graphql` } });
  let child = await startOrdersProcess(childEnv);
  const tokens = new Map<Role, Promise<string>>();
  const token = (role: Role) => tokens.get(role) ?? (tokens.set(role, signDevToken({ role, sub: `chaos-${role}` }, { dir: join(dir, 'keys') })), tokens.get(role)!);
  const post = async (role: Role, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await fetch(system.gatewayUrl!, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(role)}`, ...headers }, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(20_000) });
    return (await res.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string; reason?: string } }> };
  };
  const sender: Sender = {
    send: (w, query, variables, requestId, withKey) => post(w.role, query, variables, { 'x-request-id': requestId, ...(withKey && w.headerKey ? { 'idempotency-key': w.key } : {}) }),
  };
  try {
    const odooUrl = system.sandboxes.odoo!.url;
    const direct = system.skeleton!.customers.filter((c) => c.hasErpPartner && !c.onSalesBlock && c.resellerIndex === null).map((c) => c.accountId);
    const perMutation = Math.ceil(options.writes / 6) + 1;
    const skus = (await odooCall<Array<{ default_code: string }>>(odooUrl, 'product.product', 'search_read', [[['default_code', '!=', false], ['type', '=', 'product']]], { fields: ['default_code'], limit: 40 })).map((p) => p.default_code);
    const ticketPage = await zendeskGet<{ tickets: Array<{ id: number; status: string }> }>(system.sandboxes.zendesk!.url, '/api/v2/tickets.json?page[size]=100');
    const pools: Pools = {
      orderCustomers: direct.slice(0, 100),
      holdCustomers: direct.slice(100, 100 + perMutation),
      profileCustomers: direct.slice(100 + perMutation, 100 + 2 * perMutation),
      skus,
      ordersToCancel: [],
      tickets: ticketPage.tickets.filter((t) => ['new', 'open', 'pending'].includes(t.status)).map((t) => String(t.id)),
    };
    if (pools.profileCustomers.length < perMutation) throw new Error(`too few customers for ${options.writes} writes: raise --customers`);
    // The orders the cancellations target, placed before the faults.
    for (let i = 0; i < perMutation; i += 8) {
      const placed = await Promise.all(Array.from({ length: Math.min(8, perMutation - i) }, (_, j) =>
        post('sales_rep', `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`, { input: { customerId: pools.orderCustomers[(i + j) % 100], lines: [{ sku: skus[(i + j) % skus.length], quantity: 1 }] } })));
      pools.ordersToCancel.push(...placed.flatMap((a) => (a.data?.placeOrder?.id ? [a.data.placeOrder.id as string] : [])));
    }
    options.log(`set up: ${pools.ordersToCancel.length} orders to cancel, ${pools.tickets.length} tickets; faults start`);

    const started = Date.now();
    const schedule = startFaultSchedule({ odoo: system.sandboxes.odoo!, salesforce: system.sandboxes.salesforce!, zendesk: system.sandboxes.zendesk! }, random);
    const writes: LogicalWrite[] = [];
    let next = 0;
    let killedAt: number | undefined;
    const killAndRestart = async () => {
      options.log(`kill -9 of the orders subgraph (pid ${child.pid}) after ${writes.length} writes`);
      killedAt = Date.now();
      child.kill('SIGKILL');
      await sleep(1000);
      child = await startOrdersProcess(childEnv);
      options.log('orders subgraph restarted');
    };
    let restart: Promise<void> | undefined;
    await Promise.all(Array.from({ length: options.clients }, async () => {
      while (next < options.writes) {
        const write = makeWrite(next++, pools, random, runId);
        writes.push(write);
        if (options.kill && !restart && writes.length >= options.writes / 2) {
          restart = killAndRestart();
        }
        await runWrite(write, sender, options.maxAttempts, random);
      }
    }));
    await restart;
    schedule.stop();
    const faultSeconds = (Date.now() - started) / 1000;
    options.log(`writes done in ${faultSeconds.toFixed(0)} s (${schedule.changes} fault changes); faults off, settling ${options.settleSeconds} s`);
    await sleep(options.settleSeconds * 1000);

    const landed = await verifyWrites(writes, { odoo: odooUrl, salesforce: system.sandboxes.salesforce!.url, zendesk: system.sandboxes.zendesk!.url }, (w) => `chaos-${w.role}`);
    const drafts = await draftsWithMarker(odooUrl);
    // Every write that landed, replayed with its key while every backend is down.
    for (const s of Object.values(system.sandboxes)) s?.setFaults({ down: true });
    const replayFailures = new Map<LogicalWrite, string>();
    for (const w of writes.filter((x) => (landed.get(x)?.copies ?? 0) > 0)) {
      const answer = await sender.send(w, w.query, w.variables, `${w.key}-replay`, true).catch(() => null);
      if (!answer || answer.errors?.length) replayFailures.set(w, answer ? (answer.errors?.[0]?.extensions?.code ?? 'error without code') : 'no answer');
    }
    for (const s of Object.values(system.sandboxes)) s?.setFaults({});
    const audit = await readAuditLog(auditLogPath);
    return summarize({ writes, landed, drafts, audit, replayFailures, faultSeconds, faultChanges: schedule.changes, killedAt, settleSeconds: options.settleSeconds });
  } finally {
    child.kill('SIGTERM');
    await system.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
