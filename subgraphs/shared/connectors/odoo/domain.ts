import { unsendableValue } from '../../../../platform/errors/backend-error.js';
import type { OdooModel } from './records.js';

/**
 * Odoo domains built from typed values only. JSON encoding already rules out injection into the
 * wire format; the per-model allowlist additionally rules out arbitrary field paths (a dotted
 * path such as `partner_id.user_ids.password` could otherwise probe any related model).
 */

/** Operators the connector uses. */
export type DomainOperator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'in' | 'not in' | 'like' | 'ilike' | '=like' | '=ilike';

/** A scalar domain value; `false` matches unset fields. */
export type DomainScalar = string | number | boolean;

/** A domain leaf `[field, operator, value]`. */
export type DomainLeaf = readonly [string, DomainOperator, DomainScalar | readonly string[] | readonly number[]];

/** A domain in prefix notation: leaves and the `&`, `|`, `!` operators. */
export type Domain = readonly (DomainLeaf | '&' | '|' | '!')[];

/** Fields each model may be filtered on. Extend deliberately, one field at a time. */
export const FILTERABLE_FIELDS: Record<OdooModel, readonly string[]> = {
  'res.partner': ['id', 'ref', 'vat', 'name', 'active', 'is_company', 'commercial_partner_id'],
  'sale.order': ['id', 'name', 'partner_id', 'state', 'date_order', 'client_order_ref', 'origin'],
  'sale.order.line': ['id', 'order_id', 'product_id'],
  'product.product': ['id', 'default_code', 'active'],
  'stock.quant': ['id', 'product_id', 'location_id', 'location_id.usage', 'warehouse_id'],
  'stock.warehouse': ['id', 'code'],
  'stock.picking': ['id', 'sale_id', 'origin', 'picking_type_code', 'state'],
  'account.move': ['id', 'name', 'partner_id', 'move_type', 'state', 'payment_state', 'invoice_origin', 'amount_residual', 'invoice_date_due'],
};

const OPERATORS: ReadonlySet<string> = new Set(['=', '!=', '>', '>=', '<', '<=', 'in', 'not in', 'like', 'ilike', '=like', '=ilike']);
const FIELD_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

function checkScalar(value: unknown, where: string): void {
  if (typeof value === 'string') {
    // JSON would carry a lone surrogate, but Odoo (Python) fails to encode it: refuse it here.
    if (!value.isWellFormed()) throw unsendableValue('odoo', `${where}: the value`);
    return;
  }
  if (typeof value === 'boolean') return;
  if (typeof value === 'number' && Number.isFinite(value)) return;
  throw new TypeError(`${where}: value must be a string, finite number or boolean, got ${typeof value}`);
}

/** A domain builder bound to one model; every leaf is checked against the model's allowlist. */
export interface DomainBuilder {
  /** Adds a leaf, joined to the others with an implicit AND. */
  where(field: string, operator: DomainOperator, value: DomainScalar | readonly string[] | readonly number[]): DomainBuilder;
  /** Adds `(a OR b OR ...)` of leaves on this model. */
  whereAny(...leaves: DomainLeaf[]): DomainBuilder;
  /** The finished domain. */
  build(): Domain;
}

/**
 * Starts a domain on `model`. `extraFields` widens the allowlist with configured fields (the
 * partner crosswalk field), which are checked for shape at configuration time.
 */
export function domainFor(model: OdooModel, extraFields: readonly string[] = []): DomainBuilder {
  const allowed = new Set([...FILTERABLE_FIELDS[model], ...extraFields]);
  const terms: (DomainLeaf | '&' | '|' | '!')[] = [];
  const leaf = (field: string, operator: DomainOperator, value: unknown): DomainLeaf => {
    const where = `${model} domain on "${field}"`;
    if (!FIELD_NAME.test(field) || !allowed.has(field)) throw new TypeError(`${model}: field "${field}" may not be used in a domain`);
    if (!OPERATORS.has(operator)) throw new TypeError(`${where}: unknown operator "${operator}"`);
    if (operator === 'in' || operator === 'not in') {
      if (!Array.isArray(value)) throw new TypeError(`${where}: "${operator}" needs an array`);
      const kinds = new Set(value.map((v) => typeof v));
      if (kinds.size > 1) throw new TypeError(`${where}: array values must all be strings or all numbers`);
      value.forEach((v) => {
        if (typeof v === 'boolean') throw new TypeError(`${where}: array values must be strings or numbers`);
        checkScalar(v, where);
      });
      return [field, operator, [...value] as string[] | number[]];
    }
    if (Array.isArray(value)) throw new TypeError(`${where}: "${operator}" needs a single value`);
    checkScalar(value, where);
    return [field, operator, value as DomainScalar];
  };
  const builder: DomainBuilder = {
    where(field, operator, value) {
      terms.push(leaf(field, operator, value));
      return builder;
    },
    whereAny(...leaves) {
      if (leaves.length === 0) throw new TypeError(`${model}: whereAny needs at least one leaf`);
      const checked = leaves.map(([f, o, v]) => leaf(f, o, v));
      for (let i = 1; i < checked.length; i++) terms.push('|');
      terms.push(...checked);
      return builder;
    },
    build: () => [...terms],
  };
  return builder;
}

/** Checks a configured field name (such as the crosswalk field) at start-up. */
export function checkFieldName(name: string, setting: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new TypeError(`${setting} must be a plain Odoo field name, got "${name}"`);
  return name;
}
