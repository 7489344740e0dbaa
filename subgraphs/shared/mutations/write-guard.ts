import { isBackendError, type BackendSystem } from '../../../platform/errors/backend-error.js';
import { isOutcomeUnknown as defaultIsOutcomeUnknown, OutcomeUnknownError } from './outcome.js';

/** One backend write and how to tell, and settle, an unknown outcome. */
export interface WriteOptions<T> {
  /** The system written to (named in the error when the outcome stays unknown). */
  backend: BackendSystem;
  /** The client's idempotency key. Without one, a write is never repeated. */
  idempotencyKey?: string;
  /** Sends the write once. */
  attempt: () => Promise<T>;
  /** Whether a failure may have been applied anyway (default: `isOutcomeUnknown` of outcome.ts). */
  isOutcomeUnknown?: (err: unknown) => boolean;
  /**
   * With a key, before the one retry: looks the write up at the backend (by its client reference)
   * and returns its result when it was applied, undefined when it was not. Without it, nothing is retried.
   */
  recover?: () => Promise<T | undefined>;
}

/**
 * Runs a write under the rule "no blind retries": a failure that is certain (refused, rejected)
 * is rethrown as is; a failure of unknown outcome (timeout after sending) without an idempotency
 * key (or without `recover`) becomes an OutcomeUnknownError (UNAVAILABLE, "outcome unknown, not
 * repeated"); with both, the write is looked up through `recover()` and, if not found, sent at
 * most once more.
 */
export async function runWrite<T>(options: WriteOptions<T>): Promise<T> {
  const unknown = options.isOutcomeUnknown ?? defaultIsOutcomeUnknown;
  const backendOf = (err: unknown) => (isBackendError(err) ? err.backend : options.backend);
  try {
    return await options.attempt();
  } catch (err) {
    if (!unknown(err)) throw err;
    // Without a key, or without a way to look the write up, a repeat could apply it twice.
    if (options.idempotencyKey === undefined || !options.recover) throw asOutcomeUnknown(err, backendOf(err));
    const found = await lookUp(options.recover, err, backendOf(err));
    if (found !== undefined) return found;
  }
  try {
    return await options.attempt();
  } catch (err) {
    if (!unknown(err)) throw err;
    // The retry's outcome is unknown too: stop here; a later call with the key re-checks the backend.
    throw asOutcomeUnknown(err, backendOf(err));
  }
}

async function lookUp<T>(recover: () => Promise<T | undefined>, original: unknown, backend: BackendSystem): Promise<T | undefined> {
  try {
    return await recover();
  } catch (err) {
    // Without the lookup, repeating the write could apply it twice.
    throw asOutcomeUnknown(original, backend, err);
  }
}

function asOutcomeUnknown(err: unknown, backend: BackendSystem, recoverError?: unknown): OutcomeUnknownError {
  if (err instanceof OutcomeUnknownError && recoverError === undefined) return err;
  return new OutcomeUnknownError({
    backend,
    message:
      recoverError === undefined
        ? `${backend} did not confirm the write: its outcome is unknown and it was not repeated`
        : `${backend} did not confirm the write and it could not be looked up: its outcome is unknown and it was not repeated`,
    cause: recoverError ?? err,
  });
}
