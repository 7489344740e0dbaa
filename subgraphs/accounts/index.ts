import { fileURLToPath } from 'node:url';
import { isSalesforceId } from '../../platform/ids/salesforce-id.js';
import type { SalesforceConnector } from '../shared/connectors/salesforce/connector.js';
import { createSubgraph, type SubgraphDeps } from '../shared/server/subgraph-factory.js';
import { createAccountsLoaders } from './loaders.js';
import { PROFILE_OWNER } from './profile-ownership.js';
import { resolvers, type AccountsContext } from './resolvers.js';

/**
 * What the accounts subgraph needs. No ownership source: a customer's reseller is on its own
 * Account record, which this subgraph reads anyway.
 */
export interface AccountsSubgraphDeps extends Omit<SubgraphDeps, 'ownership'> {
  salesforce: SalesforceConnector;
}

/** Path of the accounts SDL. */
export const ACCOUNTS_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** Ids a refused updateCustomerProfile is audited with: only a well-formed id, never free text. */
const REFUSAL_SPECS = {
  updateCustomerProfile: {
    ownerSystem: PROFILE_OWNER,
    targetIds: (args: Record<string, unknown>) => (isSalesforceId(args.id) ? [args.id] : []),
  },
};

/** Creates the accounts subgraph server (Salesforce Accounts, Contacts and Users). */
export function createAccountsSubgraph(deps: AccountsSubgraphDeps) {
  return createSubgraph<AccountsContext>(
    {
      name: 'accounts',
      schemaPath: ACCOUNTS_SCHEMA_PATH,
      resolvers,
      mutations: { idempotencyPrefix: 'idem:accounts', refusals: REFUSAL_SPECS },
      context: ({ base, cache, rows, mutating }) => {
        const data = createAccountsLoaders(deps.salesforce, cache, { principal: base.principal, stale: base.stale, rows });
        return { ...base, ...mutating(), ...data, salesforce: deps.salesforce, cache };
      },
      ready: () => deps.salesforce.ping(),
    },
    deps,
  );
}

export { resolvers, type AccountsContext } from './resolvers.js';
export { SALESFORCE_PROFILE_FIELDS, ownedWrites } from './profile-ownership.js';
