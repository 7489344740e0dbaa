/** The systems of record, as named in `extensions.system`. */
export type BackendSystem = 'odoo' | 'salesforce' | 'servicedesk';

/**
 * What went wrong at a backend, independent of its wire format. Each connector maps its own
 * wire errors to exactly one of these; the GraphQL layer maps these to error codes.
 */
export type BackendErrorCode =
  | 'UNAVAILABLE' // refused, timed out, 5xx, circuit open
  | 'RATE_LIMITED' // the backend's own limit (Zendesk 429, Salesforce REQUEST_LIMIT_EXCEEDED)
  | 'UNAUTHENTICATED' // our credentials were refused (a configuration problem, not the caller's)
  | 'FORBIDDEN' // the API user may not touch this model/object
  | 'NOT_FOUND' // the record does not exist
  | 'REJECTED' // the backend refused the input (validation, business rule)
  | 'CONFLICT' // idempotency conflict reported by the backend
  | 'BAD_INPUT' // a caller's value cannot be sent to the backend at all (not well-formed Unicode); no call was made
  | 'INTERNAL'; // anything else

/** The one error type every connector throws. */
export class BackendError extends Error {
  override readonly name = 'BackendError';
  readonly backend: BackendSystem;
  readonly code: BackendErrorCode;
  /** HTTP status of the backend's answer, when there was one. */
  readonly status: number | undefined;
  /** Whether repeating a read may succeed (never used to repeat a write without an idempotency key). */
  readonly retryable: boolean;
  /** The backend's own error name (`odoo.exceptions.ValidationError`, `MALFORMED_QUERY`, `RecordInvalid`). */
  readonly backendCode: string | undefined;
  /** Seconds the backend asked us to wait (Retry-After). */
  readonly retryAfterSeconds: number | undefined;

  constructor(options: {
    backend: BackendSystem;
    code: BackendErrorCode;
    message: string;
    status?: number;
    retryable?: boolean;
    backendCode?: string;
    retryAfterSeconds?: number;
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.backend = options.backend;
    this.code = options.code;
    this.status = options.status;
    this.retryable = options.retryable ?? (options.code === 'UNAVAILABLE' || options.code === 'RATE_LIMITED');
    this.backendCode = options.backendCode;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Whether an error is a BackendError (also across module copies). */
export function isBackendError(err: unknown): err is BackendError {
  return err instanceof BackendError || (err instanceof Error && err.name === 'BackendError' && 'backend' in err && 'code' in err);
}

/** A caller's value that cannot be put on the wire of a backend: no call is made, and the caller gets BAD_USER_INPUT. */
export function unsendableValue(backend: BackendSystem, what: string): BackendError {
  return new BackendError({ backend, code: 'BAD_INPUT', message: `${what} is not well-formed Unicode text`, retryable: false });
}
