/**
 * Who a backend load is for, as the concurrency budget shares its backend: the client class of
 * the request (`platform/observability/client-class.ts`) reduced to a share with a weight.
 */

/** The groups a weight can be set for (`BACKEND_SHARE_WEIGHTS`). */
export const SHARE_GROUPS = ['support', 'crm', 'admin', 'partner', 'other'] as const;

/** One group of {@link SHARE_GROUPS}. */
export type ShareGroup = (typeof SHARE_GROUPS)[number];

/** The weight of each group: under contention a group gets slots in proportion to it. */
export type ShareWeights = Readonly<Record<ShareGroup, number>>;

/**
 * Default weights: the interactive roles (support agents, the CRM components of sales and
 * finance, admins) 4 each, each partner 1, loads outside a known role (background work without
 * a request, unknown roles) 1. An agent's load therefore passes ahead of a crawling partner's
 * queue, and a partner still gets a fifth of a busy backend's slots when agents fill it.
 */
export const DEFAULT_SHARE_WEIGHTS: ShareWeights = Object.freeze({ support: 4, crm: 4, admin: 4, partner: 1, other: 1 });

/** The group of each role; roles not listed (and `internal`, `anonymous`, `other`) are `other`. */
const GROUP_OF_ROLE: Readonly<Record<string, ShareGroup>> = {
  support_agent: 'support',
  sales_rep: 'crm',
  finance: 'crm',
  admin: 'admin',
};

/** A share of the budget: its own queue, and the weight that queue is served with. */
export interface Share {
  /** The queue's name: the group, or `partner:<id>` (every partner has a queue of its own). */
  key: string;
  weight: number;
}

/**
 * The share of a client class: each partner (`partner:<id>`, `partner:other`) its own, the
 * others by group; a class of several roles (`admin+support_agent`) takes its heaviest group.
 */
export function shareOf(clientClass: string | undefined, weights: ShareWeights = DEFAULT_SHARE_WEIGHTS): Share {
  if (clientClass?.startsWith('partner:')) return { key: clientClass, weight: weights.partner };
  let best: ShareGroup = 'other';
  for (const role of (clientClass ?? '').split('+')) {
    const group = GROUP_OF_ROLE[role];
    if (group && weights[group] > weights[best]) best = group;
  }
  return { key: best, weight: weights[best] };
}

/**
 * Parses `support=4,crm=4,admin=4,partner=1` (any subset; the rest keep their defaults). Throws a
 * TypeError naming the bad part: an unknown group, or a weight that is not an integer in 1-1000.
 */
export function parseShareWeights(raw: string): ShareWeights {
  const out: Record<ShareGroup, number> = { ...DEFAULT_SHARE_WEIGHTS };
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z]+)\s*=\s*(\d+)$/.exec(part);
    if (!match) throw new TypeError(`"${part}" is not <group>=<weight> (e.g. "support=4,partner=1")`);
    const group = match[1] as ShareGroup;
    if (!SHARE_GROUPS.includes(group)) throw new TypeError(`"${match[1]}" is not a share group (${SHARE_GROUPS.join(', ')})`);
    const weight = Number(match[2]);
    if (!Number.isInteger(weight) || weight < 1 || weight > 1000) throw new TypeError(`the weight of ${group} must be an integer in [1, 1000], got ${match[2]}`);
    out[group] = weight;
  }
  return Object.freeze(out);
}
