import { ODOO_KINDS } from '../connectors/odoo/record-kinds.js';
import { SALESFORCE_KINDS } from '../connectors/salesforce/record-kinds.js';
import { SERVICEDESK_KINDS } from '../connectors/servicedesk/record-kinds.js';
import type { RecordKey, RecordKind } from '../cache/record-cache.js';

/** What one change evicts: records and lists in the record caches, entity tags in the gateway's caches. */
export interface InvalidationPlan {
  records: Array<{ kind: RecordKind; keys: RecordKey[] }>;
  /** Entity tags (`Order:42`, `Customer:001…`) of the cached responses and subgraph fetches that hold the entity. */
  tags: string[];
}

const many2oneId = (value: unknown): number | undefined => {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  if (Array.isArray(value) && typeof value[0] === 'number') return value[0];
  return undefined;
};
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' && value.length <= 200 ? value : undefined);

function plan(): InvalidationPlan {
  return { records: [], tags: [] };
}
function add(p: InvalidationPlan, kind: RecordKind, key: RecordKey | undefined): void {
  if (key === undefined) return;
  const found = p.records.find((r) => r.kind === kind);
  if (found) {
    if (!found.keys.includes(key)) found.keys.push(key);
  } else p.records.push({ kind, keys: [key] });
}

/**
 * What a change of one Odoo model evicts, beside the fields its automation rule sends: those the
 * eviction reads (a field a rule left out only means less is evicted: a list keyed by it keeps its
 * TTL bound) and those whose change alone should notify (`state`, `quantity`).
 */
interface OdooModelPlan {
  fields: string[];
  evict(p: InvalidationPlan, id: number, values: Record<string, unknown>): void;
}

const ODOO_MODEL_PLANS = new Map<string, OdooModelPlan>([
  [
    'res.partner',
    {
      fields: ['ref'],
      evict(p, id, values) {
        add(p, ODOO_KINDS.partner, id);
        const ref = text(values.ref);
        add(p, ODOO_KINDS.partnerByRef, ref);
        if (ref) p.tags.push(`Customer:${ref}`);
      },
    },
  ],
  [
    'sale.order',
    {
      fields: ['name', 'partner_id', 'state'],
      evict(p, id, values) {
        add(p, ODOO_KINDS.order, id);
        add(p, ODOO_KINDS.orderByName, text(values.name));
        add(p, ODOO_KINDS.pickingsByOrder, id);
        add(p, ODOO_KINDS.orderIdsByPartner, many2oneId(values.partner_id));
        p.tags.push(`Order:${id}`);
      },
    },
  ],
  [
    'sale.order.line',
    {
      fields: ['order_id'],
      evict(p, id, values) {
        add(p, ODOO_KINDS.orderLine, id);
        const order = many2oneId(values.order_id);
        if (order !== undefined) p.tags.push(`Order:${order}`);
      },
    },
  ],
  [
    'stock.picking',
    {
      fields: ['sale_id', 'state'],
      evict(p, _id, values) {
        const order = many2oneId(values.sale_id);
        add(p, ODOO_KINDS.pickingsByOrder, order);
        if (order !== undefined) p.tags.push(`Order:${order}`);
      },
    },
  ],
  ['stock.quant', { fields: ['product_id', 'quantity'], evict: evictProductStock }],
  ['stock.move', { fields: ['product_id', 'state'], evict: evictProductStock }],
  [
    'account.move',
    {
      fields: ['name', 'partner_id', 'invoice_origin', 'payment_state'],
      evict(p, id, values) {
        add(p, ODOO_KINDS.move, id);
        add(p, ODOO_KINDS.moveByName, text(values.name));
        const partner = many2oneId(values.partner_id);
        add(p, ODOO_KINDS.moveIdsByPartner, partner);
        // A partner's credit and overdue totals are computed from its invoices.
        add(p, ODOO_KINDS.partner, partner);
        add(p, ODOO_KINDS.movesByOrderName, text(values.invoice_origin));
        p.tags.push(`Invoice:${id}`);
      },
    },
  ],
]);

function evictProductStock(p: InvalidationPlan, _id: number, values: Record<string, unknown>): void {
  const product = many2oneId(values.product_id);
  add(p, ODOO_KINDS.productStock, product);
  add(p, ODOO_KINDS.quantsByProduct, product);
  if (product !== undefined) p.tags.push(`Product:${product}`);
}

/** An Odoo webhook notification (`_model`, `_id` and the rule's fields) as what it evicts; nothing for a model we do not cache. */
export function odooPlan(model: string, id: number, values: Record<string, unknown>): InvalidationPlan {
  const p = plan();
  ODOO_MODEL_PLANS.get(model)?.evict(p, id, values);
  return p;
}

/** The fields each Odoo automation rule sends (one rule per model above). */
export const ODOO_WEBHOOK_FIELDS: Readonly<Record<string, string[]>> = Object.fromEntries([...ODOO_MODEL_PLANS].map(([model, { fields }]) => [model, fields]));

/** A Salesforce change event's header, as far as eviction needs it. */
export interface SalesforceChangeHeader {
  entityName: string;
  recordIds: string[];
  changeType: string;
}

/** A Change Data Capture event as what it evicts. */
export function salesforcePlan(header: SalesforceChangeHeader, payload: Record<string, unknown>): InvalidationPlan {
  const p = plan();
  if (header.entityName === 'Account') {
    for (const id of header.recordIds) {
      add(p, SALESFORCE_KINDS.account, id);
      p.tags.push(`Customer:${id}`);
    }
  } else if (header.entityName === 'Contact') {
    // An update names only what changed; a create or an AccountId change names the Account.
    const account = text(payload.AccountId);
    add(p, SALESFORCE_KINDS.contactsByAccount, account);
    if (account) p.tags.push(`Customer:${account}`);
  } else if (header.entityName === 'User') {
    for (const id of header.recordIds) add(p, SALESFORCE_KINDS.user, id);
  }
  return p;
}

/** A Zendesk ticket event as what it evicts; `customerOf` maps an organization to its Customer id (external_id). */
export async function zendeskPlan(type: string, ticketId: number, organizationId: number | undefined, customerOf: (orgId: number) => Promise<string | undefined>): Promise<InvalidationPlan> {
  const p = plan();
  add(p, SERVICEDESK_KINDS.ticket, ticketId);
  if (type.endsWith('ticket.comment_added')) add(p, SERVICEDESK_KINDS.commentsByTicket, ticketId);
  add(p, SERVICEDESK_KINDS.openCountByOrganization, organizationId);
  if (type.endsWith('ticket.created') || type.endsWith('ticket.organization_changed')) add(p, SERVICEDESK_KINDS.ticketIdsByOrganization, organizationId);
  p.tags.push(`Case:${ticketId}`);
  if (organizationId !== undefined) {
    const customer = await customerOf(organizationId).catch(() => undefined);
    if (customer) p.tags.push(`Customer:${customer}`);
  }
  return p;
}

/**
 * What an invalidation by entity type and id evicts (the gateway's `POST /invalidate`): the
 * entity's records by id. Lists holding it are left to their TTLs, as the caller names no list.
 */
export function entityPlan(type: string, id: string): InvalidationPlan | undefined {
  const p = plan();
  const numeric = /^\d{1,15}$/.test(id) ? Number(id) : undefined;
  switch (type) {
    case 'Customer':
      add(p, SALESFORCE_KINDS.account, id);
      add(p, ODOO_KINDS.partnerByRef, id);
      break;
    case 'Order':
      add(p, ODOO_KINDS.order, numeric);
      add(p, ODOO_KINDS.pickingsByOrder, numeric);
      break;
    case 'Product':
      add(p, ODOO_KINDS.product, numeric);
      add(p, ODOO_KINDS.productStock, numeric);
      add(p, ODOO_KINDS.quantsByProduct, numeric);
      break;
    case 'Invoice':
      add(p, ODOO_KINDS.move, numeric);
      break;
    case 'Case':
      add(p, SERVICEDESK_KINDS.ticket, numeric);
      add(p, SERVICEDESK_KINDS.commentsByTicket, numeric);
      break;
    default:
      return undefined;
  }
  p.tags.push(`${type}:${id}`);
  return p;
}
