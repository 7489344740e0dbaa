import { unsendableValue } from '../../../../platform/errors/backend-error.js';

/**
 * SOQL literal escaping. jsforce only escapes `'`; Salesforce decodes `\\ \' \" \n \r \t \b \f`
 * in every string literal and, inside LIKE, `\%` and `\_` as literal characters. The backslash
 * is escaped first so that the escapes added afterwards are not doubled.
 */

/** The body of a SOQL string literal for `value` (without the surrounding quotes); a value that is not well-formed Unicode is refused. */
export function soqlEscape(value: string): string {
  if (!value.isWellFormed()) throw unsendableValue('salesforce', 'a SOQL value');
  return value
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\x08/g, '\\b')
    .replace(/\f/g, '\\f');
}

/** A quoted SOQL string literal: `'O\'Brien'`. */
export function soqlString(value: string): string {
  return `'${soqlEscape(value)}'`;
}

/** The body of a LIKE pattern matching `value` literally (`%` and `_` escaped); add wildcards around it yourself. */
export function soqlLike(value: string): string {
  return soqlEscape(value).replace(/%/g, '\\%').replace(/_/g, '\\_');
}

/** A parenthesised list of quoted literals for IN: `('a', 'b')`. */
export function soqlList(values: readonly string[]): string {
  if (values.length === 0) throw new RangeError('an IN list needs at least one value');
  return `(${values.map(soqlString).join(', ')})`;
}
