import { afterAll, beforeAll } from 'vitest';
import { startRedisServer, type TestRedisServer } from '../../../platform/testing/redis-server.js';
import { createIdempotencyStore, type IdempotencyStore, type IdempotencyStoreOptions } from './idempotency.js';

/** Two stores that should agree: the same store in process, or two instances ("replicas") on one Redis. */
export type StorePair = (extra?: Partial<IdempotencyStoreOptions>) => [IdempotencyStore, IdempotencyStore];

/**
 * The idempotency stores of one test file: a test Redis started before its tests, and every store
 * made here closed after them (with the Redis). Call it at the top of the file.
 */
export function idempotencyTestStores(keyPrefix: string): { inProcess: StorePair; replicas: StorePair; onRedis(options?: Partial<IdempotencyStoreOptions>): IdempotencyStore; redisUrl(): string } {
  let redis: TestRedisServer | undefined;
  const stores: IdempotencyStore[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis?.stop();
  });
  const redisUrl = () => {
    if (!redis) throw new Error('the test Redis is not started yet: make stores inside tests');
    return redis.url;
  };
  const make = (options: Partial<IdempotencyStoreOptions>, onRedis: boolean) => {
    const store = createIdempotencyStore({ keyPrefix, ...(onRedis ? { redisUrl: redisUrl() } : {}), ...options });
    stores.push(store);
    return store;
  };
  return {
    inProcess: (extra = {}) => {
      const store = make(extra, false);
      return [store, store];
    },
    replicas: (extra = {}) => [make(extra, true), make(extra, true)],
    onRedis: (options = {}) => make(options, true),
    redisUrl,
  };
}

/** An execute() stub that counts its calls and answers `value` after `delayMs`. */
export function counter<T>(value: T, delayMs = 30) {
  const fn = async () => {
    fn.calls++;
    if (delayMs > 0) await new Promise<void>((resolve) => setTimeout(resolve, delayMs));
    return value;
  };
  fn.calls = 0;
  return fn;
}
