import type { Redis } from '../redis/client.js';

/**
 * Calls `handle` for every well-formed invalidation message on `channel`: JSON with the origin
 * replica in `o` and a list of strings in `listField` (`k` for record keys, `t` for entity tags).
 * Anything else on the channel is ignored: a malformed message must not evict nor throw.
 */
export function onInvalidationMessage(subscriber: Redis, channel: string, listField: string, handle: (items: string[], origin: string) => void): void {
  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const { o, [listField]: items } = message as Record<string, unknown>;
    if (typeof o !== 'string' || !Array.isArray(items) || !items.every((item) => typeof item === 'string')) return;
    handle(items as string[], o);
  });
}
