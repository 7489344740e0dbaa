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
