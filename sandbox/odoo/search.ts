import { forEachLeaf, parseDomain } from './domain.js';
import { candidates, matches, resolve } from './domain-resolve.js';
import { valueError } from './errors.js';
import { NUMERIC_TYPES, type ComputeEnv, type Context, type OdooRecord, type Orm, type SearchOptions } from './types.js';

/** Odoo's `search`: the domain over the indexed candidates (or every row), `active_test`, `order`, offset and limit. */

/** Ids matching a domain, ordered, after offset and limit. */
export function searchIds(orm: Orm, model: string, domain: unknown, ctx: Context = {}, opts: SearchOptions = {}): number[] {
  const table = orm.table(model);
  const parsed = parseDomain(domain);
  let node = resolve(orm, model, parsed, ctx);
  if (table.fields.active && ctx.active_test !== false) {
    let namesActive = false;
    forEachLeaf(parsed, (leaf) => {
      if (leaf.path === 'active') namesActive = true;
    });
    if (!namesActive) node = { kind: 'and', children: [node, { kind: 'test', field: 'active', test: (v) => v !== false }] };
  }
  const env = orm.env(ctx);
  const cand = candidates(table, node);
  const found: OdooRecord[] = [];
  const source: Iterable<number> = cand ?? table.rows.keys();
  for (const id of source) {
    const rec = table.rows.get(id);
    if (rec && matches(orm, model, rec, node, env)) found.push(rec);
  }
  sortRecords(orm, model, found, opts.order, env);
  const offset = opts.offset ?? 0;
  const end = opts.limit !== undefined ? offset + opts.limit : undefined;
  return found.slice(offset, end).map((r) => r.id);
}

interface OrderSpec {
  field: string;
  desc: boolean;
  nullsFirst: boolean;
}

function parseOrder(orm: Orm, model: string, order: string): OrderSpec[] {
  const specs: OrderSpec[] = [];
  for (const part of order.split(',')) {
    const m = /^\s*([a-z_][a-z0-9_]*)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$/i.exec(part);
    const def = m ? orm.field(model, m[1]!) : undefined;
    if (!m || !def) {
      throw valueError(`Invalid "order" specified (${order}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`);
    }
    const desc = (m[2] ?? 'asc').toLowerCase() === 'desc';
    specs.push({ field: m[1]!, desc, nullsFirst: m[3] ? m[3].toLowerCase() === 'first' : desc });
  }
  return specs;
}

function sortKey(orm: Orm, model: string, rec: OdooRecord, field: string, env: ComputeEnv): unknown {
  const def = orm.field(model, field)!;
  const v = orm.value(model, rec, field, env);
  if (def.type === 'many2one') {
    if (typeof v !== 'number' || !def.relation) return null;
    const target = orm.row(def.relation, v);
    return target ? orm.displayName(def.relation, target, env).toLowerCase() : null;
  }
  if (def.type === 'boolean') return v === true ? 1 : 0;
  if (v === false || v === undefined || v === null || v === '') return NUMERIC_TYPES.has(def.type) ? 0 : null;
  return typeof v === 'string' ? v.toLowerCase() : v;
}

/** Sorts rows in place by an `order` spec (the model's `_order` when absent), `id` last. */
export function sortRecords(orm: Orm, model: string, records: OdooRecord[], order: string | undefined, env: ComputeEnv): void {
  const specs = parseOrder(orm, model, order ?? orm.table(model).def.order);
  if (!specs.some((s) => s.field === 'id')) specs.push({ field: 'id', desc: false, nullsFirst: false });
  if (specs.length === 1 && specs[0]!.field === 'id') {
    const desc = specs[0]!.desc;
    records.sort((a, b) => (desc ? b.id - a.id : a.id - b.id));
    return;
  }
  const keyed = records.map((rec) => ({ rec, keys: specs.map((s) => sortKey(orm, model, rec, s.field, env)) }));
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
