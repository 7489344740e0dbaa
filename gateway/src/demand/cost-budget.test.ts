import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../platform/authz/principal.js';
import { createCostBudgets } from './cost-budget.js';

const principal = (sub: string, roles: string[], partnerId?: string): Principal => ({ sub, roles, scopes: new Set(), ...(partnerId ? { partnerId } : {}) }) as Principal;

describe('cost budgets', () => {
  const budgets = createCostBudgets({ limits: { support_agent: { budget: 50, maxCost: 10 }, finance: { budget: 80, maxCost: 20 }, partner: { budget: 5, maxCost: 2 } } });

  it("gives a principal the most generous of its roles' limits, a partner a partner's whatever else it holds, and an unknown role a partner's", () => {
    expect(budgets.limitsOf(principal('a', ['support_agent', 'finance']))).toEqual({ budget: 80, maxCost: 20 });
    expect(budgets.limitsOf(principal('b', ['finance', 'support_agent']))).toEqual({ budget: 80, maxCost: 20 });
    expect(budgets.limitsOf(principal('c', ['finance', 'partner']))).toEqual({ budget: 5, maxCost: 2 });
    expect(budgets.limitsOf(principal('d', ['admin'], '001P'))).toEqual({ budget: 5, maxCost: 2 });
    expect(budgets.limitsOf(principal('e', ['auditor']))).toEqual({ budget: 5, maxCost: 2 });
  });

  it("charges the budget of the role whose limits apply, and refuses what does not fit without spending it", async () => {
    const agent = principal('agent-1', ['support_agent', 'finance']);
    expect(await budgets.charge(agent, 70)).toMatchObject({ allowed: true, limit: 80, remaining: 10 });
    expect(await budgets.charge(agent, 11)).toMatchObject({ allowed: false, limit: 80, remaining: 10 });
    expect(await budgets.charge(agent, 10)).toMatchObject({ allowed: true, remaining: 0 });
  });
});
