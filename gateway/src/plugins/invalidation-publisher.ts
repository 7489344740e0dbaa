import { createInvalidationChannel } from './invalidation-channel.js';

/** The pub/sub channel of the response cache's invalidations (its default). */
export const RESPONSE_INVALIDATION_CHANNEL = 'c360:gateway:response-invalidate';
/** The pub/sub channel of the fetch cache's invalidations (its default). */
export const FETCH_INVALIDATION_CHANNEL = 'c360:gateway:fetch-invalidate';

/** Tells gateways in other processes to evict what entity tags name. */
export interface GatewayInvalidationPublisher {
  /** Publishes the tags to both gateway caches' channels; never waits for Redis and never throws. */
  publish(tags: readonly string[]): void;
  /** Resolves once the publishes so far reached Redis (or gave up). */
  settled(): Promise<void>;
  /** Resolves true once both channels can publish (what is published before is lost), false after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<boolean>;
  close(): void;
}

/**
 * A publisher of entity-tag invalidations for gateways that run in other processes (the change
 * feeds of a process without a gateway of its own): the same messages a gateway replica sends
 * its peers, on the response cache's and the fetch cache's channels, so that every gateway over
 * that Redis evicts its copies.
 */
export function createGatewayInvalidationPublisher(redisUrl: string): GatewayInvalidationPublisher {
  // Only publishing (no subscription): what other processes publish is not for this one.
  const channels = [RESPONSE_INVALIDATION_CHANNEL, FETCH_INVALIDATION_CHANNEL].map((channel) => createInvalidationChannel(redisUrl, channel));
  return {
    publish(tags) {
      if (tags.length === 0) return;
      for (const channel of channels) channel.publish(tags);
    },
    async settled() {
      await Promise.all(channels.map((c) => c.settled()));
    },
    async ready(timeoutMs = 2000) {
      return (await Promise.all(channels.map((c) => c.ready(timeoutMs)))).every(Boolean);
    },
    close() {
      for (const channel of channels) channel.close();
    },
  };
}
