import { pyRepr, typeError } from './errors.js';
import type { MethodSpec, SearchOptions } from './types.js';

/** Argument binding and coercion of public model methods, as Python and Odoo do them. */

/** Coerces Odoo's optional integer arguments (`''`, `false`, `null` from XML-RPC mean unset). */
export function optInt(value: unknown, name: string): number | undefined {
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

/** A `fields` argument: a field name or a list of them; empty means all. */
export function fieldList(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === false || value === '') return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.length ? (value as string[]) : undefined;
  throw typeError(`fields must be a list of field names, got ${pyRepr(value)}`);
}

/** The offset, limit and order arguments of a search method. */
export const searchOpts = (a: Record<string, unknown>): SearchOptions => ({
  offset: optInt(a.offset, 'offset'),
  limit: optInt(a.limit, 'limit') || undefined,
  order: optString(a.order),
});

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
