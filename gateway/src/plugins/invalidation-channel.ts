import { nonQueuingRedis, subscriberRedis, type Redis } from '../../../platform/redis/client.js';
import { randomUUID } from 'node:crypto';
import { onInvalidationMessage } from '../../../platform/pubsub/invalidation-message.js';

/** Carries entity-tag invalidations between the gateway replicas (Redis pub/sub), or nowhere without Redis. */
export interface InvalidationChannel {
  /** Tells the other replicas; never waits for Redis and never throws. */
  publish(tags: readonly string[]): void;
  /**
   * Resolves once every publish so far reached Redis, which has then handed it to the other
   * replicas (or failed, or took longer than 250 ms): a write's answer waits for it, so that the
   * next read through another replica finds its copies evicted. Never rejects.
   */
  settled(): Promise<void>;
  /** Resolves true once subscribed and able to publish (at once without Redis), false after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<boolean>;
  close(): void;
}

/** Longest a write's answer waits for its invalidation to reach Redis. */
const PUBLISH_WAIT_MS = 250;

/** The message on Redis: origin replica and tags. */
interface InvalidationMessage {
  o: string;
  t: string[];
}

/**
 * Subscribes to `channel` on `url` and calls `onRemote` with the tags other replicas publish (a
 * replica ignores its own messages); without `onRemote`, only publishes (no subscription). Without
 * a URL, a channel that goes nowhere: the other replicas keep their copies until their own
 * expiry, which is then the bound.
 */
export function createInvalidationChannel(url: string | undefined, channel: string, onRemote?: (tags: string[]) => void): InvalidationChannel {
  if (url === undefined) return { publish() {}, settled: async () => {}, ready: async () => true, close() {} };
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) throw new TypeError('redisUrl must be a redis:// or rediss:// URL');
  const origin = randomUUID();
  // Publishing never queues while Redis is away: a request must not wait for a reconnection.
  const publisher = nonQueuingRedis(url);
  const subscriber = onRemote ? subscribe(url, channel, origin, onRemote) : undefined;
  const subscribed = subscriber?.subscribed ?? Promise.resolve(true);
  // Publishing never queues: until its connection is up, what this replica publishes is lost.
  const canPublish = new Promise<true>((resolve) => (publisher.status === 'ready' ? resolve(true) : publisher.once('ready', () => resolve(true))));
  const pending = new Set<Promise<unknown>>();
  return {
    publish(tags) {
      const message: InvalidationMessage = { o: origin, t: [...tags] };
      let timer: NodeJS.Timeout | undefined;
      const sent: Promise<unknown> = Promise.race([
        publisher.publish(channel, JSON.stringify(message)).catch(() => undefined),
        new Promise((resolve) => {
          timer = setTimeout(resolve, PUBLISH_WAIT_MS);
        }),
      ]).finally(() => {
        clearTimeout(timer);
        pending.delete(sent);
      });
      pending.add(sent);
    },
    async settled() {
      await Promise.all([...pending]);
    },
    async ready(timeoutMs = 2000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        return await Promise.race([Promise.all([subscribed, canPublish]).then(([ok]) => ok), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      publisher.disconnect();
      subscriber?.redis.disconnect();
    },
  };
}

/** The subscription to the other replicas' messages on `channel`. */
function subscribe(url: string, channel: string, origin: string, onRemote: (tags: string[]) => void): { redis: Redis; subscribed: Promise<boolean> } {
  // Errors are expected while Redis is down; the caches go on in process, bounded by their TTLs.
  const redis = subscriberRedis(url);
  onInvalidationMessage(redis, channel, 't', (tags, from) => {
    if (from !== origin) onRemote(tags);
  });
  const subscribed = redis.subscribe(channel).then(
    () => true,
    () => false,
  );
  return { redis, subscribed };
}
