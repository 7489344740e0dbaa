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
 * An Odoo webhook notification (`_model`, `_id` and the rule's fields) as what it evicts. The
 * fields a rule must send are listed in ODOO_WEBHOOK_FIELDS; a field it left out only means less
 * is evicted (a list keyed by it keeps its TTL bound).
 */
export function odooPlan(model: string, id: number, values: Record<string, unknown>): InvalidationPlan {
  const p = plan();
  switch (model) {
    case 'res.partner': {
      add(p, ODOO_KINDS.partner, id);
      const ref = text(values.ref);
      add(p, ODOO_KINDS.partnerByRef, ref);
      if (ref) p.tags.push(`Customer:${ref}`);
      break;
    }
    case 'sale.order': {
      add(p, ODOO_KINDS.order, id);
      add(p, ODOO_KINDS.orderByName, text(values.name));
      add(p, ODOO_KINDS.pickingsByOrder, id);
      add(p, ODOO_KINDS.orderIdsByPartner, many2oneId(values.partner_id));
      p.tags.push(`Order:${id}`);
      break;
    }
    case 'sale.order.line': {
      add(p, ODOO_KINDS.orderLine, id);
      const order = many2oneId(values.order_id);
      if (order !== undefined) p.tags.push(`Order:${order}`);
      break;
    }
    case 'stock.picking': {
      const order = many2oneId(values.sale_id);
      add(p, ODOO_KINDS.pickingsByOrder, order);
      if (order !== undefined) p.tags.push(`Order:${order}`);
      break;
    }
    case 'stock.quant':
    case 'stock.move': {
      const product = many2oneId(values.product_id);
      add(p, ODOO_KINDS.productStock, product);
      add(p, ODOO_KINDS.quantsByProduct, product);
      if (product !== undefined) p.tags.push(`Product:${product}`);
      break;
    }
    case 'account.move': {
      add(p, ODOO_KINDS.move, id);
      add(p, ODOO_KINDS.moveByName, text(values.name));
      const partner = many2oneId(values.partner_id);
      add(p, ODOO_KINDS.moveIdsByPartner, partner);
      // A partner's credit and overdue totals are computed from its invoices.
      add(p, ODOO_KINDS.partner, partner);
      add(p, ODOO_KINDS.movesByOrderName, text(values.invoice_origin));
      p.tags.push(`Invoice:${id}`);
      break;
    }
    default:
      break;
  }
  return p;
}

/** The fields each Odoo automation rule sends, so that `odooPlan` finds every key it needs. */
export const ODOO_WEBHOOK_FIELDS: Readonly<Record<string, string[]>> = {
  'res.partner': ['ref'],
  'sale.order': ['name', 'partner_id', 'state'],
  'sale.order.line': ['order_id'],
  'stock.picking': ['sale_id', 'state'],
  'stock.quant': ['product_id', 'quantity'],
  'stock.move': ['product_id', 'state'],
  'account.move': ['name', 'partner_id', 'invoice_origin', 'payment_state'],
};

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
