import type { FeedLifetimes } from '../cache/cache-options.js';
import type { RecordKind } from '../cache/record-cache.js';
import type { FeedName } from './feed-health.js';
import type { FeedCoverage } from './shared-health.js';

/** The long lifetimes a healthy feed allows, in seconds, by class of data. */
export interface LongLifetimes {
  /** Customer profile and billing profile (default 1 h). */
  profile: number;
  /** Orders, order lines, shipments and invoices (default 10 min). */
  orders: number;
  /** Stock availability (default 1 min). */
  stock: number;
  /** Support cases and their comments (default 10 min). */
  cases: number;
}

export const DEFAULT_LONG_LIFETIMES: LongLifetimes = { profile: 3600, orders: 600, stock: 60, cases: 600 };

/**
 * The record kinds (by backend and model, as in ODOO_KINDS, SALESFORCE_KINDS, SERVICEDESK_KINDS)
 * whose every change the feed announces, and their class. A kind left out keeps its TTL: its
 * changes either come without the key it is cached under (a Salesforce Contact update does not
 * name its Account) or are not announced (Odoo product master data, Zendesk organizations).
 */
const COVERED: Readonly<Record<string, { feed: FeedName; class: keyof LongLifetimes }>> = {
  'odoo:res.partner': { feed: 'odoo', class: 'profile' },
  'odoo:res.partner#ref': { feed: 'odoo', class: 'profile' },
  'odoo:sale.order': { feed: 'odoo', class: 'orders' },
  'odoo:sale.order#name': { feed: 'odoo', class: 'orders' },
  'odoo:sale.order@partner_id': { feed: 'odoo', class: 'orders' },
  'odoo:sale.order.line': { feed: 'odoo', class: 'orders' },
  'odoo:stock.picking@sale_id': { feed: 'odoo', class: 'orders' },
  'odoo:account.move': { feed: 'odoo', class: 'orders' },
  'odoo:account.move#name': { feed: 'odoo', class: 'orders' },
  'odoo:account.move@partner_id': { feed: 'odoo', class: 'orders' },
  'odoo:product.product@quantities': { feed: 'odoo', class: 'stock' },
  'odoo:stock.quant@product_id': { feed: 'odoo', class: 'stock' },
  'salesforce:Account': { feed: 'salesforce', class: 'profile' },
  'servicedesk:ticket': { feed: 'zendesk', class: 'cases' },
  'servicedesk:ticket.comment@ticket_id': { feed: 'zendesk', class: 'cases' },
  'servicedesk:ticket@open_count': { feed: 'zendesk', class: 'cases' },
  'servicedesk:ticket@organization_id': { feed: 'zendesk', class: 'cases' },
};

/** The feed that covers a record kind, or undefined. */
export function feedOfKind(kind: Pick<RecordKind, 'backend' | 'model'>): FeedName | undefined {
  return COVERED[`${kind.backend}:${kind.model}`]?.feed;
}

/** Long lifetimes for the kinds healthy feeds cover; the stale windows stay those declared. */
export function feedLifetimes(health: FeedCoverage, long: LongLifetimes = DEFAULT_LONG_LIFETIMES): FeedLifetimes {
  return {
    extended(kind, base) {
      const covered = COVERED[`${kind.backend}:${kind.model}`];
      if (!covered) return undefined;
      const since = health.coveringSince(covered.feed);
      if (since === undefined) return undefined;
      const ttlMs = long[covered.class] * 1000;
      if (ttlMs <= base.ttlMs) return undefined;
      return { settings: { ...base, ttlMs }, since };
    },
  };
}
