import DataLoader from 'dataloader';
import type { RecordCache } from '../shared/cache/record-cache.js';
import { createCachedLoader, monotonicNow, primeRecords } from '../shared/cache/cached-loader.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { odooOwners } from '../shared/data-access/odoo-owners.js';
import { ownedLoader, ownedMembers, type RowLoader } from '../shared/data-access/owned-loader.js';
import type { RowFilter } from '../shared/data-access/row-filter.js';
import { settled } from '../shared/data-access/settled.js';
import { ODOO_KINDS } from '../shared/connectors/odoo/record-kinds.js';
import type { OdooMove, OdooPartner, OdooSaleOrder } from '../shared/connectors/odoo/records.js';

/**
 * What the invoices resolvers read: every record through the row filter, so that a partner gets
 * only its own customers' invoices, partners and orders (null or left out for the rest, as for
 * what does not exist), whatever a resolver forgets to ask. Each batch is one Odoo call (or none,
 * when cached).
 */
export interface InvoicesLoaders {
  move: RowLoader<number, OdooMove>;
  moveByName: RowLoader<string, OdooMove>;
  /**
   * Invoice and credit note ids of a partner, newest first. Read with the moves' canonical fields
   * in one call: the records prime this request's move loader and the record cache.
   */
  moveIdsByPartner: RowLoader<number, number[]>;
  /** A partner's invoices and credit notes, newest first: its id list and the records behind it. */
  movesOfPartner: DataLoader<number, OdooMove[]>;
  /** Invoices by order name (`invoice_origin`), across customers: only for an order whose customer is unknown. */
  movesByOrderName: RowLoader<string, OdooMove[]>;
  /** Posted invoices and credit notes with an open residual, derived from the partner's list. */
  openItems: DataLoader<number, OdooMove[]>;
  partner: RowLoader<number, OdooPartner>;
  partnerByRef: RowLoader<string, OdooPartner>;
  /** Orders by id: only when a caller sends an Order without its number. */
  order: RowLoader<number, OdooSaleOrder>;
  /** Orders by name: turns an invoice's origin into the Order's id key. */
  orderByName: RowLoader<string, OdooSaleOrder>;
}

/** Whether a move is open: posted and not fully paid (Odoo's own open-item rule). */
export function isOpenItem(move: OdooMove): boolean {
  return move.state === 'posted' && move.amount_residual !== 0;
}

/** Creates the data-access layer of one request over its row filter; the raw loaders stay inside it. */
export function createInvoicesLoaders(odoo: OdooConnector, cache: RecordCache, rows: RowFilter): InvoicesLoaders {
  const stale = rows.observer;
  const rawMove = createCachedLoader(cache, ODOO_KINDS.move, (ids: number[]) => odoo.movesByIds(ids), stale);
  const listMoves = async (partnerIds: number[]) => {
    const readStartedAt = monotonicNow();
    const lists = await odoo.movesByPartnerIds(partnerIds);
    const records = [...lists.values()].flat();
    for (const m of records) rawMove.prime(m.id, m);
    primeRecords(cache, ODOO_KINDS.move, new Map(records.map((m) => [m.id, m])), readStartedAt);
    return new Map([...lists].map(([partnerId, moves]) => [partnerId, moves.map((m) => m.id)]));
  };
  const raw = {
    partner: createCachedLoader(cache, ODOO_KINDS.partner, (ids: number[]) => odoo.partnersByIds(ids), stale),
    order: createCachedLoader(cache, ODOO_KINDS.order, (ids: number[]) => odoo.ordersByIds(ids), stale),
  };
  const owners = odooOwners(raw);
  const move = ownedLoader(rows, rawMove, owners.move);
  const moveIdsByPartner = ownedLoader(rows, createCachedLoader(cache, ODOO_KINDS.moveIdsByPartner, listMoves, stale), owners.moveIdsByPartner);
  // Not cached on their own: the list and the records are, and these derive from them (through the row filter).
  const movesOfPartner = new DataLoader<number, OdooMove[]>(async (partnerIds) => {
    const lists = settled(await moveIdsByPartner.loadMany(partnerIds));
    const records = settled(await move.loadMany([...new Set(lists.flatMap((ids) => ids ?? []))]));
    const byId = new Map(records.flatMap((m) => (m ? [[m.id, m] as const] : [])));
    return lists.map((ids) => (ids ?? []).flatMap((id) => byId.get(id) ?? []));
  });
  const openItems = new DataLoader<number, OdooMove[]>(async (partnerIds) =>
    settled(await movesOfPartner.loadMany(partnerIds)).map((moves) =>
      // Oldest due first, as Odoo's open-items view sorts them.
      moves.filter(isOpenItem).sort((a, b) => String(a.invoice_date_due).localeCompare(String(b.invoice_date_due)) || a.id - b.id),
    ),
  );
  return {
    move,
    moveByName: ownedLoader(rows, createCachedLoader(cache, ODOO_KINDS.moveByName, (names: string[]) => odoo.movesByNames(names), stale), owners.moveByName),
    moveIdsByPartner,
    movesOfPartner,
    movesByOrderName: ownedMembers(rows, createCachedLoader(cache, ODOO_KINDS.movesByOrderName, (names: string[]) => odoo.movesByOrderNames(names), stale), ODOO_KINDS.movesByOrderName, owners.moveOwner),
    openItems,
    partner: ownedLoader(rows, raw.partner, owners.partner),
    partnerByRef: ownedLoader(rows, createCachedLoader(cache, ODOO_KINDS.partnerByRef, (refs: string[]) => odoo.partnersByRefs(refs), stale), owners.partnerByRef),
    order: ownedLoader(rows, raw.order, owners.order),
    orderByName: ownedLoader(rows, createCachedLoader(cache, ODOO_KINDS.orderByName, (names: string[]) => odoo.ordersByNames(names), stale), owners.orderByName),
  };
}
