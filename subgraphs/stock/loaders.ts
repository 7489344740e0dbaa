import type DataLoader from 'dataloader';
import type { RecordCache, StaleObserver } from '../shared/cache/record-cache.js';
import { createCachedLoader, monotonicNow, primeRecords } from '../shared/cache/cached-loader.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import { ODOO_KINDS } from '../shared/connectors/odoo/record-kinds.js';
import type { OdooPartner, OdooPicking, OdooProduct, OdooQuant, OdooSaleOrder, OdooWarehouse } from '../shared/connectors/odoo/records.js';

/** The per-request loaders of the stock subgraph; each batch is one Odoo call (or none, when cached). */
export interface StockLoaders {
  /** Products by id, archived ones included (old orders reference them). */
  product: DataLoader<number, OdooProduct | null>;
  /** Products by SKU, archived ones included (an active product wins over an archived one with its SKU). */
  productBySku: DataLoader<string, OdooProduct | null>;
  /** The product's quantities, under the stock TTL. */
  productStock: DataLoader<number, OdooProduct | null>;
  quants: DataLoader<number, OdooQuant[] | null>;
  /** All warehouses under the single key `all`. */
  warehouses: DataLoader<'all', OdooWarehouse[] | null>;
  pickingsByOrder: DataLoader<number, OdooPicking[] | null>;
  /** Orders by id (the records the orders subgraph caches): only for a partner principal's ownership check. */
  order: DataLoader<number, OdooSaleOrder | null>;
  /** Partners by id: an order's customer (crosswalk ref), only for a partner principal's ownership check. */
  partner: DataLoader<number, OdooPartner | null>;
}

/**
 * Creates the loaders of one request. Catalog data and quantities live in the same Odoo record
 * but under different TTLs; a product fetched from Odoo is fresh enough for both, so reading its
 * quantities then costs no second call: not in this request (the `fresh` map, which also serves
 * when nothing is cached), nor in a concurrent one (the quantities prime the record cache).
 */
export function createStockLoaders(odoo: OdooConnector, cache: RecordCache, stale: StaleObserver): StockLoaders {
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
  return {
    product: createCachedLoader(cache, ODOO_KINDS.product, (ids: number[]) => read(() => odoo.productsByIds(ids)), stale),
    productBySku: createCachedLoader(cache, ODOO_KINDS.productBySku, (skus: string[]) => read(() => odoo.productsBySkus(skus, { includeArchived: true })), stale),
    productStock: createCachedLoader(
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
    ),
    quants: createCachedLoader(cache, ODOO_KINDS.quantsByProduct, (ids) => odoo.quantsByProductIds(ids), stale),
    warehouses: createCachedLoader(cache, ODOO_KINDS.warehouses, async () => new Map([['all' as const, await odoo.warehouses()]]), stale),
    pickingsByOrder: createCachedLoader(cache, ODOO_KINDS.pickingsByOrder, (ids) => odoo.pickingsByOrderIds(ids), stale),
    order: createCachedLoader(cache, ODOO_KINDS.order, (ids) => odoo.ordersByIds(ids), stale),
    partner: createCachedLoader(cache, ODOO_KINDS.partner, (ids) => odoo.partnersByIds(ids), stale),
  };
}
