import { pino } from 'pino';
import { cacheRedisErrorsTotal } from '../metrics/cache-metrics.js';
import { onInvalidationMessage } from '../../../platform/pubsub/invalidation-message.js';
import { nonQueuingRedis, subscriberRedis } from '../../../platform/redis/client.js';

/** Where the layer reports that Redis went away and came back (pino-compatible). */
export interface CacheLogger {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/** The settings of `createRedisLayer`. */
export interface RedisLayerOptions {
  /** `redis://[:password@]host:port[/db]` (usually `REDIS_URL`). Never logged. */
  url: string;
  /** Prefix of every key this layer writes (default `c360:rc:`). */
  keyPrefix?: string;
  /** Pub/sub channel of invalidations; every replica must use the same (default `c360:rc:invalidate`). */
  channel?: string;
  /** Longest wait for one Redis command before the cache goes on without it (default 250 ms). */
  commandTimeoutMs?: number;
  /** Longest wait for a connection attempt (default 1000 ms). */
  connectTimeoutMs?: number;
  /** Receives one warning per outage and one notice per recovery (default: a pino logger). */
  logger?: CacheLogger;
}

/** One value to store with its time to live. */
export interface RedisEntry {
  key: string;
  value: string;
  ttlMs: number;
}

/** Receives the cache keys of one invalidation and the id of the cache that published it. */
export type InvalidationHandler = (keys: string[], origin: string) => void;

/**
 * The shared second level of the record cache. Every method degrades instead of failing: with
 * Redis down, reads answer "absent", writes and invalidations are dropped, and the record cache
 * goes on from memory and the backend.
 */
export interface RedisLayer {
  /** Values of `keys` in order, null where absent or when Redis cannot answer; one round trip. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /** Stores entries with `PX` expiry in one pipelined round trip. */
  setMany(entries: readonly RedisEntry[]): Promise<void>;
  /** Deletes `keys` and publishes them on the channel, tagged with `origin`, in one round trip. */
  invalidate(keys: readonly string[], origin: string): Promise<void>;
  /** Calls `handler` for every invalidation published on the channel (own ones included); returns the unsubscribe. */
  onInvalidate(handler: InvalidationHandler): () => void;
  /** Resolves true once both connections are up and subscribed, false after `timeoutMs` (default 2000). */
  ready(timeoutMs?: number): Promise<boolean>;
  /** Whether the last Redis operation succeeded. */
  readonly healthy: boolean;
  /** Closes both connections. */
  close(): Promise<void>;
}

interface InvalidationMessage {
  o: string;
  k: string[];
}

/** Connects the shared second level; the connections come up in the background. */
export function createRedisLayer(options: RedisLayerOptions): RedisLayer {
  const { url } = options;
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) throw new TypeError('url must be a redis:// or rediss:// URL');
  const keyPrefix = options.keyPrefix ?? 'c360:rc:';
  const channel = options.channel ?? 'c360:rc:invalidate';
  if (typeof keyPrefix !== 'string') throw new TypeError(`keyPrefix must be a string, got ${String(keyPrefix)}`);
  if (typeof channel !== 'string' || channel === '') throw new TypeError(`channel must be a non-empty string, got ${String(channel)}`);
  const commandTimeout = options.commandTimeoutMs ?? 250;
  const connectTimeout = options.connectTimeoutMs ?? 1000;
  for (const [name, value] of Object.entries({ commandTimeoutMs: commandTimeout, connectTimeoutMs: connectTimeout })) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  const logger = options.logger ?? pino({ name: 'record-cache-redis' });

  // Both reconnect forever, slowly: the cache works without Redis meanwhile. Commands never queue
  // while Redis is away (a request must not wait for a reconnection); the SUBSCRIBE does.
  const client = nonQueuingRedis(url, { connectTimeout, commandTimeout });
  const subscriber = subscriberRedis(url, { connectTimeout });

  let healthy = false;
  let degraded = false;
  const fail = (operation: string, err: unknown) => {
    healthy = false;
    cacheRedisErrorsTotal.inc({ operation });
    // One warning per outage: ioredis reports every reconnection attempt.
    if (degraded) return;
    degraded = true;
    logger.warn({ operation, error: err instanceof Error ? err.message : String(err) }, 'redis cache layer unavailable; serving from memory and the backend');
  };
  const succeed = () => {
    healthy = true;
    if (!degraded) return;
    degraded = false;
    logger.info({}, 'redis cache layer available again');
  };
  client.on('error', (err) => fail('connection', err));
  subscriber.on('error', (err) => fail('subscriber', err));
  client.on('ready', succeed);

  const handlers = new Set<InvalidationHandler>();
  onInvalidationMessage(subscriber, channel, 'k', (keys, origin) => {
    for (const handler of handlers) handler(keys, origin);
  });
  const subscribed = subscriber.subscribe(channel).then(
    () => true,
    (err: unknown) => {
      fail('subscribe', err);
      return false;
    },
  );

  const prefixed = (keys: readonly string[]) => keys.map((key) => keyPrefix + key);
  const pipelineFailed = (results: [Error | null, unknown][] | null): Error | undefined =>
    results === null ? new Error('pipeline aborted') : (results.find(([err]) => err !== null)?.[0] ?? undefined);

  return {
    async getMany(keys) {
      if (keys.length === 0) return [];
      try {
        const values = await client.mget(...prefixed(keys));
        succeed();
        return values;
      } catch (err) {
        fail('mget', err);
        return keys.map(() => null);
      }
    },
    async setMany(entries) {
      if (entries.length === 0) return;
      try {
        const pipeline = client.pipeline();
        for (const { key, value, ttlMs } of entries) pipeline.set(keyPrefix + key, value, 'PX', Math.max(1, Math.round(ttlMs)));
        const err = pipelineFailed(await pipeline.exec());
        if (err) throw err;
        succeed();
      } catch (err) {
        fail('set', err);
      }
    },
    async invalidate(keys, origin) {
      if (keys.length === 0) return;
      try {
        const message: InvalidationMessage = { o: origin, k: [...keys] };
        const err = pipelineFailed(await client.pipeline().del(...prefixed(keys)).publish(channel, JSON.stringify(message)).exec());
        if (err) throw err;
        succeed();
      } catch (err) {
        fail('invalidate', err);
      }
    },
    onInvalidate(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async ready(timeoutMs = 2000) {
      const clientReady =
        client.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => client.once('ready', () => resolve()));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        return await Promise.race([Promise.all([clientReady, subscribed]).then(([, ok]) => ok), timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
    get healthy() {
      return healthy;
    },
    async close() {
      handlers.clear();
      // disconnect() rather than quit(): quit waits for a reply that never comes when Redis is down.
      client.disconnect();
      subscriber.disconnect();
    },
  };
}
