import { InvalidationLedger } from './invalidation-ledger.js';

/** Where a tagged cache's invalidations travel between replicas. */
export interface TaggedCacheChannel {
  /** Redis URL: invalidations are broadcast on pub/sub so that every replica evicts (entries stay in process). */
  redisUrl?: string;
  /** Pub/sub channel of this cache's invalidations. */
  channel: string;
}

/**
 * What the response cache and the fetch cache share: invalidation by entity tag through one
 * {@link InvalidationLedger} (numbered, remembered for loads in flight, carried to the other
 * replicas). Each cache keeps its own entries and says what a tag evicts.
 */
export abstract class TaggedCache {
  /** Numbers invalidations and carries them between replicas: a load that raced one of its tags stores nothing. */
  protected readonly ledger: InvalidationLedger;

  protected constructor(channel: TaggedCacheChannel) {
    this.ledger = new InvalidationLedger({ redisUrl: channel.redisUrl, channel: channel.channel, evict: (tags) => this.evict(tags) });
  }

  /** Evicts what `tags` name from this replica's entries; returns how many went. */
  protected abstract evict(tags: readonly string[]): number;

  /** Empties the cache. */
  abstract clear(): void;

  /**
   * Evicts what `tags` name (`Order:42`; `Order:*` for every Order) and tells the other replicas
   * when Redis is configured. Returns how many entries were evicted here.
   */
  invalidate(tags: Iterable<string>): number {
    return this.ledger.invalidate(tags);
  }

  /** Resolves once the invalidations published so far reached Redis (see InvalidationChannel.settled). */
  published(): Promise<void> {
    return this.ledger.published();
  }

  /** Resolves true once the invalidation channel is subscribed and can publish (at once without Redis), false after `timeoutMs`. */
  ready(timeoutMs = 2000): Promise<boolean> {
    return this.ledger.ready(timeoutMs);
  }

  /** Closes the Redis connections, if any. */
  async close(): Promise<void> {
    this.ledger.close();
  }
}
