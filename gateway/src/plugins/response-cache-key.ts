import { canonicalJson } from '../../../platform/json/canonical-json.js';

/** What identifies one cacheable response. */
export interface ResponseCacheKeyParts {
  /** `GatewayAuth.visibilityKey(principal)`: the principal's scopes and partner id. */
  visibilityKey: string;
  operationName?: string;
  /** The query text as the client sent it (with the visibility key, it decides what runs and which fields were removed). */
  query: string;
  variables?: Record<string, unknown> | null;
  /** The canonical JSON of `variables`, when the caller has it already (it stands in for `variables`). */
  variablesKey?: string;
  /** The Accept header: it picks the response's content type. */
  accept?: string;
}

/**
 * The response cache key. Every part is length-prefixed, so that no choice of operation name,
 * query or variables can make two different requests (or two visibility classes) collide.
 */
export function responseCacheKey(parts: ResponseCacheKeyParts): string {
  const fields = [parts.visibilityKey, parts.operationName ?? '', parts.query, parts.variablesKey ?? canonicalJson(parts.variables ?? {}), parts.accept ?? ''];
  return fields.map((f) => `${f.length}:${f}`).join('|');
}
