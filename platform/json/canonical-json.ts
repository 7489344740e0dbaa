import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level, so that the same value always gives the same text
 * (`{a,b}` and `{b,a}` alike): cache keys, idempotency digests and audit digests are taken of it.
 * Array order is kept (it is meaningful); `undefined`, functions and symbols are left out of
 * objects and written as null in arrays, as JSON.stringify does; `toJSON` is honoured.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'bigint') throw new TypeError('canonicalJson: bigint is not JSON');
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return canonicalJson(withJson.toJSON());
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += `${i > 0 ? ',' : ''}${omitted(value[i]) ? 'null' : canonicalJson(value[i])}`;
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let text = '{';
  for (const key of keys) {
    const item = record[key];
    if (omitted(item)) continue;
    text += `${text.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${text}}`;
}

/** Values JSON leaves out of objects (and writes as null in arrays). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** SHA-256 (hex) of a value's canonical JSON: what the idempotency store and the audit log keep instead of an input. */
export function digestInput(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
