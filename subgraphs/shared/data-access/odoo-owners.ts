import type DataLoader from 'dataloader';
import { many2oneId } from '../connectors/odoo/connector.js';
import { ODOO_KINDS } from '../connectors/odoo/record-kinds.js';
import type { OdooMove, OdooOrderLine, OdooPartner, OdooPicking, OdooSaleOrder } from '../connectors/odoo/records.js';
import { ownedByKey, ownedByRecord } from './owned-loader.js';
import { NO_OWNER, type Owner } from './row-filter.js';

/** The raw loaders owner lookups read through (the request's own, so lookups batch and cache with the reads). */
export interface OdooOwnerSources {
  partner: DataLoader<number, OdooPartner | null>;
  order: DataLoader<number, OdooSaleOrder | null>;
}

/** The customer an ERP partner stands for: its crosswalk ref (the Salesforce Account Id). */
function accountOf(partner: OdooPartner | null): string | null {
  return partner && typeof partner.ref === 'string' && partner.ref ? partner.ref : null;
}

/**
 * How every customer-owned Odoo kind finds its customer: a partner is its own crosswalk ref;
 * orders and invoices (`sale.order`, `account.move`, by id and by name) their `partner_id`'s;
 * order lines their order's; lists keyed by a partner (its orders, its invoices) that partner's;
 * pickings keyed by an order that order's. Products, quants and warehouses are shared catalog
 * data and have no owner.
 */
export function odooOwners(sources: OdooOwnerSources) {
  const ofPartner = async (partnerId: number | null): Promise<Owner> => {
    if (partnerId === null) return NO_OWNER;
    return { accountId: accountOf(await sources.partner.load(partnerId)), via: [{ kind: ODOO_KINDS.partner, key: partnerId }] };
  };
  const ofOrder = async (orderId: number | null): Promise<Owner> => {
    if (orderId === null) return NO_OWNER;
    const order = await sources.order.load(orderId);
    const owner = order ? await ofPartner(many2oneId(order.partner_id)) : NO_OWNER;
    return { accountId: owner.accountId, via: [{ kind: ODOO_KINDS.order, key: orderId }, ...owner.via] };
  };
  const orderOwner = (order: OdooSaleOrder) => ofPartner(many2oneId(order.partner_id));
  const moveOwner = (move: OdooMove) => ofPartner(many2oneId(move.partner_id));
  return {
    /** An invoice's owner, for lists of invoices across customers. */
    moveOwner,
    partner: ownedByRecord<number, OdooPartner>(ODOO_KINDS.partner, (partner) => ({ accountId: accountOf(partner), via: [] })),
    partnerByRef: ownedByKey<string, OdooPartner>(ODOO_KINDS.partnerByRef, (ref) => ({ accountId: ref, via: [] })),
    order: ownedByRecord<number, OdooSaleOrder>(ODOO_KINDS.order, orderOwner),
    orderByName: ownedByRecord<string, OdooSaleOrder>(ODOO_KINDS.orderByName, orderOwner),
    orderLine: ownedByRecord<number, OdooOrderLine>(ODOO_KINDS.orderLine, (line) => ofOrder(many2oneId(line.order_id))),
    orderIdsByPartner: ownedByKey<number, number[]>(ODOO_KINDS.orderIdsByPartner, ofPartner),
    move: ownedByRecord<number, OdooMove>(ODOO_KINDS.move, moveOwner),
    moveByName: ownedByRecord<string, OdooMove>(ODOO_KINDS.moveByName, moveOwner),
    moveIdsByPartner: ownedByKey<number, number[]>(ODOO_KINDS.moveIdsByPartner, ofPartner),
    pickingsByOrder: ownedByKey<number, OdooPicking[]>(ODOO_KINDS.pickingsByOrder, ofOrder),
  };
}
