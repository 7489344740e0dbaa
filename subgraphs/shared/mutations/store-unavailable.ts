import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../../platform/errors/graphql-errors.js';
import { componentLog } from '../../../platform/logging/index.js';

const log = componentLog('mutations');

/** The stores a write keeps its state in before anything reaches its system of record. */
export type WriteStore = 'idempotency' | 'write-progress';

const LABELS: Record<WriteStore, string> = { idempotency: 'idempotency', 'write-progress': 'write progress' };

/**
 * The store a write keeps its idempotency key or its progress in could not be reached before the
 * write was sent (Redis down): nothing was written, and the same call (with the same key) may be
 * repeated. Answered as BACKEND_UNAVAILABLE with `extensions.store` and a retry hint, instead of
 * the client library's own error as INTERNAL_SERVER_ERROR.
 */
export class WriteStoreUnavailableError extends GraphQLError {
  readonly code = ErrorCode.BACKEND_UNAVAILABLE;
  readonly store: WriteStore;

  constructor(store: WriteStore, cause: unknown) {
    super(`The ${LABELS[store]} store is unavailable: nothing was written; retry later`, {
      originalError: cause instanceof Error ? cause : undefined,
      extensions: { code: ErrorCode.BACKEND_UNAVAILABLE, store, retryAfterSeconds: 1 },
    });
    this.name = 'WriteStoreUnavailableError';
    this.store = store;
  }
}

/** Logs that a write was refused because its store failed (one warning per refusal) and throws the client's error. */
export function refuseWriteWithoutStore(store: WriteStore, cause: unknown): never {
  log.warn({ store, error: cause instanceof Error ? cause.message : String(cause) }, `${LABELS[store]} store unavailable; write refused before it was sent`);
  throw new WriteStoreUnavailableError(store, cause);
}
