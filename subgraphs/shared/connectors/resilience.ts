import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { setMaxListeners } from 'node:events';
import { BackendError, isBackendError, type BackendSystem } from '../../../platform/errors/backend-error.js';

/** Timeouts, retries and a circuit breaker for one backend. */
export interface ResilienceOptions {
  backend: BackendSystem;
  /** Per-attempt timeout in milliseconds (default 5000). */
  timeoutMs?: number;
  /** Extra attempts for reads on retryable errors (default 2). Writes are never retried here. */
  readRetries?: number;
  /** Consecutive failures that open the circuit (default 10). */
  breakerThreshold?: number;
  /** How long the circuit stays open before a trial call, in milliseconds (default 5000). */
  halfOpenAfterMs?: number;
}

/** Runs backend calls under the resilience policies. */
export interface Resilience {
  /** A read: timeout, retry with backoff on retryable errors, circuit breaker. */
  read<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /**
   * A write: timeout and circuit breaker, never a retry, because a write that timed out may have
   * committed. The caller repeats it only with an idempotency key.
   */
  write<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/** Creates the policies for one backend; share the result between every call to it. */
export function createResilience(options: ResilienceOptions): Resilience {
  const { backend } = options;
  const timeoutMs = options.timeoutMs ?? 5000;
  const readRetries = options.readRetries ?? 2;
  for (const [name, value] of Object.entries({ timeoutMs, readRetries })) {
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`${backend} ${name} must be a non-negative number, got ${value}`);
  }
  // Only backend outages count against the circuit: a NOT_FOUND or a rejected input is a healthy answer.
  const isOutage = (err: Error) => (isBackendError(err) ? err.code === 'UNAVAILABLE' : err instanceof TaskCancelledError);
  const breaker = circuitBreaker(handleWhen(isOutage), {
    halfOpenAfter: options.halfOpenAfterMs ?? 5000,
    breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 10),
  });
  // Calls read their whole answer before returning: nothing is left to abort then, and not
  // aborting spares an AbortError and its listeners on every call.
  const perAttempt = timeout(timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  const retryReads = retry(
    handleWhen((err) => (isBackendError(err) ? err.retryable && err.code !== 'RATE_LIMITED' : err instanceof TaskCancelledError)),
    { maxAttempts: readRetries, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }) },
  );
  const readPolicy: IPolicy = wrap(retryReads, breaker, perAttempt);
  const writePolicy: IPolicy = wrap(breaker, perAttempt);

  const translate = (err: unknown): never => {
    if (isBackendError(err)) throw err;
    if (err instanceof TaskCancelledError) {
      throw new BackendError({ backend, code: 'UNAVAILABLE', message: `${backend} did not answer within ${timeoutMs} ms`, cause: err });
    }
    if (err instanceof BrokenCircuitError) {
      throw new BackendError({ backend, code: 'UNAVAILABLE', message: `${backend} is failing; calls are paused (circuit open)`, cause: err });
    }
    throw new BackendError({ backend, code: 'INTERNAL', message: `${backend} call failed: ${(err as Error)?.message ?? String(err)}`, cause: err, retryable: false });
  };

  // Every call in flight listens on this never-aborted parent signal (cockatiel derives each
  // attempt's signal from it): many concurrent calls are normal, not a listener leak.
  const parent = new AbortController().signal;
  setMaxListeners(0, parent);
  return {
    read: (call) => readPolicy.execute(({ signal }) => call(signal), parent).catch(translate),
    write: (call) => writePolicy.execute(({ signal }) => call(signal), parent).catch(translate),
  };
}

/**
 * Maps a failure of `fetch` itself (refused, reset, aborted) to UNAVAILABLE. Connectors call it
 * around their transport so that every network error has one shape.
 */
export function networkError(backend: BackendSystem, err: unknown): BackendError {
  if (isBackendError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BackendError({ backend, code: 'UNAVAILABLE', message: `${backend} unreachable: ${message}`, cause: err });
}
