import { BackendError, type BackendSystem } from '../errors.js';
import { cacheBackendLoadsInFlight, cacheBudgetRejectionsTotal } from '../metrics/cache-metrics.js';

/** Releases a budget slot; calling it twice releases once. */
export type Release = () => void;

/**
 * A concurrency budget for one backend: at most `limit` loads at once, then a FIFO queue of at
 * most `maxQueue` waiting loads. Past that a load fails fast (UNAVAILABLE, retryable) rather than
 * piling up behind a backend that is already slow.
 */
export class ConcurrencyBudget {
  #active = 0;
  readonly #queue: Array<() => void> = [];

  constructor(
    readonly backend: BackendSystem,
    readonly limit: number,
    readonly maxQueue: number,
  ) {}

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
    if (this.#queue.length >= this.maxQueue) {
      cacheBudgetRejectionsTotal.inc({ system: this.backend });
      return Promise.reject(
        new BackendError({
          backend: this.backend,
          code: 'UNAVAILABLE',
          message: `${this.backend} is at its concurrency budget (${this.limit} loads, ${this.maxQueue} queued)`,
          retryable: true,
        }),
      );
    }
    return new Promise((resolve) => this.#queue.push(() => resolve(this.#take())));
  }

  #take(): Release {
    this.#active += 1;
    cacheBackendLoadsInFlight.inc({ system: this.backend });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active -= 1;
      cacheBackendLoadsInFlight.dec({ system: this.backend });
      this.#queue.shift()?.();
    };
  }
}
