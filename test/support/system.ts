import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, type SystemSettings } from '../../scripts/config.js';
import { startSystem, type RunningSystem, type StartSystemOptions } from '../../scripts/system.js';
import { signDevToken } from '../../gateway/src/auth/dev-keys.js';
import type { Role } from '../../platform/authz/roles.js';
import type { SandboxStats } from '../../sandbox/common/server.js';

/** A GraphQL answer. */
export interface GraphQLAnswer<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, any> }>;
  extensions?: Record<string, any>;
  headers: Headers;
}

export type Backend = 'odoo' | 'salesforce' | 'zendesk';

/** A running system for tests, every server on a port the OS picks. */
export interface TestSystem extends RunningSystem {
  gatewayUrl: string;
  /** Where the development keys of its tokens live (for another gateway over the same subgraphs). */
  devKeysDir: string;
  /** A development token for a role (and reseller). */
  token(role: Role, partnerId?: string, sub?: string): Promise<string>;
  /** Sends a GraphQL request to the gateway. */
  query<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, auth?: { role: Role; partnerId?: string } | { token: string } | null, headers?: Record<string, string>): Promise<GraphQLAnswer<T>>;
  /** Counters of a sandbox. */
  stats(backend: Backend): Promise<SandboxStats>;
  /** Snapshots the counters of every sandbox; `delta()` later gives the calls made since, by backend and operation. */
  snapshot(): Promise<{ delta(): Promise<Record<Backend, Record<string, number>>> }>;
  /** Restores the seeded data and zeroes the counters of every sandbox. */
  resetSandboxes(): Promise<void>;
}

/** Settings with every port 0. */
export function testSettings(overrides: Partial<SystemSettings> = {}): SystemSettings {
  const base = loadSettings({});
  const ports = Object.fromEntries(Object.keys(base.ports).map((k) => [k, 0])) as SystemSettings['ports'];
  // Free text and no practical rate limit for every role: the tests probe the layers below trusted
  // documents and rate limits (which have tests of their own).
  const unlimited = Object.fromEntries(['support_agent', 'sales_rep', 'finance', 'partner', 'admin'].map((role) => [role, { perSecond: 100_000, burst: 100_000 }]));
  // Budgets no test run spends: the per-operation cost limits stay the defaults.
  const budgets = Object.fromEntries(Object.keys(unlimited).map((role) => [role, { budget: 100_000_000 }]));
  // The change feeds are off unless a test turns them on (test/feeds): the other tests measure TTL behaviour.
  const feeds = { ...base.feeds, odoo: false, salesforce: false, zendesk: false };
  return { ...base, ports, feeds, auditLogPath: join(tmpdir(), `c360-audit-${process.pid}-${Date.now()}.jsonl`), writeProgressPath: join(tmpdir(), `c360-progress-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.jsonl`), trustedDocuments: 'off', rateLimits: unlimited, costLimits: budgets, ...overrides };
}

/** Starts the whole system for a test file. Close it in afterAll. */
export async function startTestSystem(options: Partial<StartSystemOptions> = {}): Promise<TestSystem> {
  const ownKeys = options.devKeysDir === undefined;
  const devKeysDir = options.devKeysDir ?? mkdtempSync(join(tmpdir(), 'c360-keys-'));
  const system = await startSystem({ settings: testSettings(), ...options, devKeysDir });
  const tokens = new Map<string, Promise<string>>();
  const token = (role: Role, partnerId?: string, sub?: string) => {
    const key = `${role}|${partnerId ?? ''}|${sub ?? ''}`;
    if (!tokens.has(key)) tokens.set(key, signDevToken({ role, partnerId, sub }, { dir: devKeysDir }));
    return tokens.get(key)!;
  };
  const sandboxUrl = (backend: Backend) => {
    const sandbox = system.sandboxes[backend];
    if (!sandbox) throw new Error(`${backend} runs no sandbox`);
    return sandbox.url;
  };
  return {
    ...system,
    gatewayUrl: system.gatewayUrl!,
    devKeysDir,
    token,
    async query(query, variables = {}, auth = { role: 'admin' }, headers = {}) {
      const bearer = auth === null ? undefined : 'token' in auth ? auth.token : await token(auth.role, auth.partnerId);
      const res = await fetch(system.gatewayUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as Omit<GraphQLAnswer, 'status' | 'headers'>;
      return { ...body, status: res.status, headers: res.headers } as GraphQLAnswer<any>;
    },
    async stats(backend) {
      return (await (await fetch(`${sandboxUrl(backend)}/__sandbox/stats`)).json()) as SandboxStats;
    },
    async snapshot() {
      const backends = ['odoo', 'salesforce', 'zendesk'] as const;
      const read = () => Promise.all(backends.map((b) => fetch(`${sandboxUrl(b)}/__sandbox/stats`).then((r) => r.json() as Promise<SandboxStats>)));
      const before = await read();
      return {
        async delta() {
          const after = await read();
          return Object.fromEntries(backends.map((b, i) => [b, statsDelta(before[i]!, after[i]!)])) as Record<Backend, Record<string, number>>;
        },
      };
    },
    async resetSandboxes() {
      await Promise.all((['odoo', 'salesforce', 'zendesk'] as const).map((b) => fetch(`${sandboxUrl(b)}/__sandbox/reset`, { method: 'POST' })));
    },
    async close(closeOptions) {
      await system.close(closeOptions);
      if (ownKeys) rmSync(devKeysDir, { recursive: true, force: true });
    },
  };
}

/** The difference of two stats snapshots, by operation (zero entries dropped). */
export function statsDelta(before: SandboxStats, after: SandboxStats): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [op, n] of Object.entries(after.byOperation)) {
    const d = n - (before.byOperation[op] ?? 0);
    if (d !== 0) delta[op] = d;
  }
  return delta;
}

/** Sandbox operations that change records (Odoo writes and actions, Salesforce and Zendesk creates, updates and deletes). */
const WRITE_OPERATION = /\.(create|write|unlink|update|upsert|delete|action_\w+|composite_(create|update|delete|upsert))$/;

/** The write operations of a `snapshot().delta()`, by backend, sorted. */
export function writesOf(delta: Record<Backend, Record<string, number>>): Record<Backend, string[]> {
  return Object.fromEntries(Object.entries(delta).map(([backend, ops]) => [backend, Object.keys(ops).filter((op) => WRITE_OPERATION.test(op)).sort()])) as Record<Backend, string[]>;
}
