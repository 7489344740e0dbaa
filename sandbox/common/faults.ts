/** Faults a sandbox injects (`PUT /__sandbox/faults`), and their validation. */

/** How a write hit by `errorAfterCommitRate` is answered. */
export type AfterCommitMode = 'error' | 'drop' | 'mixed';

/** Faults injected through `PUT /__sandbox/faults`; `{}` clears them. */
export interface Faults {
  /** Added to every backend call, in milliseconds. */
  latencyMs?: number;
  /** Uniform random extra delay on top of latencyMs, in milliseconds. */
  jitterMs?: number;
  /** Probability (0..1) that a call fails with the backend's own server error, before it is applied. */
  errorRate?: number;
  /** When true, every backend call is answered 503 (admin routes stay up). */
  down?: boolean;
  /** Calls per second past which the backend's own rate-limit error is returned. */
  rateLimit?: { perSecond: number };
  /**
   * At most this many calls are worked on at once, as by Odoo's worker processes; the others wait
   * their turn in arrival order. The latency is spent holding a worker, so queued calls take longer.
   */
  workers?: number;
  /**
   * Probability (0..1) that a write call (one that may change data) is applied and committed, and
   * then answered as if it had failed: see `afterCommit`.
   */
  errorAfterCommitRate?: number;
  /**
   * How a write hit by `errorAfterCommitRate` is answered: `error` with the backend's own server
   * error, `drop` by closing the connection without an answer, `mixed` (the default) either one
   * with even odds.
   */
  afterCommit?: AfterCommitMode;
}

const KNOWN = new Set(['latencyMs', 'jitterMs', 'errorRate', 'down', 'rateLimit', 'workers', 'errorAfterCommitRate', 'afterCommit']);

/** Validates a faults body, throwing a TypeError that names the bad field. */
export function parseFaults(input: unknown): Faults {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new TypeError('faults must be a JSON object');
  const raw = input as Record<string, unknown>;
  const faults: Faults = {};
  const num = (key: 'latencyMs' | 'jitterMs' | 'errorRate' | 'errorAfterCommitRate', max: number) => {
    if (raw[key] === undefined) return;
    const value = raw[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
      throw new TypeError(`${key} must be a number between 0 and ${max}`);
    }
    faults[key] = value;
  };
  num('latencyMs', 600_000);
  num('jitterMs', 600_000);
  num('errorRate', 1);
  num('errorAfterCommitRate', 1);
  if (raw.down !== undefined) {
    if (typeof raw.down !== 'boolean') throw new TypeError('down must be a boolean');
    faults.down = raw.down;
  }
  if (raw.rateLimit !== undefined && raw.rateLimit !== null) {
    const perSecond = (raw.rateLimit as { perSecond?: unknown }).perSecond;
    if (typeof perSecond !== 'number' || !(perSecond > 0)) throw new TypeError('rateLimit.perSecond must be a positive number');
    faults.rateLimit = { perSecond };
  }
  if (raw.workers !== undefined && raw.workers !== null) {
    if (typeof raw.workers !== 'number' || !Number.isInteger(raw.workers) || raw.workers < 1 || raw.workers > 10_000) {
      throw new TypeError('workers must be an integer between 1 and 10000');
    }
    faults.workers = raw.workers;
  }
  if (raw.afterCommit !== undefined) {
    if (raw.afterCommit !== 'error' && raw.afterCommit !== 'drop' && raw.afterCommit !== 'mixed') {
      throw new TypeError('afterCommit must be "error", "drop" or "mixed"');
    }
    faults.afterCommit = raw.afterCommit;
  }
  for (const key of Object.keys(raw)) if (!KNOWN.has(key)) throw new TypeError(`unknown fault "${key}"`);
  return faults;
}
