import { pyRepr, valueError } from './errors.js';
import { round2 } from './models.js';
import type { Context, OdooRecord, Orm } from './types.js';

/**
 * `read_group(domain, fields, groupby, offset, limit, orderby, lazy)` with Odoo 17's result
 * shape: one dict per group with the group value, `<groupby>_count` (lazy) or `__count`, the
 * aggregates, and `__domain` (the group's leaves ANDed with the search domain).
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const AGGREGATORS = new Set(['sum', 'avg', 'min', 'max', 'count', 'count_distinct']);

interface GroupBy {
  spec: string;
  field: string;
  granularity?: 'day' | 'week' | 'month' | 'quarter' | 'year';
}

interface Aggregate {
  alias: string;
  field: string;
  fn: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The date range [start, end) and the label Odoo gives a date group. */
function dateBucket(value: string, granularity: NonNullable<GroupBy['granularity']>): { key: string; label: string; start: string; end: string } {
  const d = new Date(`${value.slice(0, 10)}T00:00:00Z`);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const fmt = (x: Date) => `${x.getUTCFullYear()}-${pad(x.getUTCMonth() + 1)}-${pad(x.getUTCDate())}`;
  switch (granularity) {
    case 'day': {
      const next = new Date(d.getTime() + 86_400_000);
      return { key: fmt(d), label: `${pad(d.getUTCDate())} ${MONTHS[m]!.slice(0, 3)} ${y}`, start: fmt(d), end: fmt(next) };
    }
    case 'week': {
      const day = (d.getUTCDay() + 6) % 7;
      const monday = new Date(d.getTime() - day * 86_400_000);
      const thursday = new Date(monday.getTime() + 3 * 86_400_000);
      const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
      const week = Math.floor((thursday.getTime() - yearStart) / 86_400_000 / 7) + 1;
      return { key: fmt(monday), label: `W${week} ${thursday.getUTCFullYear()}`, start: fmt(monday), end: fmt(new Date(monday.getTime() + 7 * 86_400_000)) };
    }
    case 'quarter': {
      const q = Math.floor(m / 3);
      return { key: `${y}-Q${q + 1}`, label: `Q${q + 1} ${y}`, start: `${y}-${pad(q * 3 + 1)}-01`, end: q === 3 ? `${y + 1}-01-01` : `${y}-${pad(q * 3 + 4)}-01` };
    }
    case 'year':
      return { key: String(y), label: String(y), start: `${y}-01-01`, end: `${y + 1}-01-01` };
    default: // 'month'
      return { key: `${y}-${pad(m + 1)}`, label: `${MONTHS[m]} ${y}`, start: `${y}-${pad(m + 1)}-01`, end: m === 11 ? `${y + 1}-01-01` : `${y}-${pad(m + 2)}-01` };
  }
}

function parseGroupBy(orm: Orm, model: string, raw: unknown): GroupBy[] {
  const list = raw === undefined || raw === null || raw === false || raw === '' ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((spec) => {
    if (typeof spec !== 'string') throw valueError(`Invalid groupby ${pyRepr(spec)}`);
    const [field, gran] = spec.split(':') as [string, string | undefined];
    const def = orm.table(model).fields[field];
    if (!def && field !== 'id') throw valueError(`Invalid field '${field}' on model '${model}'`);
    if (def && (def.type === 'one2many' || def.type === 'many2many')) throw valueError(`Unsupported groupby on x2many field '${field}'`);
    const isDate = def?.type === 'date' || def?.type === 'datetime';
    const granularity = isDate ? ((gran ?? 'month') as GroupBy['granularity']) : undefined;
    if (granularity && !['day', 'week', 'month', 'quarter', 'year'].includes(granularity)) throw valueError(`Invalid groupby ${pyRepr(spec)}`);
    return { spec: isDate ? `${field}:${granularity}` : field, field, granularity };
  });
}

function parseAggregates(orm: Orm, model: string, raw: unknown, groupFields: Set<string>): Aggregate[] {
  const list = Array.isArray(raw) ? raw : [];
  const fields = orm.table(model).fields;
  const out: Aggregate[] = [];
  for (const spec of list) {
    if (typeof spec !== 'string') throw valueError(`Invalid field specification ${pyRepr(spec)}`);
    if (spec === '__count') continue;
    const m = /^(\w+)(?::(\w+)(?:\((\w+)\))?)?$/.exec(spec);
    if (!m) throw valueError(`Invalid field specification ${pyRepr(spec)}`);
    const alias = m[1]!;
    const field = m[3] ?? m[1]!;
    const def = fields[field];
    if (!def && field !== 'id') throw valueError(`Invalid field '${field}' on model '${model}'`);
    if (groupFields.has(field) && !m[2]) continue;
    const fn = m[2] ?? (def && ['integer', 'float', 'monetary'].includes(def.type) ? 'sum' : undefined);
    if (!fn) continue;
    if (!AGGREGATORS.has(fn)) throw valueError(`Invalid aggregation function ${pyRepr(fn)}.`);
    out.push({ alias, field, fn });
  }
  return out;
}

/** Runs read_group; `a` holds the bound arguments. */
export function readGroup(orm: Orm, model: string, a: Record<string, unknown>, ctx: Context): Array<Record<string, unknown>> {
  const domain = Array.isArray(a.domain) ? a.domain : [];
  const groupbys = parseGroupBy(orm, model, a.groupby);
  const lazy = a.lazy === undefined || a.lazy === '' ? true : Boolean(a.lazy);
  const active = lazy ? groupbys.slice(0, 1) : groupbys;
  const aggregates = parseAggregates(orm, model, a.fields, new Set(active.map((g) => g.field)));
  const ids = orm.searchIds(model, domain, ctx);
  const env = orm.env(ctx);
  const table = orm.table(model);

  interface Group {
    keys: unknown[];
    values: unknown[];
    leaves: unknown[][];
    records: OdooRecord[];
  }
  const groups = new Map<string, Group>();
  for (const id of ids) {
    const rec = table.rows.get(id)!;
    const keys: unknown[] = [];
    const values: unknown[] = [];
    const leaves: unknown[][] = [];
    for (const g of active) {
      const def = table.fields[g.field];
      const raw = orm.value(model, rec, g.field, env);
      if (g.granularity) {
        if (typeof raw !== 'string' || raw === '') {
          keys.push(false);
          values.push(false);
          leaves.push([[g.field, '=', false]]);
        } else {
          const b = dateBucket(raw, g.granularity);
          keys.push(b.key);
          values.push(b.label);
          const lo = def?.type === 'datetime' ? `${b.start} 00:00:00` : b.start;
          const hi = def?.type === 'datetime' ? `${b.end} 00:00:00` : b.end;
          leaves.push(['&', [g.field, '>=', lo], [g.field, '<', hi]]);
        }
      } else if (def?.type === 'many2one') {
        const target = typeof raw === 'number' && def.relation ? orm.row(def.relation, raw) : undefined;
        keys.push(target ? raw : false);
        values.push(target ? [raw, orm.displayName(def.relation!, target, env)] : false);
        leaves.push([[g.field, '=', target ? raw : false]]);
      } else {
        const v = raw === undefined || raw === null || raw === '' ? false : raw;
        keys.push(v);
        values.push(v);
        leaves.push([[g.field, '=', v]]);
      }
    }
    const k = JSON.stringify(keys);
    let group = groups.get(k);
    if (!group) groups.set(k, (group = { keys, values, leaves, records: [] }));
    group.records.push(rec);
  }

  let list = [...groups.values()];
  const sortKey = (g: Group, i: number): string | number | null => {
    const v = g.values[i];
    if (v === false) return null;
    if (Array.isArray(v)) return String(v[1]).toLowerCase();
    if (active[i]!.granularity) return String(g.keys[i]);
    return typeof v === 'string' ? v.toLowerCase() : (v as number);
  };
  const orderby = typeof a.orderby === 'string' && a.orderby.trim() ? a.orderby : undefined;
  const orderSpecs = orderby
    ? orderby.split(',').map((p) => {
        const [name, dir] = p.trim().split(/\s+/) as [string, string | undefined];
        return { name, desc: (dir ?? '').toLowerCase() === 'desc' };
      })
    : active.map((g) => ({ name: g.spec, desc: false }));
  const aggValue = (g: Group, agg: Aggregate): number => {
    const nums = g.records.map((r) => Number(orm.value(model, r, agg.field, env)) || 0);
    switch (agg.fn) {
      case 'avg':
        return nums.length ? nums.reduce((x, y) => x + y, 0) / nums.length : 0;
      case 'min':
        return nums.length ? Math.min(...nums) : 0;
      case 'max':
        return nums.length ? Math.max(...nums) : 0;
      case 'count':
        return nums.length;
      case 'count_distinct':
        return new Set(g.records.map((r) => JSON.stringify(orm.value(model, r, agg.field, env)))).size;
      default:
        return round2(nums.reduce((x, y) => x + y, 0));
    }
  };
  list.sort((x, y) => {
    for (const s of orderSpecs) {
      const gi = active.findIndex((g) => g.spec === s.name || g.field === s.name);
      let a1: unknown;
      let b1: unknown;
      if (gi >= 0) {
        a1 = sortKey(x, gi);
        b1 = sortKey(y, gi);
      } else if (s.name === '__count' || s.name.endsWith('_count')) {
        a1 = x.records.length;
        b1 = y.records.length;
      } else {
        const agg = aggregates.find((g) => g.alias === s.name);
        if (!agg) continue;
        a1 = aggValue(x, agg);
        b1 = aggValue(y, agg);
      }
      if (a1 === b1) continue;
      if (a1 === null) return 1;
      if (b1 === null) return -1;
      const c = (a1 as number) < (b1 as number) ? -1 : 1;
      return s.desc ? -c : c;
    }
    return 0;
  });
  const offset = typeof a.offset === 'number' ? a.offset : 0;
  const limit = typeof a.limit === 'number' && a.limit > 0 ? a.limit : undefined;
  list = list.slice(offset, limit !== undefined ? offset + limit : undefined);

  const countKey = lazy && active.length ? `${active[0]!.field}_count` : '__count';
  return list.map((g) => {
    const out: Record<string, unknown> = {};
    active.forEach((gb, i) => {
      out[gb.spec] = g.values[i];
    });
    out[countKey] = g.records.length;
    for (const agg of aggregates) out[agg.alias] = aggValue(g, agg);
    // expression.AND([group_domain, domain]): empty domains dropped, each made one explicit term
    const parts = [...g.leaves, domain].filter((d) => d.length > 0).map(normalizeTerm);
    out.__domain = parts.length > 1 ? [...Array(parts.length - 1).fill('&'), ...parts.flat()] : (parts[0] ?? []);
    if (lazy && groupbys.length > 1) out.__context = { group_by: groupbys.slice(1).map((x) => x.spec) };
    return out;
  });
}

/** A domain as one prefix term (implicit '&' made explicit), so that it can be ANDed. */
function normalizeTerm(domain: unknown[]): unknown[] {
  let terms = 0;
  let need = 0;
  for (const t of domain) {
    if (need === 0) {
      terms++;
      need = 1;
    }
    need -= 1;
    if (t === '&' || t === '|') need += 2;
    else if (t === '!') need += 1;
  }
  return [...Array(Math.max(0, terms - 1)).fill('&'), ...domain];
}
