import { BackendError, type BackendSystem } from '../../../platform/errors/backend-error.js';
import { cacheBackendConcurrencyLimit, cacheBackendLoadsInFlight, cacheBudgetRejectionsTotal } from '../metrics/cache-metrics.js';
import type { AdaptiveLimit } from './adaptive-limit.js';
import { componentLog, throttledWarning } from '../../../platform/logging/index.js';

const saturation = throttledWarning(componentLog('budget'));

/**
 * Releases a budget slot; calling it twice releases once. `ok: false` says the load failed, so
 * its latency is no measure of the backend's capacity.
 */
export type Release = (ok?: boolean) => void;

/**
 * A concurrency budget for one backend: at most `limit` loads at once, then a FIFO queue of at
 * most `maxQueue` waiting loads. Past that a load fails fast (UNAVAILABLE, retryable) rather than
 * piling up behind a backend that is already slow. The limit is a fixed number, or an
 * AdaptiveLimit that every finished load informs.
 */
export class ConcurrencyBudget {
  #active = 0;
  readonly #queue: Array<() => void> = [];
  readonly #limit: number | AdaptiveLimit;

  constructor(
    readonly backend: BackendSystem,
    limit: number | AdaptiveLimit,
    readonly maxQueue: number,
  ) {
    this.#limit = limit;
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
    return this.#queue.length;
  }

  /** Whether a new load would have to wait. */
  get saturated(): boolean {
    return this.#active >= this.limit;
  }

  /** Waits for a slot. */
  acquire(): Promise<Release> {
    if (this.#active < this.limit) return Promise.resolve(this.#take());
    const fields = { system: this.backend, limit: this.limit, queued: this.#queue.length, maxQueue: this.maxQueue };
    if (this.#queue.length >= this.maxQueue) {
      cacheBudgetRejectionsTotal.inc({ system: this.backend });
      saturation(`refused:${this.backend}`, fields, `${this.backend} concurrency budget full: load refused`);
      return Promise.reject(
        new BackendError({
          backend: this.backend,
          code: 'UNAVAILABLE',
          message: `${this.backend} is at its concurrency budget (${this.limit} loads, ${this.maxQueue} queued)`,
          retryable: true,
        }),
      );
    }
    saturation(`queued:${this.backend}`, fields, `${this.backend} concurrency budget saturated: loads wait for a slot, cached records are served stale`);
    return new Promise((resolve) => this.#queue.push(() => resolve(this.#take())));
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
      while (this.#active < this.limit && this.#queue.length > 0) this.#queue.shift()!();
    };
  }

  #publishLimit(): void {
    const limit = this.limit;
    if (Number.isFinite(limit)) cacheBackendConcurrencyLimit.set({ system: this.backend }, limit);
  }
}
