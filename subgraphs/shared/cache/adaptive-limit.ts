/** The bounds and pace of an adaptive concurrency limit. */
export interface AdaptiveLimitOptions {
  /** The limit before any measurement. */
  initial: number;
  /** The limit never goes below this. */
  min: number;
  /** Nor above this: the hard ceiling. */
  max: number;
  /** How much slower than its usual latency a backend may answer before the limit shrinks (default 1.5). */
  tolerance?: number;
  /** Share of each step taken at once, 0..1 (default 0.2): higher follows faster and wobbles more. */
  smoothing?: number;
  /** A measurement window lasts at least this long (default 100 ms) ... */
  windowMs?: number;
  /** ... and holds at least this many loads (default 10). */
  windowSamples?: number;
  /** Windows in the long-term latency average (default 6000: about ten minutes of busy traffic). */
  longWindows?: number;
}

/** Mean of the first windows, before the long-term average becomes exponential. */
const WARMUP_WINDOWS = 10;

/**
 * A concurrency limit for one backend that follows the backend's latency, after Netflix's
 * Gradient2 (github.com/Netflix/concurrency-limits). Loads are measured in windows; each window's
 * mean latency is compared with the long-term mean:
 *
 * - while the backend answers within `tolerance` of its usual latency, the limit grows by
 *   `smoothing` times its square root per window (only when the loads actually use it);
 * - when the backend slows down past that, the limit shrinks in proportion to the slowdown, by at
 *   most about `smoothing / 2` of itself per window, and settles where latency holds.
 *
 * So a backend with spare capacity gets up to `max` loads at once, and one that queues our loads
 * (fewer workers than loads, or busy with other clients) gets fewer, down to `min`.
 */
export class AdaptiveLimit {
  readonly #min: number;
  readonly #max: number;
  readonly #tolerance: number;
  readonly #smoothing: number;
  readonly #windowMs: number;
  readonly #windowSamples: number;
  readonly #longFactor: number;
  readonly #now: () => number;
  #limit: number;
  #longRtt = 0;
  #windows = 0;
  #windowStart: number | undefined;
  #windowSum = 0;
  #windowCount = 0;
  #windowInFlight = 0;

  constructor(options: AdaptiveLimitOptions, now: () => number = () => performance.now()) {
    const { initial, min, max } = options;
    if (!(Number.isInteger(min) && min >= 1)) throw new TypeError(`min must be a positive integer, got ${min}`);
    if (!(Number.isInteger(max) && max >= min)) throw new TypeError(`max must be an integer of at least min (${min}), got ${max}`);
    if (!(initial >= min && initial <= max)) throw new TypeError(`initial must be between min and max, got ${initial}`);
    this.#min = min;
    this.#max = max;
    this.#limit = initial;
    this.#tolerance = options.tolerance ?? 1.5;
    this.#smoothing = options.smoothing ?? 0.2;
    this.#windowMs = options.windowMs ?? 100;
    this.#windowSamples = options.windowSamples ?? 10;
    this.#longFactor = 2 / ((options.longWindows ?? 6000) + 1);
    this.#now = now;
  }

  /** The current limit. */
  get value(): number {
    return Math.floor(this.#limit);
  }

  /**
   * Records one finished load: how long it took and how many loads were running when it started
   * (itself included). Failed loads are not samples: their latency says nothing of capacity.
   */
  sample(rttMs: number, inFlight: number): void {
    const now = this.#now();
    this.#windowStart ??= now;
    this.#windowSum += rttMs;
    this.#windowCount += 1;
    this.#windowInFlight = Math.max(this.#windowInFlight, inFlight);
    if (this.#windowCount < this.#windowSamples || now - this.#windowStart < this.#windowMs) return;
    const shortRtt = this.#windowSum / this.#windowCount;
    const usedInFlight = this.#windowInFlight;
    this.#windowStart = now;
    this.#windowSum = 0;
    this.#windowCount = 0;
    this.#windowInFlight = 0;
    this.#update(Math.max(shortRtt, 0.001), usedInFlight);
  }

  #update(shortRtt: number, inFlight: number): void {
    this.#windows += 1;
    if (this.#windows <= WARMUP_WINDOWS) this.#longRtt += (shortRtt - this.#longRtt) / this.#windows;
    else this.#longRtt += (shortRtt - this.#longRtt) * this.#longFactor;
    // After a slow spell the long-term mean is far above the present: let it come down faster.
    if (this.#longRtt / shortRtt > 2) this.#longRtt *= 0.95;
    // Loads that do not fill half the limit say nothing about a higher one.
    if (inFlight < this.#limit / 2) return;
    const gradient = Math.max(0.5, Math.min(1, (this.#tolerance * this.#longRtt) / shortRtt));
    const target = this.#limit * gradient + Math.sqrt(this.#limit);
    const next = this.#limit * (1 - this.#smoothing) + target * this.#smoothing;
    this.#limit = Math.max(this.#min, Math.min(this.#max, next));
  }
}
