import { nonQueuingRedis, type Redis } from '../../../platform/redis/client.js';
import { FEED_NAMES, type FeedHealth, type FeedName } from './feed-health.js';

/** What the long lifetimes need to know of the feeds: since when each one covers its types. */
export interface FeedCoverage {
  /** Since when records of this feed's types are covered (epoch ms), or undefined while it covers none. */
  coveringSince(name: FeedName): number | undefined;
}

/** The Redis key the feeds process keeps its coverage in. */
export const SHARED_FEED_HEALTH_KEY = 'c360:feeds:coverage';

/** How often the coverage is written and read. */
const EVERY_MS = 1000;
/** The key outlives its writer by this much: a feeds process that died stops covering anything within it. */
const EXPIRES_MS = 3000;

type Coverage = Partial<Record<FeedName, number>>;

/**
 * Writes the feeds' coverage to Redis every second, with a short expiry, for subgraphs in other
 * processes (see {@link SharedFeedCoverage}). A feed that falls back is written at the next tick;
 * `close()` deletes the key, so that the subgraphs fall back at once when the feeds stop.
 */
export function publishFeedCoverage(health: FeedHealth, redisUrl: string): { close(): Promise<void> } {
  const redis = nonQueuingRedis(redisUrl);
  const write = () => {
    const coverage: Coverage = {};
    for (const name of FEED_NAMES) {
      const since = health.coveringSince(name);
      if (since !== undefined) coverage[name] = since;
    }
    redis.set(SHARED_FEED_HEALTH_KEY, JSON.stringify(coverage), 'PX', EXPIRES_MS).catch(() => undefined);
  };
  const timer = setInterval(write, EVERY_MS);
  timer.unref();
  redis.once('ready', write);
  return {
    async close() {
      clearInterval(timer);
      await redis.del(SHARED_FEED_HEALTH_KEY).catch(() => undefined);
      redis.disconnect();
    },
  };
}

/**
 * The coverage a feeds process in another process publishes, read from Redis every second. No
 * key (no feeds process, or one that died), an unreadable one or Redis away: nothing is covered,
 * and every type keeps its short TTL. Falling back reaches this process within about a second of
 * the feed's, and records covered until then were stored while it still covered them.
 */
export class SharedFeedCoverage implements FeedCoverage {
  #coverage: Coverage = {};
  readonly #redis: Redis;
  readonly #timer: NodeJS.Timeout;

  constructor(redisUrl: string) {
    this.#redis = nonQueuingRedis(redisUrl);
    this.#redis.once('ready', () => void this.refresh());
    this.#timer = setInterval(() => void this.refresh(), EVERY_MS);
    this.#timer.unref();
  }

  /** Reads the coverage now (the timer does it every second). */
  async refresh(): Promise<void> {
    try {
      const text = await this.#redis.get(SHARED_FEED_HEALTH_KEY);
      this.#coverage = text ? coverageOf(JSON.parse(text)) : {};
    } catch {
      this.#coverage = {};
    }
  }

  coveringSince(name: FeedName): number | undefined {
    return this.#coverage[name];
  }

  close(): void {
    clearInterval(this.#timer);
    this.#redis.disconnect();
  }
}

/** The coverage of a parsed value: only known feeds with a finite time. */
function coverageOf(value: unknown): Coverage {
  const coverage: Coverage = {};
  if (value === null || typeof value !== 'object') return coverage;
  for (const name of FEED_NAMES) {
    const since = (value as Record<string, unknown>)[name];
    if (typeof since === 'number' && Number.isFinite(since)) coverage[name] = since;
  }
  return coverage;
}
