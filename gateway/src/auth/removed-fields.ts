import type { GraphQLFormattedError } from 'graphql';

/** A field taken out of the operation because the principal may not see it. */
export interface RemovedField {
  /** Response keys from the root (aliases respected, no list indices). */
  path: string[];
  message: string;
  code: 'FORBIDDEN' | 'UNAUTHENTICATED';
  /**
   * Set when the removed field is non-null: the null propagates, as GraphQL requires, to the
   * nearest nullable field above it (`[]` means the whole `data` is null). List items are not
   * addressed: the null lands on the nearest nullable field, which keeps the answer valid.
   */
  nullPath?: string[];
}

function nullAt(node: unknown, path: readonly string[], depth: number): void {
  if (Array.isArray(node)) {
    for (const item of node) nullAt(item, path, depth);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  const key = path[depth]!;
  // Only absent keys are written: a key that is present was answered by a part of the query the principal may see.
  if (!(key in record)) {
    record[key] = null;
    return;
  }
  if (depth < path.length - 1) nullAt(record[key], path, depth + 1);
}

/**
 * Writes `null` at each removed response key, on every object along the path (walking lists);
 * where a parent was removed because nothing was left of it, the parent is answered null.
 * Mutates and returns `data`. New keys are appended after the answered ones.
 */
export function applyRemovedFields<T>(data: T, removed: readonly RemovedField[]): T | null {
  for (const r of removed) if (r.path.length > 0) nullAt(data, r.path, 0);
  // Non-null removed fields: their null propagates to the nearest nullable field, present or not.
  for (const r of removed) {
    if (!r.nullPath) continue;
    if (r.nullPath.length === 0) return null;
    overwriteNullAt(data, r.nullPath, 0);
  }
  return data;
}

function overwriteNullAt(node: unknown, path: readonly string[], depth: number): void {
  if (Array.isArray(node)) {
    for (const item of node) overwriteNullAt(item, path, depth);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  const key = path[depth]!;
  if (depth === path.length - 1) record[key] = null;
  else if (key in record) overwriteNullAt(record[key], path, depth + 1);
}

/** The GraphQL errors for removed fields: `{ message, path, extensions: { code } }`. */
export function forbiddenErrors(removed: readonly RemovedField[]): GraphQLFormattedError[] {
  return removed.map((r) => ({ message: r.message, path: [...r.path], extensions: { code: r.code } }));
}
