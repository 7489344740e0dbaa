import type { StreamKind } from '../common/change-stream.js';
import type { Rng } from '../common/rng.js';
import type { OdooRecord, Orm } from './types.js';

/**
 * What the scripted change stream does on Odoo, each through the ORM as the warehouse, the sales
 * team and the accountants would: stock counts move (`stock.quant.quantity`, never below what is
 * reserved, so never negative), quotations are sent, confirmed, cancelled or reset to draft
 * (`sale.order.state`, through the same actions as the buttons), and customers are put on or
 * taken off credit hold (`res.partner.sale_warn` = `block` with a `sale_warn_msg`).
 */

const HOLD_REASONS = [
  'Credit limit exceeded: contact accounting before confirming new orders.',
  'Overdue invoices: second payment reminder sent.',
  'Payment terms under review by finance.',
  'Returned direct debit: hold until settled.',
];

/** Id lists of tables, rebuilt when a table's size changes (a stale id is skipped by the caller). */
const idLists = new WeakMap<Map<number, OdooRecord>, number[]>();

/** Random rows of a model matching `fits` (sampled, so that large tables cost the same). */
function pick(orm: Orm, rng: Rng, model: string, fits: (rec: OdooRecord) => boolean): OdooRecord | undefined {
  const rows = orm.table(model).rows;
  let ids = idLists.get(rows);
  if (!ids || ids.length !== rows.size) idLists.set(rows, (ids = [...rows.keys()]));
  if (ids.length === 0) return undefined;
  for (let i = 0; i < 60; i++) {
    const rec = rows.get(rng.pick(ids));
    if (rec && fits(rec)) return rec;
  }
  return undefined;
}

const storable = (orm: Orm, rec: OdooRecord) => orm.row('product.product', rec.product_id as number)?.type === 'product';
const internal = (orm: Orm, rec: OdooRecord) => orm.row('stock.location', rec.location_id as number)?.usage === 'internal';

/** The stream kinds of an Odoo sandbox over its current ORM. */
export function odooStreamKinds(orm: () => Orm): Record<string, StreamKind> {
  return {
    'stock.quant.quantity': (rng) => {
      const o = orm();
      const quant = pick(o, rng, 'stock.quant', (q) => storable(o, q) && internal(o, q));
      if (!quant) return false;
      const delta = rng.chance(0.5) ? rng.int(1, 12) : -rng.int(1, 6);
      const quantity = Math.max(Number(quant.reserved_quantity) || 0, (Number(quant.quantity) || 0) + delta);
      if (quantity === quant.quantity) return false;
      o.writeIds('stock.quant', [quant.id], { quantity });
      return true;
    },
    'sale.order.state': (rng) => {
      const o = orm();
      const roll = rng.next();
      const move: [string[], string] = roll < 0.4 ? [['draft', 'sent'], 'action_confirm'] : roll < 0.6 ? [['draft'], 'sent'] : roll < 0.8 ? [['draft', 'sent'], 'action_cancel'] : [['cancel'], 'action_draft'];
      const order = pick(o, rng, 'sale.order', (r) => move[0].includes(String(r.state)));
      if (!order) return false;
      if (move[1] === 'sent') o.writeIds('sale.order', [order.id], { state: 'sent' });
      else o.callKw('sale.order', move[1], [[order.id]], {});
      return true;
    },
    'res.partner.credit_hold': (rng) => {
      const o = orm();
      const partner = pick(o, rng, 'res.partner', (p) => p.is_company === true && Number(p.customer_rank) > 0 && typeof p.ref === 'string');
      if (!partner) return false;
      const hold = partner.sale_warn !== 'block';
      o.writeIds('res.partner', [partner.id], hold ? { sale_warn: 'block', sale_warn_msg: rng.pick(HOLD_REASONS) } : { sale_warn: 'no-message', sale_warn_msg: false });
      return true;
    },
  };
}
