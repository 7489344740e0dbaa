import { codedError, ErrorCode } from '../../../platform/errors/graphql-errors.js';
import { componentLog } from '../../../platform/logging/index.js';

const log = componentLog('mutations');

/** The stores a write keeps its state in before anything reaches its system of record. */
export type WriteStore = 'idempotency' | 'write-progress';

const LABELS: Record<WriteStore, string> = { idempotency: 'idempotency', 'write-progress': 'write progress' };

/**
 * Refuses a write whose idempotency key or progress could not be stored before it was sent (Redis
 * down): nothing was written, so the same call (with the same key) may be repeated. Logs one
 * warning and throws BACKEND_UNAVAILABLE with `extensions.store` and a retry hint, instead of the
 * client library's own error reaching the client as INTERNAL_SERVER_ERROR.
 */
export function refuseWriteWithoutStore(store: WriteStore, cause: unknown): never {
  log.warn({ store, error: cause instanceof Error ? cause.message : String(cause) }, `${LABELS[store]} store unavailable; write refused before it was sent`);
  throw codedError(ErrorCode.BACKEND_UNAVAILABLE, `The ${LABELS[store]} store is unavailable: nothing was written; retry later`, { store, retryAfterSeconds: 1 });
}
