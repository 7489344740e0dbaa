import type { RecordCache, RecordKey } from '../shared/cache/record-cache.js';
import { many2oneId, type OdooConnector } from '../shared/connectors/odoo/connector.js';
import { ODOO_KINDS } from '../shared/connectors/odoo/record-kinds.js';
import type { OdooPartner, OdooSaleOrder } from '../shared/connectors/odoo/records.js';

/** An order as a case links to it: its number (what the ticket field holds) and its customer. */
export interface DirectoryOrder {
  number: string;
  /** The customer's Salesforce Account Id (the ERP partner's crosswalk value); null when it has none. */
  customerId: string | null;
}

/**
 * What the cases subgraph knows of orders, which live in the ERP: enough to check that a case is
 * linked to an order of its own customer.
 */
export interface OrderDirectory {
  /** The order with this number (`S00042`) or numeric id; null when there is none. */
  find(numberOrId: string): Promise<DirectoryOrder | null>;
}

/** An order directory over Odoo, reading through the shared record cache (the orders subgraph's records serve it). */
export function createOdooOrderDirectory(odoo: OdooConnector, cache: RecordCache): OrderDirectory {
  const one = async <K extends RecordKey, V>(kind: (typeof ODOO_KINDS)[keyof typeof ODOO_KINDS], key: K, load: (keys: K[]) => Promise<Map<K, V>>) =>
    (await cache.getMany<V>(kind, [key], (missing) => load(missing as K[]) as Promise<Map<RecordKey, V>>))[0] ?? null;
  return {
    async find(numberOrId) {
      const order = /^\d{1,15}$/.test(numberOrId)
        ? await one<number, OdooSaleOrder>(ODOO_KINDS.order, Number(numberOrId), (ids) => odoo.ordersByIds(ids))
        : await one<string, OdooSaleOrder>(ODOO_KINDS.orderByName, numberOrId, (names) => odoo.ordersByNames(names));
      if (!order) return null;
      const partnerId = many2oneId(order.partner_id);
      const partner = partnerId === null ? null : await one<number, OdooPartner>(ODOO_KINDS.partner, partnerId, (ids) => odoo.partnersByIds(ids));
      return { number: order.name, customerId: typeof partner?.ref === 'string' && partner.ref ? partner.ref : null };
    },
  };
}
