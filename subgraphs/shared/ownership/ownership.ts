import DataLoader from 'dataloader';
import type { Principal } from '../../../platform/authz/principal.js';
import { isSalesforceId, toSalesforceId18 } from '../../../platform/ids/salesforce-id.js';

/** Answers which reseller (partner Account Id) each customer Account belongs to; null for direct customers. */
export interface Ownership {
  partnerIdsByAccountIds(ids: string[]): Promise<Map<string, string | null>>;
}

/** Per-request check of whether the caller may see a customer's rows. */
export interface OwnershipGuard {
  /** Whether rows are filtered at all (a partner principal); when false, `canSee` is always true. */
  readonly restricted: boolean;
  /** True when the principal may see rows of the customer with this Account Id (null: no customer). */
  canSee(accountId: string | null): Promise<boolean>;
}

/**
 * Creates the guard for one request. Non-partner principals see everything (their scopes are
 * checked elsewhere). A partner sees only customers assigned to it; without an ownership source
 * nothing can be proven, so a partner sees nothing (deny by default). Lookups are batched. A
 * partner id given in 15 characters matches its 18-character form.
 */
export function createOwnershipGuard(principal: Principal | null, ownership: Ownership | undefined): OwnershipGuard {
  if (!principal?.partnerId) return { restricted: false, canSee: async () => true };
  // Salesforce answers 18-character ids; a malformed reseller id owns nothing.
  if (!ownership || !isSalesforceId(principal.partnerId)) return { restricted: true, canSee: async () => false };
  const partnerId = toSalesforceId18(principal.partnerId);
  const owners = new DataLoader<string, string | null>(async (ids) => {
    const found = await ownership.partnerIdsByAccountIds([...ids]);
    return ids.map((id) => found.get(id) ?? null);
  }, { maxBatchSize: 200 });
  return {
    restricted: true,
    async canSee(accountId) {
      if (!accountId) return false;
      return (await owners.load(accountId)) === partnerId;
    },
  };
}
