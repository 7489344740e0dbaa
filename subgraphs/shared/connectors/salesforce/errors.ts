import { BackendError, isBackendError, type BackendErrorCode } from '../../../../platform/errors/backend-error.js';
import { networkError } from '../resilience.js';

const BACKEND = 'salesforce' as const;

/** Salesforce error codes by what they mean for us. */
const CODES: Record<string, { code: BackendErrorCode; status: number }> = {
  INVALID_SESSION_ID: { code: 'UNAUTHENTICATED', status: 401 },
  INVALID_AUTH_HEADER: { code: 'UNAUTHENTICATED', status: 401 },
  REQUEST_LIMIT_EXCEEDED: { code: 'RATE_LIMITED', status: 403 },
  API_DISABLED_FOR_ORG: { code: 'FORBIDDEN', status: 403 },
  API_CURRENTLY_DISABLED: { code: 'FORBIDDEN', status: 403 },
  INSUFFICIENT_ACCESS: { code: 'FORBIDDEN', status: 403 },
  INSUFFICIENT_ACCESS_OR_READONLY: { code: 'FORBIDDEN', status: 400 },
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: { code: 'FORBIDDEN', status: 400 },
  NOT_FOUND: { code: 'NOT_FOUND', status: 404 },
  ENTITY_IS_DELETED: { code: 'NOT_FOUND', status: 404 },
  // Input the backend refused: the caller can fix it.
  REQUIRED_FIELD_MISSING: { code: 'REJECTED', status: 400 },
  STRING_TOO_LONG: { code: 'REJECTED', status: 400 },
  INVALID_EMAIL_ADDRESS: { code: 'REJECTED', status: 400 },
  FIELD_CUSTOM_VALIDATION_EXCEPTION: { code: 'REJECTED', status: 400 },
  FIELD_INTEGRITY_EXCEPTION: { code: 'REJECTED', status: 400 },
  INVALID_CROSS_REFERENCE_KEY: { code: 'REJECTED', status: 400 },
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: { code: 'REJECTED', status: 400 },
  DUPLICATE_VALUE: { code: 'REJECTED', status: 400 },
  DUPLICATES_DETECTED: { code: 'REJECTED', status: 400 },
  DUPLICATE_EXTERNAL_ID: { code: 'REJECTED', status: 400 },
  MULTIPLE_CHOICES: { code: 'REJECTED', status: 300 },
  UNABLE_TO_LOCK_ROW: { code: 'UNAVAILABLE', status: 400 },
  // Our own requests were wrong: a bug, not the caller's fault, and repeating will not help.
  MALFORMED_QUERY: { code: 'INTERNAL', status: 400 },
  MALFORMED_SEARCH: { code: 'INTERNAL', status: 400 },
  INVALID_FIELD: { code: 'INTERNAL', status: 400 },
  INVALID_TYPE: { code: 'INTERNAL', status: 400 },
  MALFORMED_ID: { code: 'INTERNAL', status: 400 },
  INVALID_QUERY_FILTER_OPERATOR: { code: 'INTERNAL', status: 400 },
  INVALID_QUERY_LOCATOR: { code: 'INTERNAL', status: 400 },
  JSON_PARSER_ERROR: { code: 'INTERNAL', status: 400 },
  NUMBER_OUTSIDE_VALID_RANGE: { code: 'INTERNAL', status: 400 },
  EXCEEDED_ID_LIMIT: { code: 'INTERNAL', status: 400 },
  INVALID_FIELD_FOR_INSERT_UPDATE: { code: 'INTERNAL', status: 400 },
  // Salesforce's own failures.
  UNKNOWN_EXCEPTION: { code: 'UNAVAILABLE', status: 500 },
  SERVER_UNAVAILABLE: { code: 'UNAVAILABLE', status: 503 },
};

/** OAuth token endpoint errors: all mean our credentials or client settings were refused. */
const OAUTH_ERRORS = new Set(['invalid_grant', 'invalid_client', 'invalid_client_id', 'unsupported_grant_type', 'invalid_request', 'unauthorized_client', 'inactive_user', 'inactive_org', 'invalid_scope']);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

function fromStatus(status: number, backendCode: string, message: string, cause: unknown): BackendError {
  const code: BackendErrorCode =
    status >= 500 ? 'UNAVAILABLE' : status === 429 ? 'RATE_LIMITED' : status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'FORBIDDEN' : status === 404 ? 'NOT_FOUND' : 'INTERNAL';
  return new BackendError({ backend: BACKEND, code, status, backendCode, message, cause });
}

/**
 * The one mapping of Salesforce failures (jsforce's HttpApiError with `errorCode`, OAuth errors
 * named by `error`, bodies that were not Salesforce errors, network failures) to BackendError.
 * `grantFailure` is the last failed token grant: jsforce reports a failed refresh only by message.
 */
export function mapSalesforceError(err: unknown, grantFailure?: BackendError): BackendError {
  if (isBackendError(err)) return err;
  if (!(err instanceof Error)) return new BackendError({ backend: BACKEND, code: 'INTERNAL', message: `salesforce call failed: ${String(err)}`, retryable: false });
  const e = err as Error & { errorCode?: string; code?: string; type?: string; data?: unknown };
  if (e.message.startsWith('Unable to refresh session')) {
    return grantFailure ?? new BackendError({ backend: BACKEND, code: 'UNAUTHENTICATED', message: 'salesforce refused to renew the session', cause: err });
  }
  if (e.name === 'FetchError' || e.name === 'AbortError' || (e.code && NETWORK_CODES.has(e.code)) || (e.type === 'system' && e.code)) {
    return networkError(BACKEND, err);
  }
  if (OAUTH_ERRORS.has(e.name)) {
    return new BackendError({ backend: BACKEND, code: 'UNAUTHENTICATED', status: 400, backendCode: e.name, message: `salesforce refused our credentials (${e.name})`, cause: err });
  }
  let errorCode = e.errorCode ?? e.name;
  let message = e.message;
  if (errorCode === 'MULTIPLE_API_ERRORS' && Array.isArray(e.data) && e.data.length > 0) {
    const first = e.data[0] as { errorCode?: string; message?: string };
    errorCode = first.errorCode ?? errorCode;
    message = first.message ?? message;
  }
  const http = /^ERROR_HTTP_(\d{3})$/.exec(errorCode);
  if (http) return fromStatus(Number(http[1]), errorCode, `salesforce answered HTTP ${http[1]}`, err);
  const known = CODES[errorCode];
  if (known) {
    return new BackendError({ backend: BACKEND, code: known.code, status: known.status, backendCode: errorCode, message: `salesforce ${errorCode}: ${message.trim().slice(0, 300)}`, cause: err });
  }
  if (/^[A-Z][A-Z0-9_]+$/.test(errorCode)) {
    return new BackendError({ backend: BACKEND, code: 'INTERNAL', backendCode: errorCode, message: `salesforce ${errorCode}: ${message.trim().slice(0, 300)}`, cause: err, retryable: false });
  }
  return new BackendError({ backend: BACKEND, code: 'INTERNAL', message: `salesforce call failed: ${message.slice(0, 300)}`, cause: err, retryable: false });
}
