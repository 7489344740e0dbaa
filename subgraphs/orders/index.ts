import { fileURLToPath } from 'node:url';
import { isSalesforceId } from '../../platform/ids/salesforce-id.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { parseRecordId } from '../shared/connectors/odoo/values.js';
import { createSubgraph, type SubgraphDefinition, type SubgraphDeps } from '../shared/server/subgraph-factory.js';
import type { OrdersContext } from './context.js';
import { createOrdersLoaders } from './loaders.js';
import { resolvers } from './resolvers.js';
import type { WriteProgressStore } from '../shared/mutations/write-progress.js';

/** What the orders subgraph needs. */
export interface OrdersSubgraphDeps extends SubgraphDeps {
  odoo: OdooConnector;
  /** Where placeOrder keeps its progress between steps (the reconciler reads the same store). */
  progress?: WriteProgressStore;
  /** The reconciler's bound in ms (`WRITE_RECONCILE_BOUND_MS`). */
  reconcileBoundMs?: number;
}

/** Path of the orders SDL. */
export const ORDERS_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Ids a refused orders mutation is audited with: only well-formed ids, never free text. */
const REFUSAL_SPECS = {
  placeOrder: {
    ownerSystem: 'odoo' as const,
    targetIds: (args: Record<string, unknown>) => {
      const id = (args.input as { customerId?: unknown } | null | undefined)?.customerId;
      return isSalesforceId(id) ? [id] : [];
    },
  },
  cancelOrder: { ownerSystem: 'odoo' as const, targetIds: (args: Record<string, unknown>) => (parseRecordId(args.id) === null ? [] : [String(args.id)]) },
};

/** What is particular to the orders subgraph, for the shared factory. */
export function ordersDefinition(deps: OrdersSubgraphDeps): SubgraphDefinition<OrdersContext> {
  return {
    name: 'orders',
    schemaPath: ORDERS_SCHEMA_PATH,
    resolvers,
    mutations: { idempotencyPrefix: 'idem:orders', refusals: REFUSAL_SPECS },
    context: ({ base, cache, rows, mutating }) => {
      const filter = rows();
      return { ...base, ...mutating(), rows: filter, loaders: createOrdersLoaders(deps.odoo, cache, filter), odoo: deps.odoo, cache, progress: deps.progress, reconcileBoundMs: deps.reconcileBoundMs };
    },
  };
}

/** Creates the orders subgraph server (Odoo sale.order and sale.order.line). */
export function createOrdersSubgraph(deps: OrdersSubgraphDeps) {
  return createSubgraph(ordersDefinition(deps), deps);
}

export { resolvers, type OrdersContext } from './resolvers.js';
