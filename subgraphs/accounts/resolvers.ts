import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { GraphQLResolveInfo } from 'graphql';
import type { RecordCache } from '../shared/cache/record-cache.js';
import { MAX_OFFSET, RESELLER_TYPE, type SalesforceConnector } from '../shared/connectors/salesforce/connector.js';
import type { SalesforceAccount, SalesforceAccountChanges } from '../shared/connectors/salesforce/records.js';
import { isSalesforceId, toSalesforceId18 } from '../../platform/ids/salesforce-id.js';
import { badInput, codedError, ErrorCode } from '../../platform/errors/graphql-errors.js';
import { isBackendError } from '../../platform/errors/backend-error.js';
import type { BaseSubgraphContext } from '../shared/server/context.js';
import { fieldReadable, selectsField } from '../shared/server/prefetch.js';
import { encodeCursor, parsePage, startOffset } from '../shared/paging/relay-page.js';
import { SALESFORCE_KINDS } from '../shared/connectors/salesforce/record-kinds.js';
import type { AccountsLoaders } from './loaders.js';
import type { RowFilter } from '../shared/data-access/row-filter.js';
import type { MutationContext } from '../shared/server/subgraph-factory.js';
import { toContactModel, toCustomer, toPartnerAccount, toSalesRep, type CustomerModel } from './mappers.js';
import { auditPrincipal } from '../../platform/audit/audit-log.js';
import { resolveIdempotencyKey, runAudited } from '../shared/mutations/subgraph-mutations.js';
import { isOutcomeUnknown as writeOutcomeUnknown } from '../shared/mutations/outcome.js';
import { PROFILE_OWNER } from './profile-ownership.js';
import { checkPicklists, profileChanges, type ProfileInput } from './profile-input.js';

/** The per-request context of the accounts subgraph. */
export interface AccountsContext extends BaseSubgraphContext, MutationContext {
  /** Every read goes through these: the data-access layer with the row filter below it. */
  loaders: AccountsLoaders;
  rows: RowFilter;
  /** For writes and the picklists they are checked against. */
  salesforce: SalesforceConnector;
  cache: RecordCache;
}

/** Longest search text accepted. */
export const MAX_SEARCH_LENGTH = 100;
const ACCOUNT_KEY_PREFIX = '001';
const MAX_ID_LENGTH = 18;

/** The 18-character Account Id of a client-supplied id, or a BAD_USER_INPUT error, before any backend call. */
function accountIdArg(id: unknown, field = 'id'): string {
  if (typeof id !== 'string' || id.length > MAX_ID_LENGTH || !isSalesforceId(id)) {
    throw badInput(field, 'must be a Salesforce Account Id (15 or 18 characters)');
  }
  return toSalesforceId18(id);
}

/**
 * The customer Account with this id. The loader answers another reseller's customer exactly like
 * an unknown id (null), so a partner cannot probe which ids exist.
 */
async function customerAccount(ctx: AccountsContext, id18: string): Promise<SalesforceAccount | null> {
  // Only Account ids can name a customer: anything else is unknown without asking Salesforce.
  if (!id18.startsWith(ACCOUNT_KEY_PREFIX)) return null;
  const account = await ctx.loaders.customerById.load(id18);
  // A reseller's own Account is a partner, not a customer: `customers` never lists it, and neither is it one by id.
  return account && account.Type !== RESELLER_TYPE ? account : null;
}

/** The identity of the `customers` list for a search text, as its cursors name it. */
export function customersList(search: string): string {
  return `Account?search=${search}`;
}

interface CustomersArgs {
  search?: string | null;
  first?: number | null;
  after?: string | null;
}

/** Who may read Customer.contacts: a prefetch never reads what the field would refuse. */
const contactsReadable = fieldReadable(new URL('./schema.graphql', import.meta.url), 'Customer', 'contacts', 'Contact');

/** Resolvers of the accounts subgraph. */
export const resolvers: GraphQLResolverMap<AccountsContext> = {
  Query: {
    async customer(_parent: unknown, args: { id: string }, ctx: AccountsContext, info: GraphQLResolveInfo): Promise<CustomerModel | UnavailableCustomer | null> {
      const id = accountIdArg(args.id);
      // Contacts are looked up by the Account Id alone: ask for them alongside the Account rather
      // than after it (the row filter answers them only for a customer the caller may see).
      if (id.startsWith(ACCOUNT_KEY_PREFIX) && selectsField(info, 'contacts') && contactsReadable(ctx.principal)) {
        ctx.loaders.contactsByAccountId.load(id).catch(() => {
          // The contacts resolver gets the same promise and reports its error.
        });
      }
      try {
        const account = await customerAccount(ctx, id);
        return account ? toCustomer(account) : null;
      } catch (err) {
        return unavailableCustomer(ctx, id, err);
      }
    },

    async customers(_parent: unknown, args: CustomersArgs, ctx: AccountsContext) {
      const search = args.search?.trim() ?? '';
      const list = customersList(search);
      const paging = parsePage(list, args.first, args.after);
      const offset = startOffset(paging);
      if (offset > MAX_OFFSET) throw badInput('after', `cannot page past ${MAX_OFFSET} customers; narrow the search instead`);
      // A search of nothing but spaces (or a byte-order mark) is a client mistake, not "every customer".
      if (args.search !== undefined && args.search !== null && search === '') throw badInput('search', 'must contain something to search for (omit it to list every customer)');
      if (search.length > MAX_SEARCH_LENGTH) throw badInput('search', `must be at most ${MAX_SEARCH_LENGTH} characters`);
      if (/[\u0000-\u001f\u007f-\u009f]/.test(search)) throw badInput('search', 'must not contain control characters');
      const { totalSize, records } = await ctx.loaders.searchCustomers({ text: search || undefined, limit: paging.size, offset });
      const edges = records.map((r, i) => ({ cursor: encodeCursor(list, r.Id, offset + i), node: toCustomer(r) }));
      return {
        edges,
        pageInfo: { hasNextPage: offset + records.length < totalSize, endCursor: edges.at(-1)?.cursor ?? null },
        totalCount: totalSize,
      };
    },
  },

  Mutation: {
    async updateCustomerProfile(_parent: unknown, args: { id: string; input: ProfileInput }, ctx: AccountsContext): Promise<CustomerModel> {
      const id = accountIdArg(args.id);
      const changes = profileChanges(args.input ?? {});
      const key = resolveIdempotencyKey(undefined, ctx.idempotencyKey, 'Idempotency-Key');
      const notFound = () => codedError(ErrorCode.NOT_FOUND, 'No customer with this id');
      // The checks run inside the attempt: a replay of a completed key is answered from the store
      // before any of them, without Salesforce, and a refusal is audited with its key.
      let sent = false;
      let result;
      try {
        result = await runAudited<SalesforceAccount>(ctx.mutations.runner, {
          operation: 'updateCustomerProfile',
          ownerSystem: PROFILE_OWNER,
          principal: auditPrincipal(ctx.principal),
          correlationId: ctx.requestId,
          targetIds: [id],
          input: { id, changes },
          idempotencyKey: key,
          // PATCH by Id, sent once. Upsert by external id does not fit: the customer is named by its
          // Salesforce Id, and an upsert of an unknown external id would create an account.
          attempt: async () => {
            await checkPicklists(ctx.salesforce, changes);
            const before = await customerAccount(ctx, id);
            if (!before) throw notFound();
            sent = true;
            await ctx.salesforce.updateAccount(id, changes);
            // What the PATCH leaves: the account as read before it, with the changes. The answer (and a
            // replay of the key) comes from it, so that a write that landed is never answered as an
            // error because a read after it failed.
            return { ...before, ...changes } as SalesforceAccount;
          },
          isOutcomeUnknown: (err) => sent && writeOutcomeUnknown(err),
          // The PATCH sets values, so it was applied when the account holds them; otherwise it is sent once more.
          recover: key === undefined ? undefined : async () => {
            const account = (await ctx.salesforce.accountsByIds([id])).get(id);
            return account && holdsChanges(account, changes) ? account : undefined;
          },
          backendRecordId: (value) => value.Id,
        });
      } catch (err) {
        // A write of unknown outcome may have landed: the cached record may be wrong now.
        if (writeOutcomeUnknown(err)) await evictAccount(ctx, id);
        throw err;
      }
      await evictAccount(ctx, id);
      ctx.loaders.accountById.prime(id, result.value);
      return toCustomer(result.value);
    },
  },

  Customer: {
    async __resolveReference(ref: { id?: unknown }, ctx: AccountsContext): Promise<CustomerModel | UnavailableCustomer | null> {
      // A reference comes from another subgraph's data: an id that cannot exist is simply unknown.
      if (typeof ref.id !== 'string' || !isSalesforceId(ref.id)) return null;
      const id = toSalesforceId18(ref.id);
      try {
        const account = await customerAccount(ctx, id);
        return account ? toCustomer(account) : null;
      } catch (err) {
        return unavailableCustomer(ctx, id, err);
      }
    },
    ...profileFieldResolvers(),
    async contacts(customer: CustomerModel | UnavailableCustomer, _args: unknown, ctx: AccountsContext) {
      if ('unavailable' in customer) throw customer.unavailable;
      const contacts = (await ctx.loaders.contactsByAccountId.load(customer.id)) ?? [];
      return contacts.map(toContactModel);
    },
    async owner(customer: CustomerModel | UnavailableCustomer, _args: unknown, ctx: AccountsContext) {
      if ('unavailable' in customer) throw customer.unavailable;
      if (!customer.ownerId) return null;
      const user = await ctx.loaders.userById.load(customer.ownerId);
      return user ? toSalesRep(user) : null;
    },
    async partner(customer: CustomerModel | UnavailableCustomer, _args: unknown, ctx: AccountsContext) {
      if ('unavailable' in customer) throw customer.unavailable;
      if (!customer.partnerAccountId) return null;
      const reseller = await ctx.loaders.accountById.load(customer.partnerAccountId);
      return reseller ? toPartnerAccount(reseller) : null;
    },
  },
};

/**
 * A customer whose profile cannot be read because Salesforce is unavailable. Answering it (instead
 * of null) keeps the rest of the customer view: orders, billing and cases come from the other
 * systems, while each profile field fails with BACKEND_UNAVAILABLE.
 */
interface UnavailableCustomer {
  id: string;
  unavailable: unknown;
}

/**
 * The answer for a customer when Salesforce failed: a partner principal gets the error (ownership
 * cannot be proven, so nothing is shown), and so does any error other than an outage.
 */
function unavailableCustomer(ctx: AccountsContext, id: string, err: unknown): UnavailableCustomer {
  if (ctx.rows.restricted || !isBackendError(err) || (err.code !== 'UNAVAILABLE' && err.code !== 'RATE_LIMITED')) throw err;
  return { id, unavailable: err };
}

/** Resolvers of the profile fields read from the Account, failing for an unavailable customer. */
function profileFieldResolvers(): Record<string, (customer: CustomerModel | UnavailableCustomer) => unknown> {
  const fields = ['name', 'accountNumber', 'type', 'industry', 'website', 'phone', 'billingAddress', 'annualRevenue'] as const;
  return Object.fromEntries(
    fields.map((field) => [
      field,
      (customer: CustomerModel | UnavailableCustomer) => {
        if ('unavailable' in customer) throw customer.unavailable;
        return customer[field];
      },
    ]),
  );
}

/** Whether an account already holds every value of a change set (Salesforce answers null for cleared fields). */
function holdsChanges(account: SalesforceAccount, changes: SalesforceAccountChanges): boolean {
  const record = account as unknown as Record<string, unknown>;
  return Object.entries(changes).every(([field, value]) => (record[field] ?? null) === (value ?? null));
}

/** Evicts the account from the record cache and this request's loader; names it for the gateway's response cache. */
async function evictAccount(ctx: AccountsContext, id: string): Promise<void> {
  await ctx.cache.invalidate(SALESFORCE_KINDS.account, [id]);
  ctx.loaders.accountById.clear(id);
  ctx.loaders.customerById.clear(id);
  ctx.invalidated = [...(ctx.invalidated ?? []), `Customer:${id}`];
}
