import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

/** Reconnects forever, slowly (200 ms more each attempt, at most 2 s): what uses Redis goes on without it meanwhile. */
export const reconnectSlowly = (attempt: number): number => Math.min(attempt * 200, 2000);

/**
 * A Redis client whose commands never queue while Redis is away (they fail at once, so that no
 * request waits for a reconnection), connecting within 1 s and reconnecting forever. Its errors
 * are expected while Redis is down and are not thrown: callers handle each command's failure.
 */
export function nonQueuingRedis(url: string, options: RedisOptions = {}): Redis {
  return quietRedis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, ...options });
}

/**
 * A Redis client for a subscription: its SUBSCRIBE waits for the connection (and ioredis subscribes
 * again after each reconnection), connecting within 1 s and reconnecting forever. Its errors are
 * expected while Redis is down and are not thrown.
 */
export function subscriberRedis(url: string, options: RedisOptions = {}): Redis {
  return quietRedis(url, { maxRetriesPerRequest: null, ...options });
}

/**
 * A Redis client whose commands may wait for a reconnection, a few retries each (the callers'
 * writes can wait: a replay id, not a request), connecting within 1 s and reconnecting forever.
 */
export function retryingRedis(url: string, options: RedisOptions = {}): Redis {
  return quietRedis(url, { maxRetriesPerRequest: 2, ...options });
}

function quietRedis(url: string, options: RedisOptions): Redis {
  const redis = new Redis(url, { connectTimeout: 1000, retryStrategy: reconnectSlowly, ...options });
  redis.on('error', () => {});
  return redis;
}
