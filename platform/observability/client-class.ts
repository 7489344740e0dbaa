import type { Principal } from '../authz/principal.js';
import { ROLE_SCOPES } from '../authz/roles.js';

/** Most distinct partners labelled by id; later ones share `partner:other`, so a flood of ids cannot grow the series. */
export const MAX_LABELLED_PARTNERS = 200;

const knownRoles = new Set(Object.keys(ROLE_SCOPES));
const partners = new Set<string>();

/**
 * The bounded label of who is asking, for metrics of what each kind of client costs: `partner:<id>`
 * for a reseller (the first MAX_LABELLED_PARTNERS ids, then `partner:other`), else the principal's
 * known roles sorted and joined with `+` (`support_agent`), `other` for unknown roles, and
 * `anonymous` without a principal.
 */
export function clientClassOf(principal: Principal | null | undefined): string {
  if (!principal) return 'anonymous';
  if (principal.partnerId) {
    const id = principal.partnerId;
    if (partners.has(id)) return `partner:${id}`;
    if (partners.size < MAX_LABELLED_PARTNERS && /^[A-Za-z0-9]{15,18}$/.test(id)) {
      partners.add(id);
      return `partner:${id}`;
    }
    return 'partner:other';
  }
  const roles = principal.roles.filter((r) => knownRoles.has(r));
  if (roles.length === 0) return 'other';
  return roles.length === 1 ? roles[0]! : [...new Set(roles)].sort().join('+');
}
