import DataLoader from 'dataloader';
import type { RecordCache, StaleObserver } from '../shared/cache/record-cache.js';
import { createCachedLoader, monotonicNow, primeRecords } from '../shared/cache/cached-loader.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { settled } from '../shared/data-access/settled.js';
import { ODOO_KINDS } from '../shared/connectors/odoo/record-kinds.js';
import type { OdooMove, OdooPartner, OdooSaleOrder } from '../shared/connectors/odoo/records.js';

/** The per-request loaders of the invoices subgraph; each batch is one Odoo call (or none, when cached). */
export interface InvoicesLoaders {
  move: DataLoader<number, OdooMove | null>;
  moveByName: DataLoader<string, OdooMove | null>;
  /**
   * Invoice and credit note ids of a partner, newest first. Read with the moves' canonical fields
   * in one call: the records prime this request's move loader and the record cache.
   */
  moveIdsByPartner: DataLoader<number, number[] | null>;
  /** A partner's invoices and credit notes, newest first: its id list and the records behind it. */
  movesOfPartner: DataLoader<number, OdooMove[]>;
  /** Invoices by order name (`invoice_origin`): only for an order whose customer is unknown. */
  movesByOrderName: DataLoader<string, OdooMove[] | null>;
  /** Posted invoices and credit notes with an open residual, derived from the partner's list. */
  openItems: DataLoader<number, OdooMove[]>;
  partner: DataLoader<number, OdooPartner | null>;
  partnerByRef: DataLoader<string, OdooPartner | null>;
  /** Orders by id: only when a caller sends an Order without its number. */
  order: DataLoader<number, OdooSaleOrder | null>;
  /** Orders by name: turns an invoice's origin into the Order's id key. */
  orderByName: DataLoader<string, OdooSaleOrder | null>;
}

/** Whether a move is open: posted and not fully paid (Odoo's own open-item rule). */
export function isOpenItem(move: OdooMove): boolean {
  return move.state === 'posted' && move.amount_residual !== 0;
}

/** Creates the loaders of one request. */
export function createInvoicesLoaders(odoo: OdooConnector, cache: RecordCache, stale: StaleObserver): InvoicesLoaders {
  const move = createCachedLoader(cache, ODOO_KINDS.move, (ids: number[]) => odoo.movesByIds(ids), stale);
  const listMoves = async (partnerIds: number[]) => {
    const readStartedAt = monotonicNow();
    const lists = await odoo.movesByPartnerIds(partnerIds);
    const records = [...lists.values()].flat();
    for (const m of records) move.prime(m.id, m);
    primeRecords(cache, ODOO_KINDS.move, new Map(records.map((m) => [m.id, m])), readStartedAt);
    return new Map([...lists].map(([partnerId, moves]) => [partnerId, moves.map((m) => m.id)]));
  };
  const moveIdsByPartner = createCachedLoader(cache, ODOO_KINDS.moveIdsByPartner, listMoves, stale);
  // Not cached on their own: the list and the records are, and these derive from them.
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
    moveByName: createCachedLoader(cache, ODOO_KINDS.moveByName, (names) => odoo.movesByNames(names), stale),
    moveIdsByPartner,
    movesOfPartner,
    movesByOrderName: createCachedLoader(cache, ODOO_KINDS.movesByOrderName, (names) => odoo.movesByOrderNames(names), stale),
    openItems,
    partner: createCachedLoader(cache, ODOO_KINDS.partner, (ids) => odoo.partnersByIds(ids), stale),
    partnerByRef: createCachedLoader(cache, ODOO_KINDS.partnerByRef, (refs) => odoo.partnersByRefs(refs), stale),
    order: createCachedLoader(cache, ODOO_KINDS.order, (ids) => odoo.ordersByIds(ids), stale),
    orderByName: createCachedLoader(cache, ODOO_KINDS.orderByName, (names) => odoo.ordersByNames(names), stale),
  };
}
