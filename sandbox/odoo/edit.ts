import { EditError } from '../common/admin.js';
import { OdooError } from './errors.js';
import type { Orm } from './types.js';

/**
 * `POST /__sandbox/edit` on Odoo: `{ model, id, values }` written through the ORM, as a user
 * saving a form would (conversion, required fields, computed values following). A change of
 * `sale.order.state` takes the button a user would press: `sale` confirms (`action_confirm`,
 * with its delivery and reservation), `cancel` cancels (`action_cancel`), `draft` resets a
 * cancelled or sent quotation (`action_draft`), `sent` marks a quotation sent.
 */

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function moveOrder(orm: Orm, id: number, target: unknown): void {
  const current = orm.row('sale.order', id)!.state;
  if (target === current) return;
  const act = (method: string) => orm.callKw('sale.order', method, [[id]], {});
  if (target === 'sale' && (current === 'draft' || current === 'sent')) act('action_confirm');
  else if (target === 'cancel') act('action_cancel');
  else if (target === 'draft' && (current === 'cancel' || current === 'sent')) act('action_draft');
  else if (target === 'sent' && current === 'draft') orm.writeIds('sale.order', [id], { state: 'sent' });
  else throw new EditError(`sale.order ${id} cannot go from state ${JSON.stringify(current)} to ${JSON.stringify(target)}`);
}

/** Applies one edit; throws EditError for an unknown model, record or field, or a value Odoo refuses. */
export function applyOdooEdit(orm: Orm, body: unknown): void {
  if (!isObject(body)) throw new EditError('an edit is a JSON object {model, id, values}');
  const { model, id, values } = body;
  if (typeof model !== 'string' || !orm.hasModel(model)) throw new EditError(`unknown model ${JSON.stringify(model)}`);
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new EditError('id must be an integer record id');
  if (!orm.row(model, id)) throw new EditError(`${model} ${id} does not exist`);
  if (!isObject(values) || Object.keys(values).length === 0) throw new EditError('values must be an object with at least one field');
  const fields = orm.table(model).fields;
  for (const name of Object.keys(values)) {
    const def = fields[name];
    if (!def) throw new EditError(`unknown field ${JSON.stringify(name)} on ${model}`);
    if (def.compute) throw new EditError(`${model}.${name} is computed: write the values it derives from`);
  }
  const rest = { ...values };
  try {
    if (model === 'sale.order' && 'state' in rest) {
      moveOrder(orm, id, rest.state);
      delete rest.state;
    }
    if (Object.keys(rest).length > 0) orm.writeIds(model, [id], rest);
  } catch (err) {
    if (err instanceof OdooError) throw new EditError(`${err.exceptionName}: ${err.message}`);
    throw err;
  }
}
