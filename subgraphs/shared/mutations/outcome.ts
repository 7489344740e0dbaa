import { BackendError, type BackendSystem } from '../../../platform/errors/backend-error.js';

/**
 * A write whose outcome is unknown: it was sent, and no answer came back (timeout, connection
 * reset). The backend may or may not have applied it, so it must not be repeated blindly.
 */
export class OutcomeUnknownError extends BackendError {
  /** Marks the error for `isOutcomeUnknown`, also across module copies. */
  readonly outcomeUnknown = true as const;

  constructor(options: { backend: BackendSystem; message?: string; cause?: unknown }) {
    super({
      backend: options.backend,
      code: 'UNAVAILABLE',
      message:
        options.message ??
        `${options.backend} did not confirm the write: its outcome is unknown and it was not repeated`,
      retryable: false,
      cause: options.cause,
    });
  }
}

// Causes that mean "the request may have reached the backend": a timeout after sending, or the
// connection dropping mid-exchange. A refused connection or an open circuit means it never left.
const UNKNOWN_CAUSE_NAMES = new Set(['TaskCancelledError', 'AbortError', 'TimeoutError']);
const UNKNOWN_CAUSE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * The default classification of a failed write: an OutcomeUnknownError, a backend's server error
 * (5xx or internal), or any error whose cause chain holds a timeout (cockatiel's
 * TaskCancelledError, an abort) or a connection dropped mid-request.
 */
export function isOutcomeUnknown(err: unknown): boolean {
  // A server error answering a write (5xx, or the backend's internal error) may come after the
  // write was applied and committed: only an explicit refusal (4xx, rate limit) proves it was not.
  const top = err as { backend?: unknown; code?: unknown; status?: unknown } | null;
  if (top && typeof top === 'object' && typeof top.backend === 'string') {
    if (top.code === 'INTERNAL' || (typeof top.status === 'number' && top.status >= 500)) return true;
  }
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const candidate = e as { outcomeUnknown?: unknown; isTaskCancelledError?: unknown; name?: unknown; code?: unknown };
    if (candidate.outcomeUnknown === true) return true;
    // cockatiel's TaskCancelledError keeps the name "Error" and carries this flag instead.
    if (candidate.isTaskCancelledError === true) return true;
    if (typeof candidate.name === 'string' && UNKNOWN_CAUSE_NAMES.has(candidate.name)) return true;
    if (typeof candidate.code === 'string' && UNKNOWN_CAUSE_CODES.has(candidate.code)) return true;
  }
  return false;
}
