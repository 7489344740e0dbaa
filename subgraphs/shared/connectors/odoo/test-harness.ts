/**
 * Test support: the Odoo sandbox over real HTTP on port 0, a connector pointed at it, and a
 * GraphQL client for subgraphs. Used by the connector's and the Odoo subgraphs' integration tests.
 */
import { createOdooSandbox, ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD, ODOO_UID } from '../../../../sandbox/odoo/index.js';
import type { Principal } from '../../../../platform/authz/principal.js';
import { createOdooConnector, type OdooConnector, type OdooConnectorOptions } from './connector.js';

/** A running sandbox and helpers around its admin API. */
export interface OdooTestSandbox {
  url: string;
  /** Backend calls served so far. */
  calls(): number;
  byOperation(): Record<string, number>;
  /** What the sandbox served while `fn` ran: its calls, and the operations whose count changed. */
  measure<T>(fn: () => Promise<T>): Promise<{ result: T; calls: number; byOperation: Record<string, number> }>;
  reset(): void;
  setFaults(faults: Record<string, unknown>): void;
  connector(protocol: 'jsonrpc' | 'json2', overrides?: Partial<OdooConnectorOptions>): OdooConnector;
  /** Calls a model method over the sandbox's own JSON-RPC, independent of the connector (reading writes back). */
  rpc<T>(model: string, method: string, args: unknown[], kwargs?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** Starts the Odoo sandbox on 127.0.0.1, port 0. */
export async function startOdooSandbox(): Promise<OdooTestSandbox> {
  const running = await createOdooSandbox().listen(0, '127.0.0.1');
  return {
    url: running.url,
    calls: () => running.stats().calls,
    byOperation: () => ({ ...running.stats().byOperation }),
    async measure(fn) {
      const before = running.stats();
      const opsBefore = { ...before.byOperation };
      const result = await fn();
      const after = running.stats();
      const byOperation = Object.fromEntries(Object.entries(after.byOperation).map(([k, v]) => [k, v - (opsBefore[k] ?? 0)]).filter(([, v]) => v !== 0));
      return { result, calls: after.calls - before.calls, byOperation };
    },
    reset: () => running.reset(),
    setFaults: (faults) => running.setFaults(faults),
    connector: (protocol, overrides = {}) =>
      createOdooConnector({ url: running.url, db: ODOO_DB, login: ODOO_LOGIN, apiKey: ODOO_PASSWORD, protocol, timeoutMs: 3000, ...overrides }),
    async rpc<T>(model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) {
      const res = await fetch(`${running.url}/jsonrpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { service: 'object', method: 'execute_kw', args: [ODOO_DB, ODOO_UID, ODOO_PASSWORD, model, method, args, kwargs] } }),
      });
      const body = (await res.json()) as { result?: T; error?: { data?: { message?: string } } };
      if (body.error) throw new Error(`odoo sandbox: ${body.error.data?.message ?? 'error'}`);
      return body.result as T;
    },
    close: () => running.close(),
  };
}

/** A principal with every read scope, as the gateway would forward for an admin. */
export const READER: Principal = {
  sub: 'test-reader',
  roles: ['admin'],
  scopes: new Set(['customer:read', 'customer:pii', 'customer:financials', 'orders:read', 'stock:read', 'stock:cost', 'invoices:read', 'credit:read']),
};

/** The result of one GraphQL request. */
export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  /** Response extensions (`stale`, `invalidate`). */
  extensions?: Record<string, unknown>;
}

/** Posts a GraphQL operation to a subgraph, with optional extra headers (`idempotency-key`). */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResult<T>> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as Omit<GraphQLResult<T>, 'status'>;
  return { status: res.status, ...body };
}

/** The operations of a sandbox stats delta that write (anything but search/read), e.g. `sale.order.create`. */
export function writeOperations(ops: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(ops).filter(([op]) => !/\.(search_read|read|search|search_count|name_search|read_group|fields_get)$/.test(op)));
}
