import { valueError } from './errors.js';
import type { ComputeEnv, Context, OdooRecord, Orm } from './types.js';

/** Reading: `read(ids, fields)` and the wire format of each field type. */

/** Formats one field value for the wire (many2one pairs, `false` for empty). */
export function formatValue(orm: Orm, model: string, rec: OdooRecord, fname: string, env: ComputeEnv, classicLoad = true): unknown {
  const def = orm.field(model, fname)!;
  const v = orm.value(model, rec, fname, env);
  switch (def.type) {
    case 'many2one': {
      if (typeof v !== 'number') return false;
      if (!classicLoad) return v;
      const target = def.relation ? orm.row(def.relation, v) : undefined;
      return [v, target ? orm.displayName(def.relation!, target, env) : ''];
    }
    case 'one2many':
    case 'many2many':
      return Array.isArray(v) ? v : [];
    case 'integer':
    case 'float':
    case 'monetary':
      return typeof v === 'number' ? v : 0;
    case 'boolean':
      return v === true;
    default:
      return v === undefined || v === null || v === '' && def.type !== 'char' && def.type !== 'text' ? false : v;
  }
}

/** `read(ids, fields)`: id always included, missing ids dropped. */
export function readRecords(orm: Orm, model: string, ids: number[], fields: string[] | undefined, ctx: Context = {}, classicLoad = true): Array<Record<string, unknown>> {
  const table = orm.table(model);
  const names = (fields ?? orm.fieldNames(model)).filter((f) => f !== 'id');
  for (const f of names) if (!orm.field(model, f)) throw valueError(`Invalid field '${f}' on model '${model}'`);
  const env = orm.env(ctx);
  const out: Array<Record<string, unknown>> = [];
  for (const id of ids) {
    const rec = table.rows.get(id);
    if (!rec) continue;
    const row: Record<string, unknown> = { id };
    for (const f of names) row[f] = formatValue(orm, model, rec, f, env, classicLoad);
    out.push(row);
  }
  return out;
}
