/**
 * Shared setup of the placeOrder and cancelOrder tests over real HTTP: the orders subgraph over the
 * Odoo sandbox, with the Salesforce sandbox as the reseller-ownership source and the Zendesk sandbox
 * running to prove it is never involved. Each test file starts its own fixture (its own sandboxes,
 * audit log and list of expected audit records), so no file depends on another's state.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { ODOO_DB } from '../../sandbox/odoo/index.js';
import { createSalesforceSandbox, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET } from '../../sandbox/salesforce/index.js';
import type { RunningSandbox } from '../../sandbox/common/server.js';
import { buildSkeleton } from '../../sandbox/world/skeleton.js';
import { createZendeskSandbox } from '../../sandbox/zendesk/index.js';
import type { Principal } from '../../platform/authz/principal.js';
import { createRecordCache, type LruRecordCache } from '../shared/cache/index.js';
import { createSalesforceConnector } from '../shared/connectors/salesforce/index.js';
import { toSalesforceId18 } from '../../platform/ids/salesforce-id.js';
import { graphql, startOdooSandbox, writeOperations, type GraphQLResult, type OdooTestSandbox } from '../shared/connectors/odoo/test-harness.js';
import { createAuditLog, readAuditLog, type AuditLog, type AuditRecord } from '../../platform/audit/audit-log.js';
import { createIdempotencyStore } from '../shared/mutations/idempotency.js';
import { createMutationRunner, type MutationRunner } from '../shared/mutations/run-mutation.js';
import type { Ownership } from '../shared/ownership/ownership.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createOrdersSubgraph } from './index.js';

/** The seeded world of the sandboxes and its example customers. */
export const world = buildSkeleton();
export const few = world.byAccountId.get(world.examples.fewOrders)!;
export const many = world.byAccountId.get(world.examples.manyOrders)!;
export const blocked = world.byAccountId.get(world.examples.onSalesBlock)!;
export const mine = world.byAccountId.get(world.examples.resellerCustomer)!;
export const theirs = world.byAccountId.get(world.examples.otherResellerCustomer)!;
/** A well-formed Account Id that no system knows. */
export const NOBODY = toSalesforceId18('001XX0000099999');
/** Two active products and an archived one. */
export const SKU = 'BK-1001';
export const OTHER_SKU = 'CP-1070';
export const ARCHIVED_SKU = 'BK-1029';

/** The callers: a sales rep who may write, a reseller (partner) who may write for its own customers, and a reader. */
export const WRITER: Principal = {
  sub: 'sales-rep-1',
  roles: ['sales_rep'],
  scopes: new Set(['customer:read', 'customer:pii', 'customer:financials', 'customer:write', 'orders:read', 'orders:write', 'stock:read', 'invoices:read', 'credit:read']),
};
export const RESELLER: Principal = {
  sub: 'reseller-user',
  roles: ['partner'],
  scopes: new Set(['customer:read', 'orders:read', 'orders:write', 'stock:read', 'invoices:read']),
  partnerId: world.examples.reseller,
};
export const READ_ONLY: Principal = { sub: 'agent-1', roles: ['support_agent'], scopes: new Set(['customer:read', 'orders:read']) };

/** A GraphQL answer of any shape. */
export type Answer = GraphQLResult<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
/** The write operations among Odoo calls by operation. */
export const writes = writeOperations;

/** A mutation call with the outcome the audit log must show for it. */
export interface ExpectedAuditRecord {
  operation: string;
  outcome: string;
}

/** How many records of each `operation outcome` pair a list holds, sorted by pair. */
export function countByOperationAndOutcome(list: ExpectedAuditRecord[]): Record<string, number> {
  const m = new Map<string, number>();
  for (const r of list) m.set(`${r.operation} ${r.outcome}`, (m.get(`${r.operation} ${r.outcome}`) ?? 0) + 1);
  return Object.fromEntries([...m].sort());
}

/** Calls of every sandbox made while a function ran, Odoo's by operation. */
export interface Measured<T> {
  result: T;
  odoo: Record<string, number>;
  odooCalls: number;
  others: number;
}

/** The running systems of one test file and the helpers that call them; the getters are set once `beforeAll` ran. */
export interface MutationsFixture {
  readonly odooSandbox: OdooTestSandbox;
  readonly salesforce: RunningSandbox;
  readonly zendesk: RunningSandbox;
  readonly cache: LruRecordCache;
  readonly runner: MutationRunner;
  readonly subgraph: RunningSubgraph;
  readonly auditPath: string;
  /** The caller every subgraph of the fixture authenticates; reset to WRITER before each test. */
  readonly principal: Principal;
  setPrincipal(principal: Principal): void;
  /** Every mutation call the file makes through `place` and `cancel`, with the outcome the audit log must show for it. */
  readonly expectedAudit: ExpectedAuditRecord[];
  post(url: string, query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<Answer>;
  rpc<T>(model: string, method: string, args: unknown[], kwargs?: Record<string, unknown>): Promise<T>;
  measured<T>(fn: () => Promise<T>): Promise<Measured<T>>;
  /** Places an order (on the fixture's subgraph unless `url` says otherwise), recording the audit outcome it must leave. */
  place(input: Record<string, unknown>, headers?: Record<string, string>, url?: string): Promise<Answer>;
  /** Cancels an order, recording the audit outcome it must leave. */
  cancel(id: string, headers?: Record<string, string>): Promise<Answer>;
}

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  id number status clientReference amountTotal { amount currency } customer { id } lines { product { id } quantity } } }`;
const CANCEL = 'mutation($id: ID!) { cancelOrder(id: $id) { id number status } }';

/** Starts the sandboxes, the audit log and the orders subgraph for the calling test file (registers its hooks). */
export function startMutationsFixture(): MutationsFixture {
  let odooSandbox: OdooTestSandbox;
  let salesforce: RunningSandbox;
  let zendesk: RunningSandbox;
  let cache: LruRecordCache;
  let auditDir: string;
  let auditPath: string;
  let log: AuditLog;
  let runner: MutationRunner;
  let subgraph: RunningSubgraph;
  let principal: Principal = WRITER;
  const expectedAudit: ExpectedAuditRecord[] = [];

  beforeAll(async () => {
    odooSandbox = await startOdooSandbox();
    salesforce = await createSalesforceSandbox().listen(0, '127.0.0.1');
    zendesk = await createZendeskSandbox().listen(0, '127.0.0.1');
    const sf = createSalesforceConnector({ loginUrl: salesforce.url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET, apiVersion: '62.0', timeoutMs: 3000 });
    const ownership: Ownership = { partnerIdsByAccountIds: (ids) => sf.partnerIdsByAccountIds(ids) };
    auditDir = await mkdtemp(join(tmpdir(), 'orders-audit-'));
    auditPath = join(auditDir, 'audit.jsonl');
    log = createAuditLog({ path: auditPath });
    runner = createMutationRunner({ store: createIdempotencyStore({ keyPrefix: 'idem:orders-test' }), log });
    cache = createRecordCache({ tenant: ODOO_DB });
    const odoo = odooSandbox.connector('jsonrpc');
    await odoo.warehouses(); // authenticates outside the measured calls
    subgraph = await (await createOrdersSubgraph({ odoo, cache, authenticate: () => principal, ownership, mutations: { runner } })).listen(0);
  });
  afterAll(async () => {
    await subgraph?.close();
    await log?.close();
    cache?.close();
    await Promise.all([odooSandbox?.close(), salesforce?.close(), zendesk?.close()]);
    if (auditDir) await rm(auditDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    principal = WRITER;
    odooSandbox.setFaults({});
  });

  const post = (url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => graphql<Record<string, any>>(url, query, variables, headers); // eslint-disable-line @typescript-eslint/no-explicit-any

  async function measured<T>(fn: () => Promise<T>): Promise<Measured<T>> {
    const othersBefore = salesforce.stats().calls + zendesk.stats().calls;
    const { result, calls, byOperation } = await odooSandbox.measure(fn);
    return { result, odoo: byOperation, odooCalls: calls, others: salesforce.stats().calls + zendesk.stats().calls - othersBefore };
  }

  const outcomeOf = (answer: Answer) => (answer.errors?.[0]?.extensions?.code as string | undefined) ?? 'ok';

  return {
    get odooSandbox() {
      return odooSandbox;
    },
    get salesforce() {
      return salesforce;
    },
    get zendesk() {
      return zendesk;
    },
    get cache() {
      return cache;
    },
    get runner() {
      return runner;
    },
    get subgraph() {
      return subgraph;
    },
    get auditPath() {
      return auditPath;
    },
    get principal() {
      return principal;
    },
    setPrincipal(next) {
      principal = next;
    },
    expectedAudit,
    post,
    rpc: <T>(model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) => odooSandbox.rpc<T>(model, method, args, kwargs),
    measured,
    async place(input, headers = {}, url = subgraph.url) {
      const answer = await post(url, PLACE, { input }, headers);
      expectedAudit.push({ operation: 'placeOrder', outcome: outcomeOf(answer) });
      return answer;
    },
    async cancel(id, headers = {}) {
      const answer = await post(subgraph.url, CANCEL, { id }, headers);
      expectedAudit.push({ operation: 'cancelOrder', outcome: outcomeOf(answer) });
      return answer;
    },
  };
}

/** Writes one more mutation through a new audit log instance on the same file (a restarted process) and reads the whole file back. */
export async function writeThroughReopenedLog(auditPath: string): Promise<AuditRecord[]> {
  const reopened = createAuditLog({ path: auditPath });
  const next = createMutationRunner({ store: createIdempotencyStore({ keyPrefix: 'idem:orders-test-2' }), log: reopened });
  await next.run({ operation: 'cancelOrder', ownerSystem: 'odoo', principal: WRITER, targetIds: ['1'], input: { id: 1 }, attempt: async () => 'x' });
  await reopened.close();
  return readAuditLog(auditPath);
}
