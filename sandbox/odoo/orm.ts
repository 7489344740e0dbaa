import { compileTest, forEachLeaf, parseDomain, type DomainNode, type ValueTest } from './domain.js';
import {
  accessError,
  attributeError,
  missingError,
  pyRepr,
  typeError,
  userError,
  validationError,
  valueError,
} from './errors.js';
import { MODEL_DEFS, round2 } from './models.js';
import { readGroup } from './read-group.js';
import { MODEL_METHODS, beforeCreate, beforeUnlink } from './sale-flow.js';
import type { ComputeEnv, Context, FieldDef, ModelDef, OdooRecord } from './types.js';

/**
 * An in-memory Odoo ORM: tables of records with equality indexes, the domain language, and the
 * public model methods (`search_read`, `read`, `write`, ...) with Odoo's argument binding and
 * errors. Searches narrow candidates through the indexes before evaluating the whole domain.
 */

/** Seeded records per model plus the name sequences to continue from. */
export interface OdooData {
  records: Map<string, OdooRecord[]>;
  sequences: Map<string, number>;
}

const EMPTY: ReadonlySet<number> = new Set<number>();

/** An equality index: a lone id is kept as a number (most keys are unique), more as a Set. */
type Index = Map<unknown, number | Set<number>>;

/** One model's rows and indexes. */
export interface Table {
  def: ModelDef;
  fields: Record<string, FieldDef>;
  rows: Map<number, OdooRecord>;
  nextId: number;
  indexes: Map<string, Index>;
}

function indexAdd(index: Index, key: unknown, id: number): void {
  const cur = index.get(key);
  if (cur === undefined) index.set(key, id);
  else if (typeof cur === 'number') {
    if (cur !== id) index.set(key, new Set([cur, id]));
  } else cur.add(id);
}

function indexDelete(index: Index, key: unknown, id: number): void {
  const cur = index.get(key);
  if (cur === undefined) return;
  if (typeof cur === 'number') {
    if (cur === id) index.delete(key);
  } else {
    cur.delete(id);
    if (cur.size === 0) index.delete(key);
  }
}

function indexGet(index: Index, key: unknown): ReadonlySet<number> {
  const cur = index.get(key);
  if (cur === undefined) return EMPTY;
  return typeof cur === 'number' ? new Set([cur]) : cur;
}

/** A public method: positional parameter names after `ids` (for record methods) and the implementation. */
export interface MethodSpec {
  /** True for methods on records (`read`, `write`): the first positional argument is the ids. */
  multi: boolean;
  params: string[];
  /** Keyword names accepted as aliases (Odoo 17 `args` = Odoo 18 `domain` in name_search). */
  aliases?: Record<string, string>;
  run(orm: OdooOrm, model: string, ids: number[], a: Record<string, unknown>, ctx: Context): unknown;
}

/** Resolved domain: leaves turned into value tests or id-set memberships. */
type RNode =
  | { kind: 'and' | 'or'; children: RNode[] }
  | { kind: 'not'; child: RNode }
  | { kind: 'const'; value: boolean }
  | { kind: 'test'; field: string; test: ValueTest; eq?: unknown[] }
  | { kind: 'ids'; ids: Set<number>; negate: boolean }
  | { kind: 'ref'; field: string; ids: Set<number>; negate: boolean };

const RELATIONAL = new Set(['many2one', 'one2many', 'many2many']);
const NUMERIC = new Set(['integer', 'float', 'monetary']);
const ID_FIELD: FieldDef = { type: 'integer', string: 'ID', readonly: true };
const PRIVATE_METHOD = /^(_.*|init)$/;

const indexKey = (v: unknown): unknown => (v === undefined || v === null || v === '' ? false : v);

/** Search options: offset, limit, order. */
export interface SearchOptions {
  offset?: number;
  limit?: number;
  order?: string;
}

/** Coerces Odoo's optional integer arguments (`''`, `false`, `null` from XML-RPC mean unset). */
function optInt(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === false || value === '') return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  throw typeError(`'${typeof value === 'string' ? 'str' : typeof value}' object cannot be interpreted as an integer (${name}=${pyRepr(value)})`);
}

function optString(value: unknown): string | undefined {
  if (value === undefined || value === null || value === false || value === '') return undefined;
  if (typeof value !== 'string') throw typeError(`order must be a string, got ${pyRepr(value)}`);
  return value;
}

/** Record ids as Odoo's `browse()` accepts them: an int or a list of ints. */
export function toIds(value: unknown): number[] {
  if (value === undefined || value === null || value === false || value === '') return [];
  if (typeof value === 'number' && Number.isInteger(value)) return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v))) return value as number[];
  throw typeError(`Invalid ids ${pyRepr(value)}: expected an integer or a list of integers`);
}

function fieldList(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === false || value === '') return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.length ? (value as string[]) : undefined;
  throw typeError(`fields must be a list of field names, got ${pyRepr(value)}`);
}

/** The ORM over one database's tables. */
export class OdooOrm {
  private readonly tables = new Map<string, Table>();
  /** Next number of each name sequence (`sale.order`, `picking.WH.OUT`, ...). */
  readonly sequences: Map<string, number>;
  /** The user every call runs as. */
  uid = 2;

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

  private insertRow(table: Table, rec: OdooRecord): void {
    table.rows.set(rec.id, rec);
    if (rec.id >= table.nextId) table.nextId = rec.id + 1;
    for (const [field, index] of table.indexes) indexAdd(index, indexKey(rec[field]), rec.id);
  }

  private setField(table: Table, rec: OdooRecord, field: string, value: unknown): void {
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

  private deleteRow(table: Table, id: number): void {
    const rec = table.rows.get(id);
    if (!rec) return;
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

  private field(model: string, name: string): FieldDef | undefined {
    if (name === 'id') return ID_FIELD;
    return this.table(model).fields[name];
  }

  // ---------------------------------------------------------------- domains

  private resolve(model: string, node: DomainNode, ctx: Context): RNode {
    switch (node.kind) {
      case 'true':
        return { kind: 'const', value: true };
      case 'false':
        return { kind: 'const', value: false };
      case 'and':
      case 'or':
        return { kind: node.kind, children: node.children.map((c) => this.resolve(model, c, ctx)) };
      case 'not':
        return { kind: 'not', child: this.resolve(model, node.child, ctx) };
      case 'leaf':
        return this.resolveLeaf(model, node.path, node.op, node.value, node.raw, ctx);
    }
  }

  /** Membership of field in a set of comodel ids, per field type. */
  private relate(fname: string, def: FieldDef, ids: Set<number>, negate: boolean): RNode {
    if (fname === 'id') return { kind: 'ids', ids, negate };
    if (def.type === 'one2many' && def.inverse && def.relation) {
      const parents = new Set<number>();
      for (const id of ids) {
        const child = this.row(def.relation, id);
        const parent = child?.[def.inverse];
        if (typeof parent === 'number') parents.add(parent);
      }
      return { kind: 'ids', ids: parents, negate };
    }
    return { kind: 'ref', field: fname, ids, negate };
  }

  private resolveLeaf(model: string, path: string, op: string, value: unknown, raw: unknown, ctx: Context): RNode {
    const dot = path.indexOf('.');
    const fname = dot < 0 ? path : path.slice(0, dot);
    const def = this.field(model, fname);
    if (!def) throw valueError(`Invalid field ${model}.${fname} in leaf ${pyRepr(raw)}`);
    const relational = RELATIONAL.has(def.type);
    const comodel = def.relation;

    if (dot >= 0) {
      if (!relational || !comodel) throw valueError(`Invalid field ${model}.${path} in leaf ${pyRepr(raw)}`);
      const sub = this.searchIds(comodel, [[path.slice(dot + 1), op, value]], { ...ctx, active_test: false });
      return this.relate(fname, def, new Set(sub), false);
    }
    if (op === 'any' || op === 'not any') {
      if (!relational || !comodel) throw valueError(`Invalid leaf ${pyRepr(raw)}: operator ${op} needs a relational field`);
      const sub = this.searchIds(comodel, value, ctx);
      return this.relate(fname, def, new Set(sub), op === 'not any');
    }
    if (op === 'child_of' || op === 'parent_of') {
      const target = fname === 'id' ? model : comodel;
      if (!target) throw valueError(`Invalid leaf ${pyRepr(raw)}: ${op} needs a relational field`);
      const roots = this.toIdsForHierarchy(target, value);
      const closure = this.hierarchy(target, roots, op === 'child_of');
      return this.relate(fname, def, closure, false);
    }
    const values = Array.isArray(value) ? value : [value];
    if (relational && comodel && values.some((v) => typeof v === 'string')) {
      // A name instead of an id: Odoo searches the comodel by display name
      const negative = op === '!=' || op === 'not in' || op.startsWith('not ');
      const positiveOp = op === '!=' ? '=' : op === 'not in' ? 'in' : negative ? op.slice(4) : op;
      const recName = this.table(comodel).def.recName;
      const sub = this.searchIds(comodel, [[recName, positiveOp, value]], { ...ctx, active_test: false });
      return this.relate(fname, def, new Set(sub), negative);
    }
    if (relational && !['=', '!=', 'in', 'not in', '=?'].includes(op)) {
      throw valueError(`Invalid leaf ${pyRepr(raw)}: operator ${op} on a relational field needs a name`);
    }
    const isList = def.type === 'one2many' || def.type === 'many2many';
    const test = compileTest(op, value, { isList, isBoolean: def.type === 'boolean' }, raw);
    let eq: unknown[] | undefined;
    if (!isList && op === '=' ) eq = [value === null ? false : value];
    else if (!isList && op === 'in' && Array.isArray(value)) eq = value.map((v) => (v === null ? false : v));
    else if (!isList && op === '=?' && value !== false && value !== null && value !== undefined) eq = [value];
    return { kind: 'test', field: fname, test, eq };
  }

  private toIdsForHierarchy(model: string, value: unknown): number[] {
    const items = Array.isArray(value) ? value : [value];
    const ids: number[] = [];
    for (const item of items) {
      if (typeof item === 'number') ids.push(item);
      else if (typeof item === 'string') ids.push(...this.searchIds(model, [[this.table(model).def.recName, 'ilike', item]], { active_test: false }));
      else if (item !== false && item !== null) throw valueError(`Invalid value ${pyRepr(value)} for a hierarchy operator`);
    }
    return ids;
  }

  private hierarchy(model: string, roots: number[], down: boolean): Set<number> {
    const table = this.table(model);
    const parentField = table.def.parentField;
    const out = new Set<number>(roots.filter((id) => table.rows.has(id)));
    if (!parentField) return out;
    const queue = [...out];
    while (queue.length) {
      const id = queue.pop()!;
      if (down) {
        for (const child of this.idsBy(model, parentField, id)) if (!out.has(child)) out.add(child), queue.push(child);
      } else {
        const parent = table.rows.get(id)?.[parentField];
        if (typeof parent === 'number' && !out.has(parent) && table.rows.has(parent)) out.add(parent), queue.push(parent);
      }
    }
    return out;
  }

  /** Candidate ids from the indexes, or null when the node needs a full scan. */
  private candidates(table: Table, node: RNode): Set<number> | null {
    switch (node.kind) {
      case 'const':
        return node.value ? null : new Set();
      case 'ids':
        return node.negate ? null : node.ids;
      case 'test': {
        if (!node.eq) return null;
        if (node.field === 'id') return new Set(node.eq.filter((v): v is number => typeof v === 'number'));
        const index = table.indexes.get(node.field);
        if (!index) return null;
        const out = new Set<number>();
        for (const v of node.eq) {
          for (const key of [indexKey(v), typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined]) {
            if (key === undefined) continue;
            for (const id of indexGet(index, key)) out.add(id);
          }
        }
        return out;
      }
      case 'ref': {
        if (node.negate) return null;
        const index = table.indexes.get(node.field);
        if (!index) return null;
        const out = new Set<number>();
        for (const id of node.ids) for (const x of indexGet(index, id)) out.add(x);
        return out;
      }
      case 'and': {
        let best: Set<number> | null = null;
        const sets: Set<number>[] = [];
        for (const c of node.children) {
          const s = this.candidates(table, c);
          if (s) sets.push(s);
        }
        if (sets.length === 0) return null;
        sets.sort((a, b) => a.size - b.size);
        best = new Set(sets[0]);
        for (const s of sets.slice(1)) for (const id of best) if (!s.has(id)) best.delete(id);
        return best;
      }
      case 'or': {
        const out = new Set<number>();
        for (const c of node.children) {
          const s = this.candidates(table, c);
          if (!s) return null;
          for (const id of s) out.add(id);
        }
        return out;
      }
      case 'not':
        return null;
    }
  }

  private matches(model: string, rec: OdooRecord, node: RNode, env: ComputeEnv): boolean {
    switch (node.kind) {
      case 'const':
        return node.value;
      case 'and':
        return node.children.every((c) => this.matches(model, rec, c, env));
      case 'or':
        return node.children.some((c) => this.matches(model, rec, c, env));
      case 'not':
        return !this.matches(model, rec, node.child, env);
      case 'ids':
        return node.ids.has(rec.id) !== node.negate;
      case 'test':
        return node.test(this.value(model, rec, node.field, env));
      case 'ref': {
        const v = this.value(model, rec, node.field, env);
        const hit = Array.isArray(v) ? v.some((x) => node.ids.has(x as number)) : typeof v === 'number' && node.ids.has(v);
        return hit !== node.negate;
      }
    }
  }

  /** Ids matching a domain, ordered, after offset and limit (Odoo's `search`). */
  searchIds(model: string, domain: unknown, ctx: Context = {}, opts: SearchOptions = {}): number[] {
    const table = this.table(model);
    const parsed = parseDomain(domain);
    let node = this.resolve(model, parsed, ctx);
    if (table.fields.active && ctx.active_test !== false) {
      let namesActive = false;
      forEachLeaf(parsed, (leaf) => {
        if (leaf.path === 'active') namesActive = true;
      });
      if (!namesActive) node = { kind: 'and', children: [node, { kind: 'test', field: 'active', test: (v) => v !== false }] };
    }
    const env = this.env(ctx);
    const cand = this.candidates(table, node);
    const found: OdooRecord[] = [];
    const source: Iterable<number> = cand ?? table.rows.keys();
    for (const id of source) {
      const rec = table.rows.get(id);
      if (rec && this.matches(model, rec, node, env)) found.push(rec);
    }
    this.sort(model, found, opts.order, env);
    const offset = opts.offset ?? 0;
    const end = opts.limit !== undefined ? offset + opts.limit : undefined;
    return found.slice(offset, end).map((r) => r.id);
  }

  private parseOrder(model: string, order: string): Array<{ field: string; desc: boolean; nullsFirst: boolean }> {
    const specs: Array<{ field: string; desc: boolean; nullsFirst: boolean }> = [];
    for (const part of order.split(',')) {
      const m = /^\s*([a-z_][a-z0-9_]*)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$/i.exec(part);
      const def = m ? this.field(model, m[1]!) : undefined;
      if (!m || !def) {
        throw valueError(`Invalid "order" specified (${order}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`);
      }
      const desc = (m[2] ?? 'asc').toLowerCase() === 'desc';
      specs.push({ field: m[1]!, desc, nullsFirst: m[3] ? m[3].toLowerCase() === 'first' : desc });
    }
    return specs;
  }

  private sortKey(model: string, rec: OdooRecord, field: string, env: ComputeEnv): unknown {
    const def = this.field(model, field)!;
    const v = this.value(model, rec, field, env);
    if (def.type === 'many2one') {
      if (typeof v !== 'number' || !def.relation) return null;
      const target = this.row(def.relation, v);
      return target ? this.displayName(def.relation, target, env).toLowerCase() : null;
    }
    if (def.type === 'boolean') return v === true ? 1 : 0;
    if (v === false || v === undefined || v === null || v === '') return NUMERIC.has(def.type) ? 0 : null;
    return typeof v === 'string' ? v.toLowerCase() : v;
  }

  private sort(model: string, records: OdooRecord[], order: string | undefined, env: ComputeEnv): void {
    const specs = this.parseOrder(model, order ?? this.table(model).def.order);
    if (!specs.some((s) => s.field === 'id')) specs.push({ field: 'id', desc: false, nullsFirst: false });
    if (specs.length === 1 && specs[0]!.field === 'id') {
      const desc = specs[0]!.desc;
      records.sort((a, b) => (desc ? b.id - a.id : a.id - b.id));
      return;
    }
    const keyed = records.map((rec) => ({ rec, keys: specs.map((s) => this.sortKey(model, rec, s.field, env)) }));
    keyed.sort((a, b) => {
      for (let i = 0; i < specs.length; i++) {
        const s = specs[i]!;
        const x = a.keys[i];
        const y = b.keys[i];
        if (x === y) continue;
        if (x === null) return s.nullsFirst ? -1 : 1;
        if (y === null) return s.nullsFirst ? 1 : -1;
        const c = (x as number | string) < (y as number | string) ? -1 : 1;
        return s.desc ? -c : c;
      }
      return 0;
    });
    for (let i = 0; i < keyed.length; i++) records[i] = keyed[i]!.rec;
  }

  // ---------------------------------------------------------------- reading

  /** Formats one field value for the wire (many2one pairs, `false` for empty). */
  formatValue(model: string, rec: OdooRecord, fname: string, env: ComputeEnv, classicLoad = true): unknown {
    const def = this.field(model, fname)!;
    const v = this.value(model, rec, fname, env);
    switch (def.type) {
      case 'many2one': {
        if (typeof v !== 'number') return false;
        if (!classicLoad) return v;
        const target = def.relation ? this.row(def.relation, v) : undefined;
        return [v, target ? this.displayName(def.relation!, target, env) : ''];
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

  /** All field names of a model, in definition order. */
  fieldNames(model: string): string[] {
    return Object.keys(this.table(model).fields);
  }

  private checkFields(model: string, fields: string[]): void {
    for (const f of fields) if (!this.field(model, f)) throw valueError(`Invalid field '${f}' on model '${model}'`);
  }

  /** `read(ids, fields)`: id always included, missing ids dropped. */
  read(model: string, ids: number[], fields: string[] | undefined, ctx: Context = {}, classicLoad = true): Array<Record<string, unknown>> {
    const table = this.table(model);
    const names = (fields ?? this.fieldNames(model)).filter((f) => f !== 'id');
    this.checkFields(model, names);
    const env = this.env(ctx);
    const out: Array<Record<string, unknown>> = [];
    for (const id of ids) {
      const rec = table.rows.get(id);
      if (!rec) continue;
      const row: Record<string, unknown> = { id };
      for (const f of names) row[f] = this.formatValue(model, rec, f, env, classicLoad);
      out.push(row);
    }
    return out;
  }

  // ---------------------------------------------------------------- writing

  private convert(model: string, fname: string, def: FieldDef, value: unknown): unknown {
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
        if (!this.row(def.relation!, value)) {
          throw validationError(`The operation cannot be completed: the record ${def.relation}(${value},) set on ${model}.${fname} does not exist.`);
        }
        return value;
      }
      default:
        throw bad();
    }
  }

  /** Normalizes an x2many write value into commands. */
  private commands(model: string, fname: string, value: unknown): unknown[][] {
    if (value === false || value === null) return [[5, 0, 0]];
    if (!Array.isArray(value)) throw valueError(`Wrong value for ${model}.${fname}: ${pyRepr(value)}`);
    if (value.every((v) => typeof v === 'number')) return [[6, 0, value]];
    for (const c of value) {
      if (!Array.isArray(c) || typeof c[0] !== 'number' || c[0] < 0 || c[0] > 6) throw valueError(`Wrong value for ${model}.${fname}: ${pyRepr(value)}`);
    }
    return value as unknown[][];
  }

  private applyX2many(model: string, rec: OdooRecord, fname: string, def: FieldDef, value: unknown, ctx: Context): void {
    const cmds = this.commands(model, fname, value);
    const rel = def.relation!;
    if (def.type === 'many2many') {
      let ids = Array.isArray(rec[fname]) ? [...(rec[fname] as number[])] : [];
      for (const [code, id, vals] of cmds as Array<[number, unknown, unknown]>) {
        const target = typeof id === 'number' ? id : 0;
        if (code === 0) ids.push(this.createOne(rel, (vals ?? {}) as Record<string, unknown>, ctx));
        else if (code === 1) this.writeIds(rel, [target], (vals ?? {}) as Record<string, unknown>, ctx);
        else if (code === 2) {
          this.unlinkIds(rel, [target]);
          ids = ids.filter((x) => x !== target);
        } else if (code === 3) ids = ids.filter((x) => x !== target);
        else if (code === 4) {
          if (!this.row(rel, target)) throw missingError([target], this.uid);
          if (!ids.includes(target)) ids.push(target);
        } else if (code === 5) ids = [];
        else if (code === 6) {
          const list = toIds(vals);
          for (const x of list) if (!this.row(rel, x)) throw missingError([x], this.uid);
          ids = [...new Set(list)];
        }
      }
      rec[fname] = ids;
      return;
    }
    // one2many: the link is the comodel's inverse many2one
    const inverse = def.inverse!;
    const relTable = this.table(rel);
    const inverseRequired = relTable.fields[inverse]?.required === true;
    const detach = (childId: number) => {
      if (inverseRequired) this.unlinkIds(rel, [childId]);
      else this.writeIds(rel, [childId], { [inverse]: false }, ctx);
    };
    for (const [code, id, vals] of cmds as Array<[number, unknown, unknown]>) {
      const target = typeof id === 'number' ? id : 0;
      if (code === 0) this.createOne(rel, { ...((vals ?? {}) as Record<string, unknown>), [inverse]: rec.id }, ctx);
      else if (code === 1) this.writeIds(rel, [target], (vals ?? {}) as Record<string, unknown>, ctx);
      else if (code === 2) this.unlinkIds(rel, [target]);
      else if (code === 3) detach(target);
      else if (code === 4) this.writeIds(rel, [target], { [inverse]: rec.id }, ctx);
      else if (code === 5) for (const child of [...this.idsBy(rel, inverse, rec.id)]) detach(child);
      else if (code === 6) {
        const keep = new Set(toIds(vals));
        for (const child of [...this.idsBy(rel, inverse, rec.id)]) if (!keep.has(child)) detach(child);
        for (const x of keep) this.writeIds(rel, [x], { [inverse]: rec.id }, ctx);
      }
    }
  }

  private notNull(model: string, fname: string, def: FieldDef): Error {
    const t = this.table(model);
    return validationError(
      'The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n' +
        `Model: ${t.def.description} (${model})\nField: ${def.string} (${fname})\n`,
    );
  }

  /** Creates one record from vals (defaults, hooks, x2many commands); returns its id. */
  createOne(model: string, input: Record<string, unknown>, ctx: Context = {}): number {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw typeError(`create() values must be a dict, got ${pyRepr(input)}`);
    const table = this.table(model);
    const env = this.env(ctx);
    const vals: Record<string, unknown> = { ...input };
    delete vals.id;
    for (const key of Object.keys(vals)) if (!table.fields[key]) throw valueError(`Invalid field '${key}' on model '${model}'`);
    beforeCreate(this, model, vals, ctx);
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
      rec[fname] = v === undefined ? (NUMERIC.has(def.type) ? 0 : false) : this.convert(model, fname, def, v);
      if (def.required && (rec[fname] === false || rec[fname] === '')) throw this.notNull(model, fname, def);
    }
    this.insertRow(table, rec);
    try {
      for (const [fname, def, v] of later) this.applyX2many(model, rec, fname, def, v, ctx);
    } catch (err) {
      this.unlinkIds(model, [id]);
      throw err;
    }
    return id;
  }

  /** Writes vals on existing records; MissingError when one does not exist. */
  writeIds(model: string, ids: number[], vals: Record<string, unknown>, ctx: Context = {}): true {
    if (vals === null || typeof vals !== 'object' || Array.isArray(vals)) throw typeError(`write() values must be a dict, got ${pyRepr(vals)}`);
    const table = this.table(model);
    const missing = ids.filter((id) => !table.rows.has(id));
    if (missing.length) throw missingError(missing, this.uid);
    const plain: Array<[string, FieldDef, unknown]> = [];
    const x2m: Array<[string, FieldDef, unknown]> = [];
    for (const [fname, v] of Object.entries(vals)) {
      if (fname === 'id') continue;
      const def = table.fields[fname];
      if (!def) throw valueError(`Invalid field '${fname}' on model '${model}'`);
      if (def.compute) continue; // computed without inverse: Odoo ignores the value
      if (def.type === 'one2many' || def.type === 'many2many') x2m.push([fname, def, v]);
      else {
        const converted = this.convert(model, fname, def, v);
        if (def.required && (converted === false || converted === '')) throw this.notNull(model, fname, def);
        plain.push([fname, def, converted]);
      }
    }
    for (const id of ids) {
      const rec = table.rows.get(id)!;
      for (const [fname, , v] of plain) this.setField(table, rec, fname, v);
      for (const [fname, def, v] of x2m) this.applyX2many(model, rec, fname, def, v, ctx);
    }
    return true;
  }

  /** Deletes records (and their one2many children whose link is required). */
  unlinkIds(model: string, ids: number[]): true {
    const table = this.table(model);
    const missing = ids.filter((id) => !table.rows.has(id));
    if (missing.length) throw missingError(missing, this.uid);
    beforeUnlink(this, model, ids);
    for (const id of ids) {
      for (const def of Object.values(table.fields)) {
        if (def.type !== 'one2many' || def.compute || !def.relation || !def.inverse) continue;
        const children = [...this.idsBy(def.relation, def.inverse, id)];
        if (!children.length) continue;
        if (this.table(def.relation).fields[def.inverse]?.required) this.unlinkIds(def.relation, children);
        else for (const c of children) this.setField(this.table(def.relation), this.row(def.relation, c)!, def.inverse, false);
      }
      this.deleteRow(table, id);
    }
    return true;
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

/** Binds positional and keyword arguments to parameter names like Python does. */
export function bindArgs(method: string, spec: MethodSpec, positional: unknown[], kwargs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (positional.length > spec.params.length) {
    throw typeError(`${method}() takes ${spec.params.length + 1} positional arguments but ${positional.length + 1 + (spec.multi ? 1 : 0)} were given`);
  }
  positional.forEach((v, i) => {
    out[spec.params[i]!] = v;
  });
  for (const [key, v] of Object.entries(kwargs)) {
    const name = spec.aliases?.[key] ?? key;
    if (!spec.params.includes(name)) throw typeError(`${method}() got an unexpected keyword argument '${key}'`);
    if (name in out) throw typeError(`${method}() got multiple values for argument '${key}'`);
    out[name] = v;
  }
  return out;
}

const searchOpts = (a: Record<string, unknown>): SearchOptions => ({
  offset: optInt(a.offset, 'offset'),
  limit: optInt(a.limit, 'limit') || undefined,
  order: optString(a.order),
});

/** Methods every model has. */
const GENERIC_METHODS: Record<string, MethodSpec> = {
  search: {
    multi: false,
    params: ['domain', 'offset', 'limit', 'order'],
    aliases: { args: 'domain' },
    run: (orm, model, _ids, a, ctx) => orm.searchIds(model, a.domain ?? [], ctx, searchOpts(a)),
  },
  search_count: {
    multi: false,
    params: ['domain', 'limit'],
    aliases: { args: 'domain' },
    run: (orm, model, _ids, a, ctx) => {
      const n = orm.searchIds(model, a.domain ?? [], ctx).length;
      const limit = optInt(a.limit, 'limit');
      return limit ? Math.min(n, limit) : n;
    },
  },
  search_read: {
    multi: false,
    params: ['domain', 'fields', 'offset', 'limit', 'order', 'load'],
    run: (orm, model, _ids, a, ctx) => {
      const fields = fieldList(a.fields);
      if (fields) orm.read(model, [], fields, ctx); // validates field names before searching
      const ids = orm.searchIds(model, a.domain ?? [], ctx, searchOpts(a));
      return orm.read(model, ids, fields, ctx, a.load === undefined || a.load === '_classic_read');
    },
  },
  read: {
    multi: true,
    params: ['fields', 'load'],
    run: (orm, model, ids, a, ctx) => orm.read(model, ids, fieldList(a.fields), ctx, a.load === undefined || a.load === '_classic_read'),
  },
  create: {
    multi: false,
    params: ['vals_list'],
    run: (orm, model, _ids, a, ctx) => {
      const v = a.vals_list;
      if (Array.isArray(v)) return v.map((vals) => orm.createOne(model, vals as Record<string, unknown>, ctx));
      if (v === undefined) throw typeError(`create() missing 1 required positional argument: 'vals_list'`);
      return orm.createOne(model, v as Record<string, unknown>, ctx);
    },
  },
  write: {
    multi: true,
    params: ['vals'],
    run: (orm, model, ids, a, ctx) => {
      if (a.vals === undefined) throw typeError(`write() missing 1 required positional argument: 'vals'`);
      return orm.writeIds(model, ids, a.vals as Record<string, unknown>, ctx);
    },
  },
  unlink: { multi: true, params: [], run: (orm, model, ids) => orm.unlinkIds(model, ids) },
  name_search: {
    multi: false,
    params: ['name', 'domain', 'operator', 'limit'],
    aliases: { args: 'domain' },
    run: (orm, model, _ids, a, ctx) => {
      const name = typeof a.name === 'string' ? a.name : '';
      const operator = typeof a.operator === 'string' && a.operator ? a.operator : 'ilike';
      const limit = a.limit === undefined ? 100 : optInt(a.limit, 'limit');
      const def = orm.table(model).def;
      const base = Array.isArray(a.domain) ? a.domain : [];
      let domain: unknown[] = base;
      if (name || operator !== 'ilike') {
        const names = [def.recName, ...(def.nameSearchFields ?? [])];
        const ors: unknown[] = [];
        names.forEach((n, i) => {
          if (i < names.length - 1) ors.push('|');
          ors.push([n, operator, name]);
        });
        // the OR group is one complete term: top-level terms are joined by an implicit '&'
        domain = [...ors, ...base];
      }
      const ids = orm.searchIds(model, domain, ctx, { limit: limit || undefined });
      const env = orm.env(ctx);
      return ids.map((id) => [id, orm.displayName(model, orm.row(model, id)!, env)]);
    },
  },
  fields_get: {
    multi: false,
    params: ['allfields', 'attributes'],
    run: (orm, model, _ids, a) => fieldsGet(orm, model, fieldList(a.allfields), fieldList(a.attributes)),
  },
  read_group: {
    multi: false,
    params: ['domain', 'fields', 'groupby', 'offset', 'limit', 'orderby', 'lazy'],
    run: (orm, model, _ids, a, ctx) => readGroup(orm, model, a, ctx),
  },
  default_get: {
    multi: false,
    params: ['fields_list'],
    run: (orm, model, _ids, a, ctx) => {
      const table = orm.table(model);
      const env = orm.env(ctx);
      const out: Record<string, unknown> = {};
      for (const f of fieldList(a.fields_list) ?? Object.keys(table.fields)) {
        const def = table.fields[f];
        if (def?.default) out[f] = def.default(env, {});
      }
      return out;
    },
  },
  check_access_rights: { multi: false, params: ['operation', 'raise_exception'], run: () => true },
  exists: {
    multi: true,
    params: [],
    run: (orm, model, ids) => ids.filter((id) => orm.row(model, id) !== undefined),
  },
};

/** `fields_get(allfields, attributes)`. */
function fieldsGet(orm: OdooOrm, model: string, allfields: string[] | undefined, attributes: string[] | undefined): Record<string, Record<string, unknown>> {
  const table = orm.table(model);
  const out: Record<string, Record<string, unknown>> = {};
  const all: Array<[string, FieldDef]> = [['id', ID_FIELD], ...Object.entries(table.fields)];
  for (const [name, def] of all) {
    if (allfields && !allfields.includes(name)) continue;
    const stored = !def.compute && !(def.type === 'one2many');
    const desc: Record<string, unknown> = {
      name,
      type: def.type,
      string: def.string,
      required: def.required === true,
      readonly: def.readonly === true || name === 'id',
      store: stored || def.type === 'one2many',
      searchable: true,
      sortable: stored,
      groupable: stored,
      exportable: true,
      manual: false,
      company_dependent: false,
      depends: [],
      change_default: false,
    };
    if (def.relation) {
      desc.relation = def.relation;
      desc.context = {};
      desc.domain = [];
    }
    if (def.inverse) desc.relation_field = def.inverse;
    if (def.selection) desc.selection = def.selection.map(([k, v]) => [k, v]);
    if (def.help) desc.help = def.help;
    if (def.type === 'float' || def.type === 'monetary') desc.aggregator = 'sum';
    if (def.type === 'monetary') desc.currency_field = 'currency_id';
    out[name] = attributes ? Object.fromEntries(Object.entries(desc).filter(([k]) => attributes.includes(k))) : desc;
  }
  return out;
}

export { round2 };
