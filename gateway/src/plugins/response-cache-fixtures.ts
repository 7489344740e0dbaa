/** Helpers of the response cache tests: responses to store, and loads that answer when the test says so. */
import type { ResponseCache, ResponseToStore } from './response-cache.js';

/** A response to store with `tags`, for `ttlMs` (10 s unless given). */
export const response = (tags: string[], ttlMs = 10_000, body = JSON.stringify({ data: { tags } })): ResponseToStore => ({ body, headers: { 'content-type': 'application/json' }, tags, ttlMs });

/** A miss that answers `stored` (and offers it to the cache); resolves with what was stored. */
export async function store(cache: ResponseCache, key: string, stored: ResponseToStore | undefined) {
  const result = await cache.load(key, async () => ({ outcome: 'own', toStore: stored }));
  return result.kind === 'own' ? result.stored : result.entry;
}

/** A miss whose load waits until `release` is called with what it answers. */
export function slowMiss(cache: ResponseCache, key: string) {
  let release!: (stored: ResponseToStore | undefined) => void;
  const answered = new Promise<ResponseToStore | undefined>((resolve) => {
    release = resolve;
  });
  const result = cache.load(key, async () => ({ outcome: 'first', toStore: await answered }));
  return { release, result };
}

/** A background refresh of `key` that waits until `release` is called; undefined when none began. */
export function slowRefresh(cache: ResponseCache, key: string) {
  let release!: (stored: ResponseToStore | undefined) => void;
  const answered = new Promise<ResponseToStore | undefined>((resolve) => {
    release = resolve;
  });
  const outcome = cache.revalidate(key, () => answered);
  return outcome && { release, outcome };
}
