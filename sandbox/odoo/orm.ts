import { accessError, attributeError, missingError, pyRepr, typeError, userError } from './errors.js';
import { GENERIC_METHODS } from './generic-methods.js';
import { indexAdd, indexDelete, indexGet, indexKey } from './indexes.js';
import { bindArgs, toIds } from './method-args.js';
import { MODEL_DEFS } from './models.js';
import { formatValue, readRecords } from './orm-read.js';
import { createRecord, unlinkRecords, writeRecords } from './orm-write.js';
import { MODEL_METHODS } from './sale-flow.js';
import { searchIds } from './search.js';
import type { ComputeEnv, Context, FieldDef, MethodSpec, OdooData, OdooRecord, Orm, OrmObserver, SearchOptions, Table } from './types.js';

/**
 * An in-memory Odoo ORM: tables of records with equality indexes, the domain language, and the
 * public model methods (`search_read`, `read`, `write`, ...) with Odoo's argument binding and
 * errors. Searches narrow candidates through the indexes before evaluating the whole domain;
 * every stored change goes through `insertRow`, `setField` and `deleteRow`, where an observer
 * can see it.
 */

const ID_FIELD: FieldDef = { type: 'integer', string: 'ID', readonly: true };
const PRIVATE_METHOD = /^(_.*|init)$/;

/** The ORM over one database's tables. */
export class OdooOrm implements Orm {
  private readonly tables = new Map<string, Table>();
  /** Next number of each name sequence (`sale.order`, `picking.WH.OUT`, ...). */
  readonly sequences: Map<string, number>;
  /** The user every call runs as. */
  uid = 2;
  /** Sees every stored change (set after the seeded rows are loaded, so that loading is not a change). */
  observer: OrmObserver | undefined;

  constructor(data: OdooData) {
    this.sequences = new Map(data.sequences);
    for (const [name, def] of MODEL_DEFS) {
      const fields: Record<string, FieldDef> = { ...def.fields };
      if (!fields.display_name) {
        fields.display_name = { type: 'char', string: 'Display Name', readonly: true, compute: (env, rec) => this.displayName(name, rec, env) };
      }
      const table: Table = { def, fields, rows: new Map(), nextId: 1, indexes: new Map() };
      for (const f of def.indexed) table.indexes.set(f, new Map());
      this.tables.set(name, table);
      for (const rec of data.records.get(name) ?? []) this.insertRow(table, rec);
    }
  }

  // ---------------------------------------------------------------- storage

  /** Stores a new row and indexes it. */
  insertRow(table: Table, rec: OdooRecord): void {
    this.observer?.beforeInsert?.(table.def.name, rec);
    table.rows.set(rec.id, rec);
    if (rec.id >= table.nextId) table.nextId = rec.id + 1;
    for (const [field, index] of table.indexes) indexAdd(index, indexKey(rec[field]), rec.id);
    this.observer?.created(table.def.name, rec);
  }

  /** Sets one stored field of a row, keeping its index right. */
  setField(table: Table, rec: OdooRecord, field: string, value: unknown): void {
    this.observer?.changed(table.def.name, rec, field, rec[field], value);
    const index = table.indexes.get(field);
    if (index) {
      const oldKey = indexKey(rec[field]);
      const newKey = indexKey(value);
      if (oldKey !== newKey) {
        indexDelete(index, oldKey, rec.id);
        indexAdd(index, newKey, rec.id);
      }
    }
    rec[field] = value;
  }

  /** Removes a row and its index entries. */
  deleteRow(table: Table, id: number): void {
    const rec = table.rows.get(id);
    if (!rec) return;
    this.observer?.deleted(table.def.name, rec);
    for (const [field, index] of table.indexes) indexDelete(index, indexKey(rec[field]), id);
    table.rows.delete(id);
  }

  /** The table of a model, or UserError "Object X doesn't exist". */
  table(model: string): Table {
    const t = this.tables.get(model);
    if (!t) throw userError(`Object ${model} doesn't exist`);
    return t;
  }

  /** Whether a model exists. */
  hasModel(model: string): boolean {
    return this.tables.has(model);
  }

  /** A stored row. */
  row(model: string, id: number): OdooRecord | undefined {
    return this.tables.get(model)?.rows.get(id);
  }

  /** Ids with an indexed field equal to key. */
  idsBy(model: string, field: string, key: unknown): ReadonlySet<number> {
    const index = this.tables.get(model)?.indexes.get(field);
    if (!index) throw new Error(`${model}.${field} is not indexed`);
    return indexGet(index, indexKey(key));
  }

  /** Number of rows of a model. */
  count(model: string): number {
    return this.table(model).rows.size;
  }

  /** A compute environment for a context. */
  env(context: Context = {}): ComputeEnv {
    const env: ComputeEnv = {
      context,
      row: (model, id) => this.row(model, id),
      idsBy: (model, field, key) => this.idsBy(model, field, key),
      rows: (model) => this.table(model).rows.values(),
      value: (model, rec, field) => this.value(model, rec, field, env),
    };
    return env;
  }

  /** The value of a field of a row: stored, computed, or (one2many) from the inverse index. */
  value(model: string, rec: OdooRecord, field: string, env: ComputeEnv): unknown {
    if (field === 'id') return rec.id;
    const table = this.table(model);
    const def = table.fields[field];
    if (!def) return undefined;
    if (def.compute) return def.compute(env, rec);
    if (def.type === 'one2many' && def.relation && def.inverse) {
      const ids = [...this.idsBy(def.relation, def.inverse, rec.id)];
      const comodel = this.table(def.relation);
      // like Odoo, archived children are left out unless active_test is off
      const visible = comodel.fields.active && env.context.active_test !== false ? ids.filter((id) => comodel.rows.get(id)?.active !== false) : ids;
      return visible.sort((a, b) => a - b);
    }
    return rec[field];
  }

  /** display_name of a row. */
  displayName(model: string, rec: OdooRecord, env: ComputeEnv = this.env()): string {
    const def = this.table(model).def;
    if (def.displayName) return def.displayName(env, rec);
    const v = rec[def.recName];
    if (typeof v === 'number' && def.fields[def.recName]?.type === 'many2one') {
      const rel = def.fields[def.recName]!.relation!;
      const target = this.row(rel, v);
      return target ? this.displayName(rel, target, env) : '';
    }
    return v === undefined || v === false || v === null ? '' : String(v);
  }

  /** Field metadata (`id` included), or undefined. */
  field(model: string, name: string): FieldDef | undefined {
    if (name === 'id') return ID_FIELD;
    return this.table(model).fields[name];
  }

  /** All field names of a model, in definition order. */
  fieldNames(model: string): string[] {
    return Object.keys(this.table(model).fields);
  }

  // ---------------------------------------------------------------- operations

  /** Ids matching a domain, ordered, after offset and limit (Odoo's `search`). */
  searchIds(model: string, domain: unknown, ctx: Context = {}, opts: SearchOptions = {}): number[] {
    return searchIds(this, model, domain, ctx, opts);
  }

  /** Formats one field value for the wire (many2one pairs, `false` for empty). */
  formatValue(model: string, rec: OdooRecord, fname: string, env: ComputeEnv, classicLoad = true): unknown {
    return formatValue(this, model, rec, fname, env, classicLoad);
  }

  /** `read(ids, fields)`: id always included, missing ids dropped. */
  read(model: string, ids: number[], fields: string[] | undefined, ctx: Context = {}, classicLoad = true): Array<Record<string, unknown>> {
    return readRecords(this, model, ids, fields, ctx, classicLoad);
  }

  /** Creates one record from vals (defaults, hooks, x2many commands); returns its id. */
  createOne(model: string, input: Record<string, unknown>, ctx: Context = {}): number {
    return createRecord(this, model, input, ctx);
  }

  /** Writes vals on existing records; MissingError when one does not exist. */
  writeIds(model: string, ids: number[], vals: Record<string, unknown>, ctx: Context = {}): true {
    return writeRecords(this, model, ids, vals, ctx);
  }

  /** Deletes records (and their one2many children whose link is required). */
  unlinkIds(model: string, ids: number[]): true {
    return unlinkRecords(this, model, ids);
  }

  /** Sets a stored field without conversion (for server-side flows). */
  setRaw(model: string, id: number, field: string, value: unknown): void {
    const table = this.table(model);
    const rec = table.rows.get(id);
    if (!rec) throw missingError([id], this.uid);
    this.setField(table, rec, field, value);
  }

  /** Next value of a name sequence. */
  nextSequence(key: string): number {
    const n = this.sequences.get(key) ?? 1;
    this.sequences.set(key, n + 1);
    return n;
  }

  // ---------------------------------------------------------------- dispatch

  /** Odoo's `execute_kw`: checks, binds arguments like Python, runs the method. */
  callKw(model: string, method: string, args: unknown, kwargs: unknown): unknown {
    if (PRIVATE_METHOD.test(method)) throw accessError(`Private methods (such as ${method}) cannot be called remotely.`);
    const table = this.table(model);
    const spec = this.method(model, method);
    const denied = table.def.deniedGroups;
    if (denied) {
      const verb = ['write', 'action_confirm', 'action_cancel'].includes(method) ? 'modify' : method === 'create' ? 'create' : method === 'unlink' ? 'delete' : 'access';
      throw accessError(
        `You are not allowed to ${verb} '${table.def.description}' (${model}) records.\n\nThis operation is allowed for the following groups:\n\t- ${denied}\n\nContact your administrator to request access if necessary.`,
      );
    }
    const positional = args === undefined || args === null || args === '' ? [] : args;
    if (!Array.isArray(positional)) throw typeError(`args must be a list, got ${pyRepr(args)}`);
    const named: Record<string, unknown> =
      kwargs === undefined || kwargs === null || kwargs === '' || kwargs === false ? {} : (kwargs as Record<string, unknown>);
    if (typeof named !== 'object' || Array.isArray(named)) throw typeError(`kwargs must be a dict, got ${pyRepr(kwargs)}`);
    const { context, ...rest } = named;
    const ctx: Context = context && typeof context === 'object' && !Array.isArray(context) ? (context as Context) : {};
    let ids: number[] = [];
    let pos = positional;
    if (spec.multi) {
      if (pos.length === 0 && !('ids' in rest)) throw typeError(`${method}() missing 1 required positional argument: 'ids'`);
      ids = toIds(pos.length ? pos[0] : rest.ids);
      pos = pos.slice(1);
      delete rest.ids;
    }
    return spec.run(this, model, ids, bindArgs(method, spec, pos, rest), ctx);
  }

  /** The public method spec, or AttributeError. */
  method(model: string, method: string): MethodSpec {
    const spec = MODEL_METHODS[model]?.[method] ?? GENERIC_METHODS[method];
    if (!spec) throw attributeError(`The method '${method}' does not exist on the model '${model}'`);
    return spec;
  }
}

export { bindArgs, toIds };
