import { BackendError, type BackendSystem } from '../../../platform/errors/backend-error.js';
import { currentScope } from '../../../platform/observability/request-scope.js';
import { cacheBackendConcurrencyLimit, cacheBackendLoadsInFlight, cacheBudgetQueued, cacheBudgetRejectionsTotal, cacheBudgetWaitSeconds } from '../metrics/cache-metrics.js';
import type { AdaptiveLimit } from './adaptive-limit.js';
import { FairQueue } from './fair-queue.js';
import { DEFAULT_SHARE_WEIGHTS, shareOf, type Share, type ShareWeights } from './fair-share.js';
import { componentLog, throttledWarning } from '../../../platform/logging/index.js';

const saturation = throttledWarning(componentLog('budget'));

/**
 * Releases a budget slot; calling it twice releases once. `ok: false` says the load failed, so
 * its latency is no measure of the backend's capacity.
 */
export type Release = (ok?: boolean) => void;

interface Waiter {
  share: Share;
  queuedAt: number;
  grant(): void;
  refuse(err: BackendError): void;
}

/**
 * A concurrency budget for one backend: at most `limit` loads at once, then a queue of at most
 * `maxQueue` waiting loads, shared fairly between client classes. Each share (support agents,
 * CRM roles, admins, each partner alone, the rest) has its own queue, and a free slot goes to
 * the share whose turn it is by weighted fair queuing (FairQueue), so one partner crawling its
 * data waits behind its own loads while an agent's load passes ahead. Past `maxQueue` a load
 * fails fast (UNAVAILABLE, retryable) rather than piling up behind a backend that is already
 * slow; when the queue is full because of one share, that share's newest load is the one
 * refused. The limit is a fixed number, or an AdaptiveLimit that every finished load informs.
 */
export class ConcurrencyBudget {
  #active = 0;
  readonly #queue = new FairQueue<Waiter>();
  readonly #limit: number | AdaptiveLimit;
  readonly #weights: ShareWeights;

  constructor(
    readonly backend: BackendSystem,
    limit: number | AdaptiveLimit,
    readonly maxQueue: number,
    weights: ShareWeights = DEFAULT_SHARE_WEIGHTS,
  ) {
    this.#limit = limit;
    this.#weights = weights;
    this.#publishLimit();
  }

  /** The most loads allowed at once, now. */
  get limit(): number {
    return typeof this.#limit === 'number' ? this.#limit : this.#limit.value;
  }

  /** Loads running now. */
  get active(): number {
    return this.#active;
  }

  /** Loads waiting for a slot. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Loads waiting for a slot, by share (`support`, `partner:001…`). */
  queuedByShare(): Map<string, number> {
    return this.#queue.backlog();
  }

  /** Whether a new load would have to wait. */
  get saturated(): boolean {
    return this.#active >= this.limit;
  }

  /**
   * Waits for a slot. The load's share is the current request's client class (the request
   * scope), or `share` when given.
   */
  acquire(share: Share = shareOf(currentScope()?.clientClass, this.#weights)): Promise<Release> {
    if (this.#active < this.limit && this.#queue.size === 0) {
      cacheBudgetWaitSeconds.observe({ system: this.backend, share: share.key }, 0);
      return Promise.resolve(this.#take());
    }
    const fields = { system: this.backend, share: share.key, limit: this.limit, queued: this.#queue.size, maxQueue: this.maxQueue };
    if (this.#queue.size >= this.maxQueue) {
      const pushedOut = this.maxQueue > 0 ? this.#queue.pushOutFor(share) : undefined;
      if (!pushedOut) {
        saturation(`refused:${this.backend}`, fields, `${this.backend} concurrency budget full: load refused`);
        return Promise.reject(this.#refusal(share));
      }
      this.#publishQueued(pushedOut.share.key);
      saturation(`pushed-out:${this.backend}`, { ...fields, pushedOut: pushedOut.share.key }, `${this.backend} concurrency budget full: the newest load of the longest queue refused`);
      pushedOut.refuse(this.#refusal(pushedOut.share));
    } else {
      saturation(`queued:${this.backend}`, fields, `${this.backend} concurrency budget saturated: loads wait for a slot, cached records are served stale`);
    }
    return new Promise((resolve, reject) => {
      const queuedAt = performance.now();
      const grant = () => {
        cacheBudgetWaitSeconds.observe({ system: this.backend, share: share.key }, (performance.now() - queuedAt) / 1000);
        resolve(this.#take());
      };
      this.#queue.push(share, { share, queuedAt, grant, refuse: reject });
      this.#publishQueued(share.key);
    });
  }

  #refusal(share: Share): BackendError {
    cacheBudgetRejectionsTotal.inc({ system: this.backend, share: share.key });
    return new BackendError({
      backend: this.backend,
      code: 'UNAVAILABLE',
      message: `${this.backend} is at its concurrency budget (${this.limit} loads, ${this.maxQueue} queued)`,
      retryable: true,
    });
  }

  #take(): Release {
    this.#active += 1;
    cacheBackendLoadsInFlight.inc({ system: this.backend });
    const inFlight = this.#active;
    const startedAt = performance.now();
    let released = false;
    return (ok = true) => {
      if (released) return;
      released = true;
      this.#active -= 1;
      cacheBackendLoadsInFlight.dec({ system: this.backend });
      if (ok && typeof this.#limit !== 'number') {
        this.#limit.sample(performance.now() - startedAt, inFlight);
        this.#publishLimit();
      }
      // A limit that grew lets more than one waiting load go.
      while (this.#active < this.limit && this.#queue.size > 0) {
        const next = this.#queue.pop()!;
        this.#publishQueued(next.share.key);
        next.grant();
      }
    };
  }

  #publishQueued(share: string): void {
    cacheBudgetQueued.set({ system: this.backend, share }, this.#queue.queuedIn(share));
  }

  #publishLimit(): void {
    const limit = this.limit;
    if (Number.isFinite(limit)) cacheBackendConcurrencyLimit.set({ system: this.backend }, limit);
  }
}
