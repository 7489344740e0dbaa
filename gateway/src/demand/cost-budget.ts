import type { Redis } from '../../../platform/redis/client.js';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Principal } from '../../../platform/authz/principal.js';
import type { Role } from '../../../platform/authz/roles.js';
import { countingLimiter, rateKeyOf } from '../pipeline/rate-limit.js';

/** Cost units (estimated backend calls) a client may spend per window, and the most one operation may cost. */
export interface CostLimits {
  /** Most one operation may be estimated to cost; above it, COST_ESTIMATED_TOO_EXPENSIVE. */
  maxCost: number;
  /** Cost units per window (like GitHub's GraphQL points); past it, RATE_LIMITED. */
  budget: number;
}

/** The window of the cost budgets, in seconds. */
export const COST_WINDOW_SECONDS = 60;

/**
 * Default cost limits: partners 300 per operation and 3,000 a minute (a partner's manifest
 * operations are estimated at 20 at most); interactive roles 1,000 and 20,000 (the customer-360
 * view is estimated at 50). The query that made 978 Zendesk calls is estimated at over 100,000.
 */
export const DEFAULT_COST_LIMITS: Readonly<Record<Role, CostLimits>> = {
  partner: { maxCost: 300, budget: 3_000 },
  support_agent: { maxCost: 1_000, budget: 20_000 },
  sales_rep: { maxCost: 1_000, budget: 20_000 },
  finance: { maxCost: 1_000, budget: 20_000 },
  admin: { maxCost: 1_000, budget: 20_000 },
};

/** A client's cost budget after an operation was charged to it. */
export interface BudgetState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** When the window starts again. */
  resetAt: Date;
}

/** The cost limits and budgets of every client. */
export interface CostBudgets {
  limitsOf(principal: Principal): CostLimits;
  /** Charges `cost` units to the principal's budget (nothing when it does not fit). */
  charge(principal: Principal, cost: number): Promise<BudgetState>;
}

/** The role whose limits a principal has: a partner's, else the most generous of its roles (the first of equals), else a partner's. */
function limitRoleOf(principal: Principal, limits: Record<Role, CostLimits>): Role {
  if (principal.partnerId || principal.roles.includes('partner')) return 'partner';
  let best: Role | undefined;
  for (const role of principal.roles) {
    if (role in limits && (best === undefined || limits[role as Role].budget > limits[best].budget)) best = role as Role;
  }
  return best ?? 'partner';
}

/** Creates the cost budgets (rate-limiter-flexible; shared by every replica through Redis when given). */
export function createCostBudgets(options: { limits?: Partial<Record<Role, Partial<CostLimits>>>; redis?: Redis; keyPrefix?: string } = {}): CostBudgets {
  const limits = Object.fromEntries(Object.entries(DEFAULT_COST_LIMITS).map(([role, l]) => [role, { ...l, ...(options.limits?.[role as Role] ?? {}) }])) as Record<Role, CostLimits>;
  const prefix = options.keyPrefix ?? 'c360:cost';
  const counters = new Map(Object.entries(limits).map(([role, l]) => [role, countingLimiter(options.redis, `${prefix}:${role}`, l.budget, COST_WINDOW_SECONDS)]));
  // A principal's limits, counter and key, worked out once per principal (the verifier shares one among a token's requests).
  const placed = new WeakMap<Principal, { own: CostLimits; counter: RateLimiterAbstract; key: string }>();
  const placeOf = (principal: Principal) => {
    let place = placed.get(principal);
    if (!place) {
      const role = limitRoleOf(principal, limits);
      place = { own: limits[role], counter: counters.get(role)!, key: rateKeyOf(principal) };
      placed.set(principal, place);
    }
    return place;
  };
  return {
    limitsOf: (principal) => placeOf(principal).own,
    async charge(principal, cost) {
      const { own, counter, key } = placeOf(principal);
      try {
        // A free operation still reads the budget, for the answer to `rateLimit`.
        const res = cost > 0 ? await counter.consume(key, cost) : ((await counter.get(key)) ?? new RateLimiterRes(own.budget, COST_WINDOW_SECONDS * 1000, 0));
        return { allowed: true, limit: own.budget, remaining: Math.max(0, res.remainingPoints), resetAt: new Date(Date.now() + res.msBeforeNext) };
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        // Refused: what it would have cost is given back, so that a refused operation spends nothing.
        await counter.reward(key, cost).catch(() => undefined);
        // The budget left is what it was before this operation: its refused charge was given back.
        return { allowed: false, limit: own.budget, remaining: Math.max(0, own.budget - (err.consumedPoints - cost)), resetAt: new Date(Date.now() + err.msBeforeNext) };
      }
    },
  };
}
