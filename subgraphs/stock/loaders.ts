import type { RecordCache, StaleObserver } from '../shared/cache/record-cache.js';
import { createCachedLoader, monotonicNow, primeRecords } from '../shared/cache/cached-loader.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { ODOO_KINDS } from '../shared/connectors/odoo/record-kinds.js';
import type { OdooPicking, OdooProduct, OdooQuant, OdooWarehouse } from '../shared/connectors/odoo/records.js';
import { odooOwners } from '../shared/data-access/odoo-owners.js';
import { ownedLoader, sharedLoader, type RowLoader } from '../shared/data-access/owned-loader.js';
import type { RowFilter } from '../shared/data-access/row-filter.js';

/**
 * What the stock resolvers read; each batch is one Odoo call (or none, when cached). Products,
 * quantities and warehouses are catalog data every principal sees; an order's pickings are its
 * customer's rows, read through the row filter.
 */
export interface StockLoaders {
  /** Products by id, archived ones included (old orders reference them). */
  product: RowLoader<number, OdooProduct>;
  /** Products by SKU, archived ones included (an active product wins over an archived one with its SKU). */
  productBySku: RowLoader<string, OdooProduct>;
  /** The product's quantities, under the stock TTL. */
  productStock: RowLoader<number, OdooProduct>;
  quants: RowLoader<number, OdooQuant[]>;
  /** All warehouses under the single key `all`. */
  warehouses: RowLoader<'all', OdooWarehouse[]>;
  /** An order's outgoing pickings; another reseller's order has none for a partner, like an unknown order. */
  pickingsByOrder: RowLoader<number, OdooPicking[]>;
}

/**
 * Creates the data-access layer of one request over its row filter. Catalog data and quantities live in the same Odoo record
 * but under different TTLs; a product fetched from Odoo is fresh enough for both, so reading its
 * quantities then costs no second call: not in this request (the `fresh` map, which also serves
 * when nothing is cached), nor in a concurrent one (the quantities prime the record cache).
 */
export function createStockLoaders(odoo: OdooConnector, cache: RecordCache, stale: StaleObserver, rows: RowFilter): StockLoaders {
  const fresh = new Map<number, OdooProduct>();
  const remember = (found: ReadonlyMap<unknown, OdooProduct>, readStartedAt: number) => {
    const loaded = new Map<number, OdooProduct>();
    for (const p of found.values()) {
      fresh.set(p.id, p);
      loaded.set(p.id, p);
    }
    primeRecords(cache, ODOO_KINDS.productStock, loaded, readStartedAt);
  };
  const read = async <K>(load: () => Promise<Map<K, OdooProduct>>) => {
    const readStartedAt = monotonicNow();
    const found = await load();
    remember(found, readStartedAt);
    return found;
  };
  // Read for the ownership of pickings only: an order's partner gives its customer.
  const owners = odooOwners({
    order: createCachedLoader(cache, ODOO_KINDS.order, (ids: number[]) => odoo.ordersByIds(ids), rows.observer),
    partner: createCachedLoader(cache, ODOO_KINDS.partner, (ids: number[]) => odoo.partnersByIds(ids), rows.observer),
  });
  return {
    product: sharedLoader(createCachedLoader(cache, ODOO_KINDS.product, (ids: number[]) => read(() => odoo.productsByIds(ids)), stale)),
    productBySku: sharedLoader(createCachedLoader(cache, ODOO_KINDS.productBySku, (skus: string[]) => read(() => odoo.productsBySkus(skus, { includeArchived: true })), stale)),
    productStock: sharedLoader(createCachedLoader(
      cache,
      ODOO_KINDS.productStock,
      async (ids) => {
        const result = new Map<number, OdooProduct>();
        const rest = ids.filter((id) => {
          const p = fresh.get(id);
          if (p) result.set(id, p);
          return !p;
        });
        if (rest.length > 0) for (const [id, p] of await read(() => odoo.productsByIds(rest))) result.set(id, p);
        return result;
      },
      stale,
    )),
    quants: sharedLoader(createCachedLoader(cache, ODOO_KINDS.quantsByProduct, (ids: number[]) => odoo.quantsByProductIds(ids), stale)),
    warehouses: sharedLoader(createCachedLoader(cache, ODOO_KINDS.warehouses, async () => new Map([['all' as const, await odoo.warehouses()]]), stale)),
    pickingsByOrder: ownedLoader(rows, createCachedLoader(cache, ODOO_KINDS.pickingsByOrder, (ids: number[]) => odoo.pickingsByOrderIds(ids), rows.observer), owners.pickingsByOrder),
  };
}
