import { fileURLToPath } from 'node:url';
import { isSalesforceId } from '../../platform/ids/salesforce-id.js';
import type { ServiceDeskConnector } from '../shared/connectors/servicedesk/types.js';
import { createSubgraph, type SubgraphDeps } from '../shared/server/subgraph-factory.js';
import type { CasesContext } from './context.js';
import { createCasesLoaders } from './loaders.js';
import { CASES_OWNER } from './mutation-support.js';
import type { OrderDirectory } from './order-directory.js';
import { resolvers } from './resolvers.js';

/** What the cases subgraph needs. */
export interface CasesSubgraphDeps extends SubgraphDeps {
  serviceDesk: ServiceDeskConnector;
  /** The ERP's orders, to check that a new case's order belongs to its customer (without it, a case cannot name an order). */
  orders?: OrderDirectory;
}

/** Path of the cases SDL. */
export const CASES_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Ids a refused cases mutation is audited with: only well-formed ids, never free text. */
const REFUSAL_SPECS = {
  openCase: {
    ownerSystem: CASES_OWNER,
    targetIds: (args: Record<string, unknown>) => {
      const id = (args.input as { customerId?: unknown } | undefined)?.customerId;
      return typeof id === 'string' && isSalesforceId(id.trim()) ? [id.trim()] : [];
    },
  },
  addCaseComment: {
    ownerSystem: CASES_OWNER,
    targetIds: (args: Record<string, unknown>) => (typeof args.caseId === 'string' && /^\d{1,15}$/.test(args.caseId.trim()) ? [args.caseId.trim()] : []),
  },
};

/** Creates the cases subgraph server (Zendesk tickets and comments). */
export function createCasesSubgraph(deps: CasesSubgraphDeps) {
  return createSubgraph<CasesContext>(
    {
      name: 'cases',
      schemaPath: CASES_SCHEMA_PATH,
      resolvers,
      mutations: { idempotencyPrefix: 'idem:cases', refusals: REFUSAL_SPECS },
      context: ({ base, cache, rows, mutating }) => {
        const filter = rows();
        return { ...base, ...mutating(), rows: filter, loaders: createCasesLoaders(deps.serviceDesk, cache, filter), serviceDesk: deps.serviceDesk, cache, orders: deps.orders };
      },
    },
    deps,
  );
}

export { resolvers } from './resolvers.js';
export type { CasesContext } from './context.js';
export { createOdooOrderDirectory, type OrderDirectory } from './order-directory.js';
