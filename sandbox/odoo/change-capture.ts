import type { ChangeLog } from '../common/changes.js';
import type { OdooOrm } from './orm.js';
import type { OdooRecord, Orm } from './types.js';

/**
 * Feeds the ORM's stored changes into the change history: one entry per record and transaction
 * with the new and previous values of the fields written (stored values: many2one as an id).
 * Product quantities are computed from quants and stock moves, so a change of either also records
 * the product's new `qty_available`, `free_qty`, `virtual_available`, `incoming_qty` and
 * `outgoing_qty` (all warehouses) as a derived change. Configuration models (`ir.*`,
 * `base.automation`) are not data and are not recorded.
 */

const QUANTITY_FIELDS = ['qty_available', 'free_qty', 'virtual_available', 'incoming_qty', 'outgoing_qty'] as const;
const STOCK_MODELS = new Set(['stock.quant', 'stock.move']);
const isConfig = (model: string) => model.startsWith('ir.') || model === 'base.automation';
/** The before-commit hook of the ORM a log observes, replaced when a reset brings a new ORM. */
const detach = new WeakMap<ChangeLog, () => void>();

/** The stored values of a row (what a create records, and a delete as the previous values). */
export function storedValues(orm: Orm, model: string, rec: OdooRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(orm.table(model).fields)) {
    if (def.compute || def.type === 'one2many') continue;
    out[name] = rec[name];
  }
  return out;
}

function quantities(orm: Orm, productId: number): Record<string, unknown> | undefined {
  const product = orm.row('product.product', productId);
  if (!product) return undefined;
  const env = orm.env();
  return Object.fromEntries(QUANTITY_FIELDS.map((f) => [f, orm.value('product.product', product, f, env)]));
}

/** Observes an ORM into a change log (call again with the new ORM after a reset). */
export function captureChanges(orm: OdooOrm, log: ChangeLog): void {
  // Quantities of the products a transaction touches, as they were before its first stock change.
  const before = new Map<number, Record<string, unknown> | undefined>();
  const touch = (productId: unknown) => {
    if (typeof productId === 'number' && !before.has(productId)) before.set(productId, quantities(orm, productId));
  };
  orm.observer = {
    beforeInsert(model, rec) {
      if (STOCK_MODELS.has(model)) touch(rec.product_id);
    },
    created(model, rec) {
      if (!isConfig(model)) log.created(model, rec.id, storedValues(orm, model, rec));
    },
    changed(model, rec, field, previous, value) {
      if (isConfig(model)) return;
      if (STOCK_MODELS.has(model)) {
        touch(rec.product_id);
        if (field === 'product_id') touch(value);
      }
      log.changed(model, rec.id, field, previous, value);
    },
    deleted(model, rec) {
      if (isConfig(model)) return;
      if (STOCK_MODELS.has(model)) touch(rec.product_id);
      log.deleted(model, rec.id, storedValues(orm, model, rec));
    },
  };
  detach.get(log)?.();
  detach.set(
    log,
    log.onBeforeCommit(() => {
      for (const [productId, was] of before) {
        const now = quantities(orm, productId);
        if (!was || !now) continue;
        for (const f of QUANTITY_FIELDS) if (was[f] !== now[f]) log.changed('product.product', productId, f, was[f], now[f], true);
      }
      before.clear();
    }),
  );
}
