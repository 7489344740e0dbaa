import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../platform/authz/principal.js';
import { createOwnershipGuard, type Ownership } from './ownership.js';
import { salesforceId } from '../../../sandbox/world/salesforce-id.js';

const RESELLER_A = salesforceId('001', 900_001);
const RESELLER_B = salesforceId('001', 900_002);

const agent: Principal = { sub: 'a', roles: ['support_agent'], scopes: new Set() };
const partner: Principal = { sub: 'p', roles: ['partner'], scopes: new Set(), partnerId: RESELLER_A };

function ownership(owners: Record<string, string | null>) {
  const calls: string[][] = [];
  const source: Ownership = {
    async partnerIdsByAccountIds(ids) {
      calls.push(ids);
      return new Map(ids.filter((id) => id in owners).map((id) => [id, owners[id]!]));
    },
  };
  return { source, calls };
}

describe('createOwnershipGuard', () => {
  it('lets non-partner principals see everything without a lookup', async () => {
    const { source, calls } = ownership({});
    expect(await createOwnershipGuard(agent, source).canSee('X')).toBe(true);
    expect(calls).toHaveLength(0);
  });

  it('lets a partner see only its own customers, in one batched lookup', async () => {
    const { source, calls } = ownership({ MINE: RESELLER_A, THEIRS: RESELLER_B, DIRECT: null });
    const guard = createOwnershipGuard(partner, source);
    expect(await Promise.all(['MINE', 'THEIRS', 'DIRECT', 'UNKNOWN'].map((id) => guard.canSee(id)))).toEqual([true, false, false, false]);
    expect(await guard.canSee(null)).toBe(false);
    expect(calls).toEqual([['MINE', 'THEIRS', 'DIRECT', 'UNKNOWN']]);
  });

  it('takes a reseller id in 15 characters as its 18-character form, and a malformed one as owning nothing', async () => {
    const { source } = ownership({ MINE: RESELLER_A });
    expect(await createOwnershipGuard({ ...partner, partnerId: RESELLER_A.slice(0, 15) }, source).canSee('MINE')).toBe(true);
    const malformed = createOwnershipGuard({ ...partner, partnerId: 'not-an-id' }, source);
    expect(malformed.restricted).toBe(true);
    expect(await malformed.canSee('MINE')).toBe(false);
  });

  it('denies a partner when no ownership source is configured', async () => {
    expect(await createOwnershipGuard(partner, undefined).canSee('MINE')).toBe(false);
  });
});
