/**
 * Building Zendesk search queries from untrusted values. Zendesk's query language has no escape
 * character, so a value is made inert instead: quotes, backslashes, wildcards and control
 * characters are removed and the rest is wrapped in double quotes, which makes `:`, `<`, `-` and
 * spaces literal. Callers still compare the results with the original value, so a stripped value
 * can never widen what is returned.
 */

/** The inert form of a value inside a quoted phrase; empty when nothing searchable is left. */
export function sanitizeSearchValue(value: string): string {
  return value
    .toWellFormed()
    .normalize('NFKC')
    .replace(/[\u0000-\u001f\u007f"\\*\u201c\u201d\ufffd]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** `key:"value"`, or null when the value is empty once sanitized. */
export function keywordTerm(keyword: string, value: string): string | null {
  if (!/^[a-z_][a-z0-9_]*$/.test(keyword)) throw new TypeError(`search keyword must be an identifier, got "${keyword}"`);
  const clean = sanitizeSearchValue(value);
  return clean ? `${keyword}:"${clean}"` : null;
}

/** A ticket query with one keyword repeated for several values (Zendesk ORs a repeated keyword). */
export function ticketQueryForValues(keyword: string, values: readonly string[], extra: readonly string[] = []): string | null {
  const terms = values.map((v) => keywordTerm(keyword, v)).filter((t): t is string => t !== null);
  if (terms.length === 0) return null;
  return ['type:ticket', ...extra, ...terms].join(' ');
}
