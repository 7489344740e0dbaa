import { compileTest, type DomainNode, type ValueTest } from './domain.js';
import { pyRepr, valueError } from './errors.js';
import { indexGet, indexKey } from './indexes.js';
import type { ComputeEnv, Context, FieldDef, OdooRecord, Orm, Table } from './types.js';

/**
 * A parsed domain resolved against a model: leaves become value tests or memberships in id
 * sets (dotted paths, `any`, hierarchies and names of related records are searched first), and
 * the indexed `=`/`in` leaves of a conjunction give the candidates a search evaluates.
 */

/** Resolved domain: leaves turned into value tests or id-set memberships. */
export type RNode =
  | { kind: 'and' | 'or'; children: RNode[] }
  | { kind: 'not'; child: RNode }
  | { kind: 'const'; value: boolean }
  | { kind: 'test'; field: string; test: ValueTest; eq?: unknown[] }
  | { kind: 'ids'; ids: Set<number>; negate: boolean }
  | { kind: 'ref'; field: string; ids: Set<number>; negate: boolean };

const RELATIONAL = new Set(['many2one', 'one2many', 'many2many']);

/** Resolves a parsed domain on a model. */
export function resolve(orm: Orm, model: string, node: DomainNode, ctx: Context): RNode {
  switch (node.kind) {
    case 'true':
      return { kind: 'const', value: true };
    case 'false':
      return { kind: 'const', value: false };
    case 'and':
    case 'or':
      return { kind: node.kind, children: node.children.map((c) => resolve(orm, model, c, ctx)) };
    case 'not':
      return { kind: 'not', child: resolve(orm, model, node.child, ctx) };
    case 'leaf':
      return resolveLeaf(orm, model, node.path, node.op, node.value, node.raw, ctx);
  }
}

/** Membership of field in a set of comodel ids, per field type. */
function relate(orm: Orm, fname: string, def: FieldDef, ids: Set<number>, negate: boolean): RNode {
  if (fname === 'id') return { kind: 'ids', ids, negate };
  if (def.type === 'one2many' && def.inverse && def.relation) {
    const parents = new Set<number>();
    for (const id of ids) {
      const child = orm.row(def.relation, id);
      const parent = child?.[def.inverse];
      if (typeof parent === 'number') parents.add(parent);
    }
    return { kind: 'ids', ids: parents, negate };
  }
  return { kind: 'ref', field: fname, ids, negate };
}

function resolveLeaf(orm: Orm, model: string, path: string, op: string, value: unknown, raw: unknown, ctx: Context): RNode {
  const dot = path.indexOf('.');
  const fname = dot < 0 ? path : path.slice(0, dot);
  const def = orm.field(model, fname);
  if (!def) throw valueError(`Invalid field ${model}.${fname} in leaf ${pyRepr(raw)}`);
  const relational = RELATIONAL.has(def.type);
  const comodel = def.relation;

  if (dot >= 0) {
    if (!relational || !comodel) throw valueError(`Invalid field ${model}.${path} in leaf ${pyRepr(raw)}`);
    const sub = orm.searchIds(comodel, [[path.slice(dot + 1), op, value]], { ...ctx, active_test: false });
    return relate(orm, fname, def, new Set(sub), false);
  }
  if (op === 'any' || op === 'not any') {
    if (!relational || !comodel) throw valueError(`Invalid leaf ${pyRepr(raw)}: operator ${op} needs a relational field`);
    const sub = orm.searchIds(comodel, value, ctx);
    return relate(orm, fname, def, new Set(sub), op === 'not any');
  }
  if (op === 'child_of' || op === 'parent_of') {
    const target = fname === 'id' ? model : comodel;
    if (!target) throw valueError(`Invalid leaf ${pyRepr(raw)}: ${op} needs a relational field`);
    const roots = toIdsForHierarchy(orm, target, value);
    const closure = hierarchy(orm, target, roots, op === 'child_of');
    return relate(orm, fname, def, closure, false);
  }
  const values = Array.isArray(value) ? value : [value];
  if (relational && comodel && values.some((v) => typeof v === 'string')) {
    // A name instead of an id: Odoo searches the comodel by display name
    const negative = op === '!=' || op === 'not in' || op.startsWith('not ');
    const positiveOp = op === '!=' ? '=' : op === 'not in' ? 'in' : negative ? op.slice(4) : op;
    const recName = orm.table(comodel).def.recName;
    const sub = orm.searchIds(comodel, [[recName, positiveOp, value]], { ...ctx, active_test: false });
    return relate(orm, fname, def, new Set(sub), negative);
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

function toIdsForHierarchy(orm: Orm, model: string, value: unknown): number[] {
  const items = Array.isArray(value) ? value : [value];
  const ids: number[] = [];
  for (const item of items) {
    if (typeof item === 'number') ids.push(item);
    else if (typeof item === 'string') ids.push(...orm.searchIds(model, [[orm.table(model).def.recName, 'ilike', item]], { active_test: false }));
    else if (item !== false && item !== null) throw valueError(`Invalid value ${pyRepr(value)} for a hierarchy operator`);
  }
  return ids;
}

function hierarchy(orm: Orm, model: string, roots: number[], down: boolean): Set<number> {
  const table = orm.table(model);
  const parentField = table.def.parentField;
  const out = new Set<number>(roots.filter((id) => table.rows.has(id)));
  if (!parentField) return out;
  const queue = [...out];
  while (queue.length) {
    const id = queue.pop()!;
    if (down) {
      for (const child of orm.idsBy(model, parentField, id)) if (!out.has(child)) out.add(child), queue.push(child);
    } else {
      const parent = table.rows.get(id)?.[parentField];
      if (typeof parent === 'number' && !out.has(parent) && table.rows.has(parent)) out.add(parent), queue.push(parent);
    }
  }
  return out;
}

/** Candidate ids from the indexes, or null when the node needs a full scan. */
export function candidates(table: Table, node: RNode): Set<number> | null {
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
        const s = candidates(table, c);
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
        const s = candidates(table, c);
        if (!s) return null;
        for (const id of s) out.add(id);
      }
      return out;
    }
    case 'not':
      return null;
  }
}

/** Whether a row satisfies a resolved domain. */
export function matches(orm: Orm, model: string, rec: OdooRecord, node: RNode, env: ComputeEnv): boolean {
  switch (node.kind) {
    case 'const':
      return node.value;
    case 'and':
      return node.children.every((c) => matches(orm, model, rec, c, env));
    case 'or':
      return node.children.some((c) => matches(orm, model, rec, c, env));
    case 'not':
      return !matches(orm, model, rec, node.child, env);
    case 'ids':
      return node.ids.has(rec.id) !== node.negate;
    case 'test':
      return node.test(orm.value(model, rec, node.field, env));
    case 'ref': {
      const v = orm.value(model, rec, node.field, env);
      const hit = Array.isArray(v) ? v.some((x) => node.ids.has(x as number)) : typeof v === 'number' && node.ids.has(v);
      return hit !== node.negate;
    }
  }
}
