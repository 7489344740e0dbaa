import fc from 'fast-check';

/**
 * Argument values that have broken systems like this one: lone surrogates, control characters,
 * huge strings, the metacharacters of SOQL, Odoo domains and Zendesk search, numbers at the
 * edges written as text, whitespace that is not there.
 */

/** Lone UTF-16 surrogates (JSON.stringify writes them as `\udc00` escapes; the server's JSON.parse makes them lone again). */
export const SURROGATES = ['\udc00', '\ud800', 'abc\udfff', '\ud83d', 'North\ud800Bikes', '\udc00\ud800', '\ud83d\ude00\ud83d'];
/** Control characters a text field must not store (tab, line feed and carriage return left out: they are text). */
export const CONTROLS = ['\u0000', 'a\u0000b', '\u0007', '\u001b[31mred', '\u0008', '\u000b', '\u000c', '\u0001', '\u001f', '\u007f'];
/** Characters with meaning in SOQL, Odoo domains or Zendesk search. */
export const METACHARACTERS = [
  "'", "\\'", "' OR Name != '", '%', '_', '\\', '"', "') OR (Name LIKE '%", '\\\\%', "x' LIMIT 1 --",
  "['|', ('id', '!=', 0)]", '|', '!', '=like', "('ref', '!=', False)", '&',
  'type:ticket', 'status<solved', 'organization:*', '"quoted"', '-tag', '*', 'requester:me', 'priority>low', 'order_by:created',
];
/** Numbers at the edges, as strings. */
export const NUMBERISH = ['NaN', 'Infinity', '-Infinity', '-0', '1e308', '1e-300', '0x10', '  12  ', '+1', '007', '9'.repeat(40), '0', '-5', '1.5', '4.9e-324'];
/** Text that is only whitespace or a byte order mark. */
export const BLANKS = [' ', '\t\n', '\ufeff', ' \ufeff ', '\u00a0', '\u3000', '\u2028', '   \t  '];
/** Unicode that is valid but unusual. */
export const UNICODE = ['😀', 'e\u0301', 'İstanbul', '\u202eevil', 'a\u200db', 'Ωmega', '北京', 'ﬁ'];

/** Characters that no seeded account name contains: a search made of them alone finds nothing. */
export const NOT_IN_NAMES = /^[\s'"%_\\*()[\]|!<>=:;{}~^$#@?&+-]*$/;

/** Any hostile string. */
export function hostileString(): fc.Arbitrary<string> {
  const pieces = [...SURROGATES, ...CONTROLS, ...METACHARACTERS, ...NUMBERISH, ...BLANKS, ...UNICODE];
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...pieces) },
    { weight: 3, arbitrary: fc.array(fc.constantFrom(...pieces, 'North', 'a', ' '), { minLength: 2, maxLength: 6 }).map((p) => p.join('')) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 101, max: 200_000 }), fc.constantFrom('x', 'é', '%', '\u0000', '😀')).map(([n, c]) => c.repeat(Math.ceil(n / c.length))) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  );
}

/** Whether a string holds a lone surrogate. */
export function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** Whether a string holds a control character other than tab, line feed and carriage return. */
export function hasControl(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s);
}

/** Numbers for an Int argument, written as raw JSON text (so that -0, 1e308 and 1e-300 arrive as such). */
export const INT_EDGES = ['1e308', '-0', '1e-300', '-1', '0', '2147483648', '1.5', '1e3', '1e400', '"10"', '"NaN"', 'null', 'true', '[]', '{}', '100', '101', '5'];
