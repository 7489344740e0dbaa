import type { GraphQLAnswer } from '../support/system.js';

/** An error path without list indices (the gateway reports a removed field once, not per list item). */
export function fieldPath(path: readonly (string | number)[] | undefined): string {
  return (path ?? []).filter((p) => typeof p === 'string').join('.');
}

/** The answer's errors as sorted `code path` strings. */
export function errorCodes(answer: Pick<GraphQLAnswer, 'errors'>): string[] {
  return (answer.errors ?? []).map((e) => `${String(e.extensions?.code)} ${fieldPath(e.path)}`).sort();
}

/** Where two JSON values differ, as `path: expected -> actual` lines (at most `limit`). */
export function jsonDiff(expected: unknown, actual: unknown, limit = 20): string[] {
  const out: string[] = [];
  const walk = (e: unknown, a: unknown, path: string) => {
    if (out.length >= limit) return;
    if (e !== null && a !== null && typeof e === 'object' && typeof a === 'object') {
      if (Array.isArray(e) !== Array.isArray(a)) {
        out.push(`${path}: ${Array.isArray(e) ? 'list' : 'object'} -> ${Array.isArray(a) ? 'list' : 'object'}`);
        return;
      }
      const keys = new Set([...Object.keys(e), ...Object.keys(a)]);
      for (const k of keys) walk((e as Record<string, unknown>)[k], (a as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      return;
    }
    if (JSON.stringify(e) !== JSON.stringify(a)) out.push(`${path}: ${JSON.stringify(e)?.slice(0, 80)} -> ${JSON.stringify(a)?.slice(0, 80)}`);
  };
  walk(expected, actual, '');
  return out;
}
