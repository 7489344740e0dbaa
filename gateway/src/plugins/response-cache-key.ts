/** What identifies one cacheable response. */
export interface ResponseCacheKeyParts {
  /**
   * The analysis of the operation (`OperationEntry.id`): one client text and operation name for
   * one visibility class (the principal's scopes and partner id), which decide what runs and which
   * fields were removed.
   */
  operationId: string;
  /** The canonical JSON of the variables. */
  variablesKey: string;
  /** The Accept header: it picks the response's content type. */
  accept?: string;
}

/**
 * The response cache key. The variables are length-prefixed and the operation id has no `|`, so
 * that no choice of variables or Accept header can make two different requests collide.
 */
export function responseCacheKey(parts: ResponseCacheKeyParts): string {
  return `${parts.operationId}|${parts.variablesKey.length}:${parts.variablesKey}|${parts.accept ?? ''}`;
}
