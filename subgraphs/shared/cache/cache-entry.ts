export /** One cached answer: the record (null: the backend has none) and when it was read. */
interface CacheEntry {
  value: unknown;
  /** Epoch ms at which the load that produced it started. */
  storedAt: number;
  /** Approximate bytes (JSON length), for `maxSize`. */
  size: number;
}

/** Bytes charged per entry on top of its JSON: key, wrapper and list bookkeeping. */
export const ENTRY_OVERHEAD = 96;

/**
 * About the length of a value's JSON, without building it (strings, numbers, keys and
 * punctuation). Stops counting past a million values (a cycle never ends it otherwise).
 */
export function estimateSize(value: unknown): number {
  let size = 0;
  let values = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && ++values <= 1_000_000) {
    const v = stack.pop();
    if (typeof v === 'string') size += v.length + 2;
    else if (typeof v === 'number' || typeof v === 'bigint') size += 8;
    else if (typeof v === 'boolean') size += 5;
    else if (v === null || v === undefined) size += 4;
    else if (Array.isArray(v)) {
      size += 2 + v.length;
      for (const item of v) stack.push(item);
    } else if (typeof v === 'object') {
      size += 2;
      for (const key in v) {
        size += key.length + 4;
        stack.push((v as Record<string, unknown>)[key]);
      }
    } else size += 8;
  }
  return size;
}

export function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    // Not JSON-safe (a BigInt, a cycle): kept in memory only, never shared through Redis.
    return undefined;
  }
}

export function decodeEntry(raw: string | null): CacheEntry | undefined {
  if (raw === null) return undefined;
  try {
    const parsed = JSON.parse(raw) as { t?: unknown; v?: unknown };
    if (typeof parsed.t !== 'number' || !('v' in parsed)) return undefined;
    return { value: parsed.v, storedAt: parsed.t, size: raw.length + ENTRY_OVERHEAD };
  } catch {
    return undefined;
  }
}
