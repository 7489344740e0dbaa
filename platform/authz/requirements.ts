import type { Principal } from './principal.js';

/**
 * What the auth directives demand at one schema coordinate. `scopes` and `policies` are an OR of
 * ANDs, as in `@requiresScopes(scopes: [["a", "b"], ["c"]])` (a and b, or c); an empty list
 * demands nothing.
 */
export interface AuthRequirement {
  authenticated: boolean;
  scopes: string[][];
  policies: string[][];
}

/** Outcome of checking a requirement: allowed, or the error code to answer with. */
export type AuthDecision = 'ALLOWED' | 'UNAUTHENTICATED' | 'FORBIDDEN';

/** Decides one named `@policy` for a principal. */
export type PolicyEvaluator = (principal: Principal) => boolean;

/**
 * Policies that pass for every authenticated principal because they are row filters: the
 * subgraphs' data-access layer narrows the rows (a partner sees only its own customers) instead of
 * hiding the field.
 */
export const ROW_FILTER_POLICIES: Readonly<Record<string, PolicyEvaluator>> = Object.freeze({
  partner_owns_customer: () => true,
});

/** Whether the requirement demands nothing at all. */
export function isEmptyRequirement(req: AuthRequirement): boolean {
  return !req.authenticated && req.scopes.length === 0 && req.policies.length === 0;
}

function normalizeDnf(groups: string[][]): string[][] {
  const seen = new Map<string, string[]>();
  for (const group of groups) {
    const sorted = [...new Set(group)].sort();
    seen.set(sorted.join('\u0000'), sorted);
  }
  const unique = [...seen.values()];
  // A group that contains another group is implied by it: (a) or (a and b) == (a).
  return unique
    .filter((g) => !unique.some((h) => h !== g && h.length < g.length && h.every((x) => g.includes(x))))
    .sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}

function andDnf(a: string[][], b: string[][]): string[][] {
  if (a.length === 0) return normalizeDnf(b);
  if (b.length === 0) return normalizeDnf(a);
  const out: string[][] = [];
  for (const x of a) for (const y of b) out.push([...x, ...y]);
  return normalizeDnf(out);
}

/** Both requirements at once (a field's own, its parent type's and its return type's). */
export function andRequirements(...reqs: Array<AuthRequirement | undefined>): AuthRequirement {
  let out: AuthRequirement = { authenticated: false, scopes: [], policies: [] };
  for (const req of reqs) {
    if (!req) continue;
    out = {
      authenticated: out.authenticated || req.authenticated,
      scopes: andDnf(out.scopes, req.scopes),
      policies: andDnf(out.policies, req.policies),
    };
  }
  return out;
}

/** Checks a requirement against a principal (null = unauthenticated). Unknown policies deny. */
export function checkRequirement(
  req: AuthRequirement,
  principal: Principal | null | undefined,
  policies: Readonly<Record<string, PolicyEvaluator>> = ROW_FILTER_POLICIES,
): AuthDecision {
  if (isEmptyRequirement(req)) return 'ALLOWED';
  if (!principal) return 'UNAUTHENTICATED';
  if (req.scopes.length > 0 && !req.scopes.some((group) => group.every((s) => principal.scopes.has(s)))) return 'FORBIDDEN';
  if (
    req.policies.length > 0 &&
    !req.policies.some((group) =>
      group.every((name) => Object.hasOwn(policies, name) && policies[name]!(principal)),
    )
  ) {
    return 'FORBIDDEN';
  }
  return 'ALLOWED';
}

/** A short human description of a requirement, for error messages (`customer:financials or credit:read`). */
export function describeRequirement(req: AuthRequirement): string {
  const parts: string[] = [];
  if (req.scopes.length > 0) parts.push(`scope ${req.scopes.map((g) => g.join(' and ')).join(' or ')}`);
  if (req.policies.length > 0) parts.push(`policy ${req.policies.map((g) => g.join(' and ')).join(' or ')}`);
  if (parts.length === 0 && req.authenticated) parts.push('authentication');
  return parts.join('; ');
}
