/** Every scope the schema's auth directives may ask for. */
export const ALL_SCOPES = [
  'customer:read',
  'customer:pii',
  'customer:financials',
  'customer:write',
  'orders:read',
  'orders:write',
  'stock:read',
  'stock:cost',
  'invoices:read',
  'credit:read',
  'credit:write',
  'cases:read',
  'cases:internal',
  'cases:write',
] as const;

/** One scope of {@link ALL_SCOPES}. */
export type Scope = (typeof ALL_SCOPES)[number];

/** The roles a token may carry. */
export type Role = 'support_agent' | 'sales_rep' | 'finance' | 'partner' | 'admin';

/** The role -> scopes table (DESIGN.md "Roles and scopes"). Partner rows are further limited to the partner's own customers. */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = Object.freeze({
  support_agent: ['customer:read', 'customer:pii', 'orders:read', 'stock:read', 'invoices:read', 'cases:read', 'cases:internal', 'cases:write'],
  sales_rep: ['customer:read', 'customer:pii', 'customer:financials', 'customer:write', 'orders:read', 'orders:write', 'stock:read', 'invoices:read', 'credit:read'],
  finance: ['customer:read', 'customer:financials', 'orders:read', 'invoices:read', 'credit:read', 'credit:write'],
  partner: ['customer:read', 'orders:read', 'orders:write', 'stock:read', 'invoices:read'],
  admin: ALL_SCOPES,
});

/** The role names, in table order. */
export const ROLES = Object.keys(ROLE_SCOPES) as Role[];

/** Whether a string names a known role. */
export function isRole(value: string): value is Role {
  return Object.hasOwn(ROLE_SCOPES, value);
}

/** The union of the scopes of the given roles; unknown roles grant nothing. */
export function scopesForRoles(roles: Iterable<string>): Set<Scope> {
  const scopes = new Set<Scope>();
  for (const role of roles) {
    if (!isRole(role)) continue;
    for (const scope of ROLE_SCOPES[role]) scopes.add(scope);
  }
  return scopes;
}
