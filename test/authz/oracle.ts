import type { AuthPolicyMap, AuthRequirement } from '../../platform/authz/directives.js';
import type { Role } from '../../platform/authz/roles.js';
import type { FieldSpec } from './schema-walk.js';

/**
 * The role table of DESIGN.md "Roles and scopes", written out again on purpose: the tests judge
 * the code against the contract, not against the code's own copy of it.
 */
export const DESIGN_ROLE_SCOPES: Readonly<Record<Role, readonly string[]>> = {
  support_agent: ['customer:read', 'customer:pii', 'orders:read', 'stock:read', 'invoices:read', 'cases:read', 'cases:internal', 'cases:write'],
  sales_rep: ['customer:read', 'customer:pii', 'customer:financials', 'customer:write', 'orders:read', 'orders:write', 'stock:read', 'invoices:read', 'credit:read'],
  finance: ['customer:read', 'customer:financials', 'orders:read', 'invoices:read', 'credit:read', 'credit:write'],
  partner: ['customer:read', 'orders:read', 'orders:write', 'stock:read', 'invoices:read'],
  admin: ['customer:read', 'customer:pii', 'customer:financials', 'customer:write', 'orders:read', 'orders:write', 'stock:read', 'stock:cost', 'invoices:read', 'credit:read', 'credit:write', 'cases:read', 'cases:internal', 'cases:write'],
};

/** The roles of DESIGN.md, in its order. */
export const DESIGN_ROLES = Object.keys(DESIGN_ROLE_SCOPES) as Role[];

/** Policies that are row filters (the subgraphs narrow rows); every other policy denies. */
const ROW_FILTERS = new Set(['partner_owns_customer']);

function satisfied(req: AuthRequirement | undefined, scopes: ReadonlySet<string>): boolean {
  if (!req) return true;
  // An OR of ANDs: one group fully held is enough.
  if (req.scopes.length > 0 && !req.scopes.some((group) => group.every((s) => scopes.has(s)))) return false;
  if (req.policies.length > 0 && !req.policies.some((group) => group.every((p) => ROW_FILTERS.has(p)))) return false;
  return true;
}

/**
 * Whether a role may see a field: the directives on the field, on its parent type and on its
 * return type must each be satisfied (every caller here is authenticated).
 */
export function roleMaySee(policies: AuthPolicyMap, role: Role, spec: Pick<FieldSpec, 'parent' | 'name' | 'returnType'>): boolean {
  const scopes = new Set(DESIGN_ROLE_SCOPES[role]);
  return (
    satisfied(policies.fields.get(`${spec.parent}.${spec.name}`), scopes) &&
    satisfied(policies.types.get(spec.parent), scopes) &&
    satisfied(policies.types.get(spec.returnType), scopes)
  );
}

/** What a role should get for a selection tree, derived from the admin's answer. */
export interface Expectation {
  /** The admin's data with null at each field the role may not see (or whose selection the role loses entirely). */
  data: unknown;
  /** Response paths (no list indices) of the removed fields: a FORBIDDEN error each. */
  forbidden: string[][];
}

/** Whether anything of a selection survives for the role (a selection left empty removes its field). */
export function kept(policies: AuthPolicyMap, role: Role, spec: FieldSpec): boolean {
  if (!roleMaySee(policies, role, spec)) return false;
  return spec.children ? spec.children.some((c) => kept(policies, role, c)) : true;
}

/** The FORBIDDEN paths of a selection for a role: each denied field whose ancestors are allowed. */
export function forbiddenPaths(policies: AuthPolicyMap, role: Role, spec: FieldSpec, responseKey: (s: FieldSpec) => string = (s) => s.name, path: string[] = []): string[][] {
  const here = [...path, responseKey(spec)];
  if (!roleMaySee(policies, role, spec)) return [here];
  return (spec.children ?? []).flatMap((c) => forbiddenPaths(policies, role, c, responseKey, here));
}

/** The answer the role should get, computed from the admin's answer to the same tree. */
export function expectFor(policies: AuthPolicyMap, role: Role, tree: FieldSpec, adminData: Record<string, unknown>, responseKey: (s: FieldSpec) => string = (s) => s.name): Expectation {
  const project = (spec: FieldSpec, value: unknown): unknown => {
    if (!kept(policies, role, spec)) return null;
    if (value === null || value === undefined || !spec.children) return value ?? null;
    if (Array.isArray(value)) return value.map((item) => project(spec, item));
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const child of spec.children) {
      const key = responseKey(child);
      out[key] = project(child, record[key]);
    }
    return out;
  };
  const rootKey = responseKey(tree);
  return { data: { [rootKey]: project(tree, adminData[rootKey]) }, forbidden: forbiddenPaths(policies, role, tree, responseKey) };
}
