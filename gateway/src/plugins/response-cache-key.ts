/**
 * JSON with object keys sorted at every depth, so that `{a,b}` and `{b,a}` name one cache entry.
 * Array order is kept: it is meaningful in variables.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What identifies one cacheable response. */
export interface ResponseCacheKeyParts {
  /** `GatewayAuth.visibilityKey(principal)`: the principal's scopes and partner id. */
  visibilityKey: string;
  operationName?: string;
  /** The query text after operation filtering (what actually runs). */
  query: string;
  variables?: Record<string, unknown> | null;
  /** The Accept header: it picks the response's content type. */
  accept?: string;
}

/**
 * The response cache key. Every part is length-prefixed, so that no choice of operation name,
 * query or variables can make two different requests (or two visibility classes) collide.
 */
export function responseCacheKey(parts: ResponseCacheKeyParts): string {
  const fields = [parts.visibilityKey, parts.operationName ?? '', parts.query, canonicalJson(parts.variables ?? {}), parts.accept ?? ''];
  return fields.map((f) => `${f.length}:${f}`).join('|');
}
