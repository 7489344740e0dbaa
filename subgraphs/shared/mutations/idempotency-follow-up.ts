import { randomUUID } from 'node:crypto';
import { detachedFromCaller } from '../../../platform/observability/request-scope.js';
import type { RecordBackend, StoredRecord } from './idempotency-records.js';

/** The first background look at a write of unknown outcome, after the failure; the next ones double up to the maximum. */
const FIRST_LOOK_MS = 250;
const MAX_LOOK_INTERVAL_MS = 4_000;

/** Settings of the background looks, from the store's options. */
export interface FollowUpOptions {
  /** How long after the failure the looks go on, in ms; 0: never. */
  followUpMs: number;
  /** Most writes looked up at once. */
  maxFollowUps: number;
  /** The lease a look holds the key with, and the TTL of what it stores, as the store's calls do. */
  leaseMs: number;
  ttlMs: number;
}

/** The store's background looks at writes of unknown outcome. */
export interface FollowUps {
  /** Starts looking `id`'s write up with `recover`, unless off, closed or at the maximum. */
  start<T>(id: string, digest: string, recover: () => Promise<T | undefined>): void;
  /** Stops every look (a look under way ends without scheduling another). */
  close(): void;
}

/**
 * Looks writes of unknown outcome up in the background until found or `followUpMs` has passed:
 * each look claims the key like a call would (so it never runs beside an attempt, and stops once
 * one holds the key or it holds a result), runs `recover` outside the caller's request (whose
 * signal may have ended), and stores what it found as done, or the key as unknown again.
 */
export function createFollowUps(backend: RecordBackend, options: FollowUpOptions): FollowUps {
  const { followUpMs, maxFollowUps, leaseMs, ttlMs } = options;
  const timers = new Set<NodeJS.Timeout>();
  let active = 0;
  let closed = false;

  /** One look; true when there is nothing left to look for. */
  async function look<T>(id: string, digest: string, recover: () => Promise<T | undefined>): Promise<boolean> {
    const attempt = `follow-up:${randomUUID()}`;
    const claim = await backend.claim(id, { state: 'pending', digest, attempt, leaseUntil: Date.now() + leaseMs }, ttlMs).catch(() => undefined);
    if (!claim) return false;
    if (!claim.claimed) return true;
    const found = await (async () => detachedFromCaller(recover))().catch(() => undefined);
    const record: StoredRecord = found !== undefined ? { state: 'done', digest, attempt, value: found } : { state: 'unknown', digest, attempt };
    await backend.settle(id, record, ttlMs).catch(() => undefined);
    return found !== undefined;
  }

  return {
    start(id, digest, recover) {
      if (followUpMs === 0 || closed || active >= maxFollowUps) return;
      active += 1;
      const until = Date.now() + followUpMs;
      let delay = FIRST_LOOK_MS;
      const next = () => {
        if (closed || Date.now() + delay > until) {
          active -= 1;
          return;
        }
        const timer = setTimeout(() => {
          timers.delete(timer);
          void look(id, digest, recover).then((done) => {
            if (done) active -= 1;
            else {
              delay = Math.min(delay * 2, MAX_LOOK_INTERVAL_MS);
              next();
            }
          });
        }, delay);
        timer.unref();
        timers.add(timer);
      };
      next();
    },
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
