/** Shared types of the Odoo sandbox ORM: records, fields, models. */

/** One stored row: many2one fields hold an id or `false`, many2many fields an id list. */
export interface OdooRecord {
  id: number;
  [field: string]: unknown;
}

/** The `context` dict of a call (`active_test`, `warehouse`, `location`, `lang`, ...). */
export type Context = Record<string, unknown>;

/** Odoo field types the sandbox knows. */
export type FieldType =
  | 'char'
  | 'text'
  | 'integer'
  | 'float'
  | 'monetary'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'selection'
  | 'many2one'
  | 'one2many'
  | 'many2many';

/** What a computed field receives: read access to the ORM and the call context. */
export interface ComputeEnv {
  /** A stored row, or undefined. */
  row(model: string, id: number): OdooRecord | undefined;
  /** Ids whose indexed `field` equals `key` (a Set shared with the index: do not mutate). */
  idsBy(model: string, field: string, key: unknown): ReadonlySet<number>;
  /** Every row of a model (use only on small models). */
  rows(model: string): Iterable<OdooRecord>;
  /** The value of a field (stored or computed) of a row. */
  value(model: string, rec: OdooRecord, field: string): unknown;
  /** The call context. */
  context: Context;
}

/** Field metadata, as `fields_get` reports it, plus how the sandbox computes it. */
export interface FieldDef {
  type: FieldType;
  string: string;
  required?: boolean;
  readonly?: boolean;
  /** Comodel of relational fields. */
  relation?: string;
  /** For one2many: the many2one field on the comodel pointing back. */
  inverse?: string;
  selection?: Array<[string, string]>;
  /** Non-stored computed value; called on every read and search. */
  compute?: (env: ComputeEnv, rec: OdooRecord) => unknown;
  /** Default value on create. */
  default?: (env: ComputeEnv, vals: Record<string, unknown>) => unknown;
  help?: string;
}

/** A model: its fields, default order, indexes and display name. */
export interface ModelDef {
  name: string;
  /** `_description`, used in access error messages. */
  description: string;
  fields: Record<string, FieldDef>;
  /** `_order`, e.g. `date_order desc, id desc`. */
  order: string;
  /** Field searched by name_search and used as display name when no displayName is given. */
  recName: string;
  /** `_parent_name` for child_of / parent_of. */
  parentField?: string;
  /** Stored fields with an equality index (Map value -> ids). */
  indexed: string[];
  /** Extra fields name_search matches (`_rec_names_search`). */
  nameSearchFields?: string[];
  displayName?(env: ComputeEnv, rec: OdooRecord): string;
  /** When set, the API user may not touch the model: AccessError with these groups. */
  deniedGroups?: string;
}

/** An equality index: a lone id is kept as a number (most keys are unique), more as a Set. */
export type Index = Map<unknown, number | Set<number>>;

/** One model's rows and indexes. */
export interface Table {
  def: ModelDef;
  fields: Record<string, FieldDef>;
  rows: Map<number, OdooRecord>;
  nextId: number;
  indexes: Map<string, Index>;
}

/** Seeded records per model plus the name sequences to continue from. */
export interface OdooData {
  records: Map<string, OdooRecord[]>;
  sequences: Map<string, number>;
}

/** Search options: offset, limit, order. */
export interface SearchOptions {
  offset?: number;
  limit?: number;
  order?: string;
}

/** A public method: positional parameter names after `ids` (for record methods) and the implementation. */
export interface MethodSpec {
  /** True for methods on records (`read`, `write`): the first positional argument is the ids. */
  multi: boolean;
  params: string[];
  /** Keyword names accepted as aliases (Odoo 17 `args` = Odoo 18 `domain` in name_search). */
  aliases?: Record<string, string>;
  run(orm: Orm, model: string, ids: number[], a: Record<string, unknown>, ctx: Context): unknown;
}

/** Sees every stored change of the ORM, before (`beforeInsert`) or as it is made. */
export interface OrmObserver {
  /** A row is about to be inserted (its values are final except for x2many fields set right after). */
  beforeInsert?(model: string, rec: OdooRecord): void;
  /** A row was inserted. */
  created(model: string, rec: OdooRecord): void;
  /** A stored field of an existing row is about to change from `previous` to `value`. */
  changed(model: string, rec: OdooRecord, field: string, previous: unknown, value: unknown): void;
  /** A row is about to be deleted. */
  deleted(model: string, rec: OdooRecord): void;
}

/**
 * The ORM as its modules see it (search, read, write, flows, generic methods): the tables, the
 * storage primitives every change goes through, and the public model operations.
 */
export interface Orm {
  /** The user every call runs as. */
  readonly uid: number;
  /** Next number of each name sequence (`sale.order`, `picking.WH.OUT`, ...). */
  readonly sequences: Map<string, number>;
  table(model: string): Table;
  hasModel(model: string): boolean;
  row(model: string, id: number): OdooRecord | undefined;
  idsBy(model: string, field: string, key: unknown): ReadonlySet<number>;
  env(context?: Context): ComputeEnv;
  value(model: string, rec: OdooRecord, field: string, env: ComputeEnv): unknown;
  displayName(model: string, rec: OdooRecord, env?: ComputeEnv): string;
  /** Field metadata (`id` included), or undefined. */
  field(model: string, name: string): FieldDef | undefined;
  fieldNames(model: string): string[];
  searchIds(model: string, domain: unknown, ctx?: Context, opts?: SearchOptions): number[];
  read(model: string, ids: number[], fields: string[] | undefined, ctx?: Context, classicLoad?: boolean): Array<Record<string, unknown>>;
  formatValue(model: string, rec: OdooRecord, fname: string, env: ComputeEnv, classicLoad?: boolean): unknown;
  createOne(model: string, input: Record<string, unknown>, ctx?: Context): number;
  writeIds(model: string, ids: number[], vals: Record<string, unknown>, ctx?: Context): true;
  unlinkIds(model: string, ids: number[]): true;
  setRaw(model: string, id: number, field: string, value: unknown): void;
  nextSequence(key: string): number;
  /** Odoo's `execute_kw`: a public method by name, with Python argument binding. */
  callKw(model: string, method: string, args: unknown, kwargs: unknown): unknown;
  /** Stores a new row and indexes it. */
  insertRow(table: Table, rec: OdooRecord): void;
  /** Sets one stored field of a row, keeping its index right. */
  setField(table: Table, rec: OdooRecord, field: string, value: unknown): void;
  /** Removes a row and its index entries. */
  deleteRow(table: Table, id: number): void;
}

/** Field types whose empty value is 0 rather than `false`. */
export const NUMERIC_TYPES: ReadonlySet<FieldType> = new Set<FieldType>(['integer', 'float', 'monetary']);
