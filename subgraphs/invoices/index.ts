import { fileURLToPath } from 'node:url';
import { isSalesforceId } from '../../platform/ids/salesforce-id.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { createSubgraph, type SubgraphDeps } from '../shared/server/subgraph-factory.js';
import type { InvoicesContext } from './context.js';
import { createInvoicesLoaders } from './loaders.js';
import { resolvers } from './resolvers.js';

/** What the invoices subgraph needs. */
export interface InvoicesSubgraphDeps extends SubgraphDeps {
  odoo: OdooConnector;
  /** The clock for overdue balances (default Date.now); tests pin it. */
  now?: () => number;
}

/** Path of the invoices SDL. */
export const INVOICES_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Ids a refused setCreditHold is audited with: only a well-formed id, never free text. */
const REFUSAL_SPECS = {
  setCreditHold: { ownerSystem: 'odoo' as const, targetIds: (args: Record<string, unknown>) => (isSalesforceId(args.customerId) ? [args.customerId] : []) },
};

/** Creates the invoices subgraph server (Odoo account.move; billing terms and credit on res.partner). */
export function createInvoicesSubgraph(deps: InvoicesSubgraphDeps) {
  return createSubgraph<InvoicesContext>(
    {
      name: 'invoices',
      schemaPath: INVOICES_SCHEMA_PATH,
      resolvers,
      mutations: { idempotencyPrefix: 'idem:invoices', refusals: REFUSAL_SPECS },
      context: ({ base, cache, rows, mutating }) => {
        const filter = rows();
        return {
          ...base,
          ...mutating(),
          rows: filter,
          loaders: createInvoicesLoaders(deps.odoo, cache, filter),
          today: new Date((deps.now ?? Date.now)()).toISOString().slice(0, 10),
          odoo: deps.odoo,
          cache,
        };
      },
    },
    deps,
  );
}

export { resolvers } from './resolvers.js';
export type { InvoicesContext } from './context.js';
