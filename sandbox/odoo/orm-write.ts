import { missingError, pyRepr, typeError, validationError, valueError } from './errors.js';
import { toIds } from './method-args.js';
import { beforeCreate, beforeUnlink } from './sale-flow.js';
import { NUMERIC_TYPES, type Context, type FieldDef, type OdooRecord, type Orm } from './types.js';

/**
 * Writing: `create`, `write` and `unlink` with Odoo's value conversion, required fields,
 * x2many commands and the cascade of required one2many links. Every stored change goes through
 * the ORM's storage primitives, so that observers see it.
 */

function convert(orm: Orm, model: string, fname: string, def: FieldDef, value: unknown): unknown {
  const bad = () => valueError(`Wrong value for ${model}.${fname}: ${pyRepr(value)}`);
  if (value === null || value === undefined) value = false;
  switch (def.type) {
    case 'char':
    case 'text':
      if (value === false) return false;
      if (typeof value === 'string') return value;
      if (typeof value === 'number') return String(value);
      throw bad();
    case 'integer':
    case 'float':
    case 'monetary': {
      if (value === false) return 0;
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw bad();
      return def.type === 'integer' ? Math.trunc(n) : n;
    }
    case 'boolean':
      return Boolean(value);
    case 'date':
      if (value === false) return false;
      if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) return value.slice(0, 10);
      throw bad();
    case 'datetime':
      if (value === false) return false;
      if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/.test(value)) {
        return value.length === 10 ? `${value} 00:00:00` : value.length === 16 ? `${value}:00` : value;
      }
      throw bad();
    case 'selection':
      if (value === false) return false;
      if (typeof value === 'string' && def.selection?.some(([k]) => k === value)) return value;
      throw bad();
    case 'many2one': {
      if (value === false || value === 0) return false;
      if (typeof value !== 'number' || !Number.isInteger(value)) throw bad();
      if (!orm.row(def.relation!, value)) {
        throw validationError(`The operation cannot be completed: the record ${def.relation}(${value},) set on ${model}.${fname} does not exist.`);
      }
      return value;
    }
    default:
      throw bad();
  }
}

/** Normalizes an x2many write value into commands. */
function commands(model: string, fname: string, value: unknown): unknown[][] {
  if (value === false || value === null) return [[5, 0, 0]];
  if (!Array.isArray(value)) throw valueError(`Wrong value for ${model}.${fname}: ${pyRepr(value)}`);
  if (value.every((v) => typeof v === 'number')) return [[6, 0, value]];
  for (const c of value) {
    if (!Array.isArray(c) || typeof c[0] !== 'number' || c[0] < 0 || c[0] > 6) throw valueError(`Wrong value for ${model}.${fname}: ${pyRepr(value)}`);
  }
  return value as unknown[][];
}

function applyX2many(orm: Orm, model: string, rec: OdooRecord, fname: string, def: FieldDef, value: unknown, ctx: Context): void {
  const cmds = commands(model, fname, value);
  const rel = def.relation!;
  if (def.type === 'many2many') {
    let ids = Array.isArray(rec[fname]) ? [...(rec[fname] as number[])] : [];
    for (const [code, id, vals] of cmds as Array<[number, unknown, unknown]>) {
      const target = typeof id === 'number' ? id : 0;
      if (code === 0) ids.push(createRecord(orm, rel, (vals ?? {}) as Record<string, unknown>, ctx));
      else if (code === 1) writeRecords(orm, rel, [target], (vals ?? {}) as Record<string, unknown>, ctx);
      else if (code === 2) {
        unlinkRecords(orm, rel, [target]);
        ids = ids.filter((x) => x !== target);
      } else if (code === 3) ids = ids.filter((x) => x !== target);
      else if (code === 4) {
        if (!orm.row(rel, target)) throw missingError([target], orm.uid);
        if (!ids.includes(target)) ids.push(target);
      } else if (code === 5) ids = [];
      else if (code === 6) {
        const list = toIds(vals);
        for (const x of list) if (!orm.row(rel, x)) throw missingError([x], orm.uid);
        ids = [...new Set(list)];
      }
    }
    orm.setField(orm.table(model), rec, fname, ids);
    return;
  }
  // one2many: the link is the comodel's inverse many2one
  const inverse = def.inverse!;
  const relTable = orm.table(rel);
  const inverseRequired = relTable.fields[inverse]?.required === true;
  const detach = (childId: number) => {
    if (inverseRequired) unlinkRecords(orm, rel, [childId]);
    else writeRecords(orm, rel, [childId], { [inverse]: false }, ctx);
  };
  for (const [code, id, vals] of cmds as Array<[number, unknown, unknown]>) {
    const target = typeof id === 'number' ? id : 0;
    if (code === 0) createRecord(orm, rel, { ...((vals ?? {}) as Record<string, unknown>), [inverse]: rec.id }, ctx);
    else if (code === 1) writeRecords(orm, rel, [target], (vals ?? {}) as Record<string, unknown>, ctx);
    else if (code === 2) unlinkRecords(orm, rel, [target]);
    else if (code === 3) detach(target);
    else if (code === 4) writeRecords(orm, rel, [target], { [inverse]: rec.id }, ctx);
    else if (code === 5) for (const child of [...orm.idsBy(rel, inverse, rec.id)]) detach(child);
    else if (code === 6) {
      const keep = new Set(toIds(vals));
      for (const child of [...orm.idsBy(rel, inverse, rec.id)]) if (!keep.has(child)) detach(child);
      for (const x of keep) writeRecords(orm, rel, [x], { [inverse]: rec.id }, ctx);
    }
  }
}

function notNull(orm: Orm, model: string, fname: string, def: FieldDef): Error {
  const t = orm.table(model);
  return validationError(
    'The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n' +
      `Model: ${t.def.description} (${model})\nField: ${def.string} (${fname})\n`,
  );
}

/** Creates one record from vals (defaults, hooks, x2many commands); returns its id. */
export function createRecord(orm: Orm, model: string, input: Record<string, unknown>, ctx: Context = {}): number {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw typeError(`create() values must be a dict, got ${pyRepr(input)}`);
  const table = orm.table(model);
  const env = orm.env(ctx);
  const vals: Record<string, unknown> = { ...input };
  delete vals.id;
  for (const key of Object.keys(vals)) if (!table.fields[key]) throw valueError(`Invalid field '${key}' on model '${model}'`);
  beforeCreate(orm, model, vals, ctx);
  for (const [fname, def] of Object.entries(table.fields)) {
    if (vals[fname] === undefined && def.default && !def.compute) vals[fname] = def.default(env, vals);
  }
  const id = table.nextId;
  const rec: OdooRecord = { id };
  const later: Array<[string, FieldDef, unknown]> = [];
  for (const [fname, def] of Object.entries(table.fields)) {
    if (def.compute) continue;
    const v = vals[fname];
    if (def.type === 'one2many' || def.type === 'many2many') {
      if (def.type === 'many2many') rec[fname] = [];
      if (v !== undefined) later.push([fname, def, v]);
      continue;
    }
    rec[fname] = v === undefined ? (NUMERIC_TYPES.has(def.type) ? 0 : false) : convert(orm, model, fname, def, v);
    if (def.required && (rec[fname] === false || rec[fname] === '')) throw notNull(orm, model, fname, def);
  }
  orm.insertRow(table, rec);
  try {
    for (const [fname, def, v] of later) applyX2many(orm, model, rec, fname, def, v, ctx);
  } catch (err) {
    unlinkRecords(orm, model, [id]);
    throw err;
  }
  return id;
}

/** Writes vals on existing records; MissingError when one does not exist. */
export function writeRecords(orm: Orm, model: string, ids: number[], vals: Record<string, unknown>, ctx: Context = {}): true {
  if (vals === null || typeof vals !== 'object' || Array.isArray(vals)) throw typeError(`write() values must be a dict, got ${pyRepr(vals)}`);
  const table = orm.table(model);
  const missing = ids.filter((id) => !table.rows.has(id));
  if (missing.length) throw missingError(missing, orm.uid);
  const plain: Array<[string, FieldDef, unknown]> = [];
  const x2m: Array<[string, FieldDef, unknown]> = [];
  for (const [fname, v] of Object.entries(vals)) {
    if (fname === 'id') continue;
    const def = table.fields[fname];
    if (!def) throw valueError(`Invalid field '${fname}' on model '${model}'`);
    if (def.compute) continue; // computed without inverse: Odoo ignores the value
    if (def.type === 'one2many' || def.type === 'many2many') x2m.push([fname, def, v]);
    else {
      const converted = convert(orm, model, fname, def, v);
      if (def.required && (converted === false || converted === '')) throw notNull(orm, model, fname, def);
      plain.push([fname, def, converted]);
    }
  }
  for (const id of ids) {
    const rec = table.rows.get(id)!;
    for (const [fname, , v] of plain) orm.setField(table, rec, fname, v);
    for (const [fname, def, v] of x2m) applyX2many(orm, model, rec, fname, def, v, ctx);
  }
  return true;
}

/** Deletes records (and their one2many children whose link is required). */
export function unlinkRecords(orm: Orm, model: string, ids: number[]): true {
  const table = orm.table(model);
  const missing = ids.filter((id) => !table.rows.has(id));
  if (missing.length) throw missingError(missing, orm.uid);
  beforeUnlink(orm, model, ids);
  for (const id of ids) {
    for (const def of Object.values(table.fields)) {
      if (def.type !== 'one2many' || def.compute || !def.relation || !def.inverse) continue;
      const children = [...orm.idsBy(def.relation, def.inverse, id)];
      if (!children.length) continue;
      if (orm.table(def.relation).fields[def.inverse]?.required) unlinkRecords(orm, def.relation, children);
      else for (const c of children) orm.setField(orm.table(def.relation), orm.row(def.relation, c)!, def.inverse, false);
    }
    orm.deleteRow(table, id);
  }
  return true;
}
