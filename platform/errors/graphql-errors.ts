import { GraphQLError } from 'graphql';
import { isBackendError, type BackendError, type BackendErrorCode } from './backend-error.js';

/** The error codes clients see in `extensions.code`. */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  BACKEND_UNAVAILABLE = 'BACKEND_UNAVAILABLE',
  BACKEND_REJECTED = 'BACKEND_REJECTED',
  RATE_LIMITED = 'RATE_LIMITED',
  IDEMPOTENCY_CONFLICT = 'IDEMPOTENCY_CONFLICT',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/** A GraphQL error with a code (and any extra extensions). */
export function codedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** BAD_USER_INPUT naming the argument or input field at fault. */
export function badInput(field: string, message: string): GraphQLError {
  return codedError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { field });
}

function codeFor(code: BackendErrorCode): ErrorCode {
  switch (code) {
    case 'UNAVAILABLE':
    case 'UNAUTHENTICATED': // our own credentials were refused: the backend is unusable for everyone
      return ErrorCode.BACKEND_UNAVAILABLE;
    case 'RATE_LIMITED':
      return ErrorCode.RATE_LIMITED;
    case 'NOT_FOUND':
      return ErrorCode.NOT_FOUND;
    case 'FORBIDDEN':
    case 'REJECTED':
      return ErrorCode.BACKEND_REJECTED;
    case 'CONFLICT':
      return ErrorCode.IDEMPOTENCY_CONFLICT;
    case 'BAD_INPUT':
      return ErrorCode.BAD_USER_INPUT;
    case 'INTERNAL':
      return ErrorCode.INTERNAL_SERVER_ERROR;
    default: {
      const never: never = code;
      return never;
    }
  }
}

/** The GraphQL error for a backend failure: its code and `extensions.system`, no internals. */
export function backendGraphQLError(err: BackendError): GraphQLError {
  const code = codeFor(err.code);
  const message =
    code === ErrorCode.BACKEND_UNAVAILABLE
      ? `${err.backend} is unavailable`
      : code === ErrorCode.INTERNAL_SERVER_ERROR
        ? `${err.backend} failed unexpectedly`
        : err.message;
  const extensions: Record<string, unknown> = { system: err.backend };
  if (err.retryAfterSeconds !== undefined) extensions.retryAfterSeconds = err.retryAfterSeconds;
  return codedError(code, message, extensions);
}

/** Converts anything a resolver threw into a coded GraphQL error; uncoded errors become INTERNAL_SERVER_ERROR. */
export function toGraphQLError(err: unknown): GraphQLError {
  if (isBackendError(err)) return backendGraphQLError(err);
  if (err instanceof GraphQLError && err.extensions?.code) return err;
  return codedError(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
}
