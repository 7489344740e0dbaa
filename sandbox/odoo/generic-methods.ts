import { typeError } from './errors.js';
import { fieldList, optInt, searchOpts } from './method-args.js';
import { readGroup } from './read-group.js';
import type { FieldDef, MethodSpec, Orm } from './types.js';

/** The public methods every model has: search, read, create, write, unlink, name_search, fields_get, read_group, ... */

const ID_FIELD: FieldDef = { type: 'integer', string: 'ID', readonly: true };

/** Methods every model has. */
export const GENERIC_METHODS: Record<string, MethodSpec> = {
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
function fieldsGet(orm: Orm, model: string, allfields: string[] | undefined, attributes: string[] | undefined): Record<string, Record<string, unknown>> {
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
