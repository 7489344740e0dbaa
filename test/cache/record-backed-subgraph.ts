import DataLoader from 'dataloader';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordCache } from '../../subgraphs/shared/cache/lru-record-cache.js';
import { createPassThroughCache, type RecordCache, type RecordKey, type RecordKind } from '../../subgraphs/shared/cache/record-cache.js';
import { withOverrides, type LifetimeOverrides } from '../../platform/cache-lifetimes/index.js';
import { committedLifetimes } from '../../subgraphs/shared/cache/committed-lifetimes.js';
import { createStaleCollector, type BaseSubgraphContext } from '../../subgraphs/shared/server/context.js';
import { createSubgraphServer } from '../../subgraphs/shared/server/create-subgraph-server.js';
import type { Principal } from '../../platform/authz/principal.js';

const SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@authenticated"])
  type Query { order(id: ID!): Order @authenticated  orderByNumber(number: String!): Order @authenticated }
  type Mutation { cancelOrder(id: ID!): Order! @authenticated }
  type Order { id: ID!  number: String!  status: OrderStatus! }
  enum OrderStatus { DRAFT SENT CONFIRMED CANCELLED }
`;

/** The caller of every request: the server applies its permissions like every subgraph's. */
const READER: Principal = { sub: 'test-reader', roles: ['admin'], scopes: new Set() };

const ORDER_KIND: RecordKind = { backend: 'odoo', model: 'sale.order', lifetime: 'Order' };

interface OrderRecord {
  id: string;
  number: string;
  status: string;
}

interface StubContext extends BaseSubgraphContext {
  orders: DataLoader<string, OrderRecord | null>;
}

/** An orders subgraph built like ours: the shared subgraph server, per-request loaders over a record cache. */
export interface RecordBackedSubgraph {
  url: string;
  /** Backend loads made (batches), and records loaded. */
  loads: number;
  /** The order table behind the cache: change it to simulate another writer. */
  statuses: Map<string, string>;
  close(): Promise<void>;
}

/** Starts it on port 0 over a record cache with the given clock and lifetime overrides (seconds), or over no cache at all. */
export async function startRecordBackedSubgraph(options: {
  now: () => number;
  cache?: 'lru' | 'pass-through';
  lifetimes?: LifetimeOverrides;
}): Promise<RecordBackedSubgraph> {
  const dir = mkdtempSync(join(tmpdir(), 'c360-record-subgraph-'));
  const schemaPath = join(dir, 'schema.graphql');
  writeFileSync(schemaPath, SDL);
  const cache: RecordCache = options.cache === 'pass-through' ? createPassThroughCache() : createRecordCache({ tenant: 'test', now: options.now, lifetimes: withOverrides(committedLifetimes(), options.lifetimes ?? {}) });
  const stub: RecordBackedSubgraph = { url: '', loads: 0, statuses: new Map(), close: async () => {} };
  const load = async (ids: RecordKey[]) => {
    stub.loads++;
    return new Map(ids.map((id) => [id, { id: String(id), number: `S${String(id)}`, status: stub.statuses.get(String(id)) ?? 'CONFIRMED' }] as const));
  };
  const resolvers: GraphQLResolverMap<StubContext> = {
    Query: {
      order: (_: unknown, { id }: { id: string }, ctx: StubContext) => ctx.orders.load(id),
    },
  };
  const built = await createSubgraphServer<StubContext>({
    name: 'orders',
    schemaPath,
    resolvers,
    createContext: () => {
      const stale = createStaleCollector(options.now);
      const orders = new DataLoader<string, OrderRecord | null>((ids) => cache.getMany<OrderRecord>(ORDER_KIND, ids, load, stale));
      return { principal: READER, requestId: 'test', stale, orders };
    },
  });
  const running = await built.listen(0);
  stub.url = running.url;
  stub.close = async () => {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return stub;
}
