import { buildSchema, graphql, type GraphQLSchema } from 'graphql';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../../platform/authz/principal.js';
import type { GatewayAuth } from '../../gateway/src/server.js';

const SDL = /* GraphQL */ `
  type Query { order(id: ID!): Order  orderByNumber(number: String!): Order }
  type Mutation { cancelOrder(id: ID!): Order! }
  type Order { id: ID!  number: String!  status: OrderStatus! }
  enum OrderStatus { DRAFT SENT CONFIRMED CANCELLED }
`;

/** A stand-in for the orders subgraph: real GraphQL execution over an in-memory order table. */
export interface StubOrdersSubgraph {
  url: string;
  /** HTTP requests received, by operation kind. */
  calls: { query: number; mutation: number };
  /** Each answer waits this long (to hold fetches in flight). */
  delayMs: number;
  /** Principal headers seen, in order. */
  principals: string[];
  /** Query texts received, in order. */
  queries: string[];
  /** When set, every answer reports `extensions.freshForMs` with this value (as a record-cached subgraph does). */
  freshForMs: number | undefined;
  /** While true, every query answers an error (a failing backend). */
  failing: boolean;
  /** Changes an order's status behind the gateway's back (no invalidation), as another writer would. */
  setStatus(id: string, value: string): void;
  reset(): void;
  close(): Promise<void>;
}

/** Starts the stub on port 0. Ids "bad" answer an error; id "stale" answers with `extensions.stale`. */
export async function startStubOrdersSubgraph(): Promise<StubOrdersSubgraph> {
  const schema: GraphQLSchema = buildSchema(SDL);
  const status = new Map<string, string>();
  const orderOf = (id: string) => {
    if (id === 'bad' || stub.failing) throw new Error('backend failed');
    return { id, number: `S${id}`, status: status.get(id) ?? 'CONFIRMED' };
  };
  const root = {
    order: ({ id }: { id: string }) => orderOf(id),
    orderByNumber: ({ number }: { number: string }) => orderOf(number.replace(/^S/, '')),
    cancelOrder: ({ id }: { id: string }) => {
      status.set(id, 'CANCELLED');
      return orderOf(id);
    },
  };
  const stub: StubOrdersSubgraph = {
    url: '',
    calls: { query: 0, mutation: 0 },
    delayMs: 0,
    principals: [],
    queries: [],
    failing: false,
    freshForMs: undefined,
    setStatus: (id, value) => {
      status.set(id, value);
    },
    reset() {
      stub.calls = { query: 0, mutation: 0 };
      stub.principals = [];
      stub.queries = [];
      stub.delayMs = 0;
      stub.failing = false;
      stub.freshForMs = undefined;
      status.clear();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
        const mutation = /^\s*mutation\b/.test(query);
        stub.calls[mutation ? 'mutation' : 'query']++;
        stub.principals.push(String(req.headers['x-test-principal']));
        stub.queries.push(query);
        if (stub.delayMs > 0) await new Promise((r) => setTimeout(r, stub.delayMs));
        const result = await graphql({ schema, source: query, variableValues: variables, rootValue: root });
        const body: Record<string, unknown> = { ...result };
        if (result.errors) body.errors = result.errors.map((e) => ({ message: e.message, path: e.path, extensions: { code: 'BACKEND_UNAVAILABLE' } }));
        const ids = JSON.stringify(variables ?? {});
        if (ids.includes('"stale"')) body.extensions = { stale: [{ model: 'odoo:sale.order', key: 'stale', ageMs: 9000, reason: 'backend-error' }] };
        if (mutation && variables?.id) body.extensions = { invalidate: [`Order:${String(variables.id)}`] };
        if (stub.freshForMs !== undefined) body.extensions = { ...((body.extensions as object | undefined) ?? {}), freshForMs: stub.freshForMs };
        const text = JSON.stringify(body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return stub;
}

/** Test authentication: the principal comes from `x-scopes` and `x-partner` headers; every forwarded principal header is unique. */
export function createTestAuth(): GatewayAuth {
  let n = 0;
  return {
    async authenticate(headers: IncomingHttpHeaders): Promise<Principal> {
      const scopes = String(headers['x-scopes'] ?? 'orders:read orders:write').split(' ');
      const partner = headers['x-partner'];
      return { sub: 'test', roles: [], scopes: new Set(scopes), ...(typeof partner === 'string' ? { partnerId: partner } : {}) };
    },
    // Unique per request, like the real signed header (it carries a timestamp).
    principalHeaders: () => ({ 'x-test-principal': String(++n) }),
    visibilityKey: (principal) => `${[...principal.scopes].sort().join(' ')}|${principal.partnerId ?? ''}`,
  };
}
