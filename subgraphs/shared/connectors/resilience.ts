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
import { componentLog, throttledWarning } from '../../../platform/logging/index.js';
import { currentScope } from '../../../platform/observability/request-scope.js';
import { withAttempt } from '../../../platform/observability/tracing.js';
import { backendCircuitState, backendReadsAbortedTotal, backendRetriesTotal } from '../metrics/resilience-metrics.js';

/** The default overall deadline of one read, below the gateway's default subgraph timeout (8 s). */
export const DEFAULT_READ_DEADLINE_MS = 7000;

const log = componentLog('resilience');
const warn = throttledWarning(log);

/** Timeouts, retries and a circuit breaker for one backend. */
export interface ResilienceOptions {
  backend: BackendSystem;
  /** Per-attempt timeout in milliseconds (default 5000). */
  timeoutMs?: number;
  /**
   * Overall deadline of one read, its retries and backoff included, in milliseconds (default
   * DEFAULT_READ_DEADLINE_MS). Keep it below the gateway's subgraph timeout: past it nobody waits
   * for the answer, so the attempt in flight is aborted and no retry starts.
   */
  deadlineMs?: number;
  /** Extra attempts for reads on retryable errors (default 2). Writes are never retried here. */
  readRetries?: number;
  /** Consecutive failures that open the circuit (default 10). */
  breakerThreshold?: number;
  /** How long the circuit stays open before a trial call, in milliseconds (default 5000). */
  halfOpenAfterMs?: number;
}

/** Runs backend calls under the resilience policies. */
export interface Resilience {
  /**
   * A read: timeout, retry with backoff on retryable errors, circuit breaker, all within the
   * overall deadline; the attempt in flight is aborted (its signal) at the deadline or when the
   * request it serves ends (the request scope's signal).
   */
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
  const deadlineMs = options.deadlineMs ?? DEFAULT_READ_DEADLINE_MS;
  for (const [name, value] of Object.entries({ timeoutMs, readRetries, deadlineMs })) {
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`${backend} ${name} must be a non-negative number, got ${value}`);
  }
  // Only backend outages count against the circuit: a NOT_FOUND or a rejected input is a healthy answer.
  // A call cancelled because its request ended says nothing of the backend's health.
  const isOutage = (err: Error) => (isBackendError(err) ? err.code === 'UNAVAILABLE' : err instanceof TaskCancelledError && !currentScope()?.signal?.aborted);
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
  breaker.onStateChange((state) => {
    // cockatiel's CircuitState: 0 closed, 1 open, 2 half-open, 3 isolated; the gauge says 0 closed, 1 half-open, 2 open.
    backendCircuitState.set({ system: backend }, state === 0 ? 0 : state === 2 ? 1 : 2);
  });
  breaker.onBreak(() => log.warn({ system: backend }, `${backend} circuit open: calls are refused for a while`));
  breaker.onReset(() => log.info({ system: backend }, `${backend} circuit closed again`));
  backendCircuitState.set({ system: backend }, 0);
  retryReads.onRetry((event) => {
    backendRetriesTotal.inc({ system: backend });
    const error = 'error' in event ? event.error : undefined;
    warn(`retry:${backend}`, { system: backend, attempt: event.attempt, delayMs: Math.round(event.delay), error: error instanceof Error ? error.message : undefined }, `${backend} read failed; retrying`);
  });
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

  // Every write in flight listens on this never-aborted parent signal (cockatiel derives each
  // attempt's signal from it): many concurrent calls are normal, not a listener leak. A write is
  // never abandoned for its caller: once sent, it completes or times out.
  const parent = new AbortController().signal;
  setMaxListeners(0, parent);
  const read = <T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const caller = currentScope()?.signal;
    const ended = new AbortController();
    let reason: 'deadline' | 'caller_gone' | undefined;
    const end = (why: 'deadline' | 'caller_gone') => {
      reason ??= why;
      ended.abort();
    };
    const onCallerGone = () => end('caller_gone');
    if (caller?.aborted) end('caller_gone');
    else caller?.addEventListener('abort', onCallerGone, { once: true });
    const timer = setTimeout(() => end('deadline'), deadlineMs);
    return readPolicy
      // The retry policy numbers the attempts in the context it hands down (0 first).
      .execute((ctx) => withAttempt((ctx as { attempt?: number }).attempt ?? 0, () => call(ctx.signal)), ended.signal)
      .catch((err: unknown) => {
        if (reason === undefined || (isBackendError(err) && err.code !== 'UNAVAILABLE')) return translate(err);
        backendReadsAbortedTotal.inc({ system: backend, reason });
        throw new BackendError({
          backend,
          code: 'UNAVAILABLE',
          message: reason === 'deadline' ? `${backend} did not answer within ${deadlineMs} ms` : `${backend} read abandoned: the request ended`,
          cause: err,
        });
      })
      .finally(() => {
        clearTimeout(timer);
        caller?.removeEventListener('abort', onCallerGone);
      });
  };

  return {
    read,
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
