import { LRUCache } from 'lru-cache';
import { createInvalidationChannel, type InvalidationChannel } from './invalidation-channel.js';

/** The id-less tag of an entity type: `Order:*` stands for every Order. */
export const WILDCARD = '*';

/** The entity type of a tag (`Order` for `Order:42`). */
export function typeOfTag(tag: string): string {
  const colon = tag.indexOf(':');
  return colon < 0 ? tag : tag.slice(0, colon);
}

/** Options of an invalidation ledger. */
export interface InvalidationLedgerOptions {
  /** Redis URL: invalidations are broadcast on pub/sub so that every replica evicts. */
  redisUrl?: string;
  /** Pub/sub channel of this cache's invalidations. */
  channel: string;
  /** Evicts what `tags` name from the cache; returns how many entries went. Called for local and remote invalidations. */
  evict(tags: readonly string[]): number;
}

/**
 * The tagged-invalidation core both gateway caches share: it numbers invalidations, remembers
 * which tags each touched (bounded), tells whether a load that began at some point may still
 * store (an invalidation of one of its tags since then means it may hold pre-write data), and
 * carries invalidations to the other replicas over Redis. The cache keeps its own entries and
 * decides what a tag evicts.
 */
export class InvalidationLedger {
  #sequence = 0;
  /** Highest sequence forgotten by `#touched`: loads older than it store nothing. */
  #forgotten = 0;
  readonly #touched: LRUCache<string, number>;
  readonly #channel: InvalidationChannel;
  readonly #evict: (tags: readonly string[]) => number;

  constructor(options: InvalidationLedgerOptions) {
    this.#evict = options.evict;
    this.#touched = new LRUCache<string, number>({
      max: 10_000,
      dispose: (sequence, _tag, reason) => {
        if (reason === 'evict' && sequence > this.#forgotten) this.#forgotten = sequence;
      },
    });
    this.#channel = createInvalidationChannel(options.redisUrl, options.channel, (tags) => this.#apply(tags));
  }

  /** The number of invalidations seen so far (here and from other replicas); a load notes it when it begins. */
  get sequence(): number {
    return this.#sequence;
  }

  /** Whether one of `tags` (or its type, for `Type:*` and `Type:id` alike) was invalidated after `since`. */
  invalidatedSince(tags: Iterable<string>, since: number): boolean {
    if (this.#sequence === since) return false;
    if (this.#forgotten > since) return true;
    for (const tag of tags) {
      const type = typeOfTag(tag);
      const touched = tag.endsWith(`:${WILDCARD}`)
        ? (this.#touched.get(`type:${type}`) ?? 0)
        : Math.max(this.#touched.get(`tag:${tag}`) ?? 0, this.#touched.get(`tag:${type}:${WILDCARD}`) ?? 0);
      if (touched > since) return true;
    }
    return false;
  }

  /** Evicts what `tags` name here and tells the other replicas; returns how many entries went here. */
  invalidate(tags: Iterable<string>): number {
    const unique = [...new Set(tags)];
    if (unique.length === 0) return 0;
    const evicted = this.#apply(unique);
    this.#channel.publish(unique);
    return evicted;
  }

  /** Resolves once the invalidations published so far reached Redis (see InvalidationChannel.settled). */
  published(): Promise<void> {
    return this.#channel.settled();
  }

  /** Resolves true once subscribed to the other replicas' invalidations and able to publish its own (at once without Redis), false after `timeoutMs`. */
  ready(timeoutMs = 2000): Promise<boolean> {
    return this.#channel.ready(timeoutMs);
  }

  /** Closes the Redis connections, if any. */
  close(): void {
    this.#channel.close();
  }

  #apply(tags: readonly string[]): number {
    const sequence = ++this.#sequence;
    for (const tag of tags) {
      this.#touched.set(`tag:${tag}`, sequence);
      this.#touched.set(`type:${typeOfTag(tag)}`, sequence);
    }
    return this.#evict(tags);
  }
}
