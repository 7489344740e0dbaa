import { BackendError, type BackendErrorCode } from '../../../../platform/errors/backend-error.js';

/**
 * The one mapping from Odoo's wire errors (JSON-RPC `error` objects, JSON-2 statuses and bodies,
 * HTTP failures) to BackendError. Messages keep Odoo's own text for business errors (users act on
 * "credit limit exceeded") and never include request bodies, which carry the API key.
 */

/** Exception name Odoo uses for an expired web session. */
export const SESSION_EXPIRED = 'odoo.http.SessionExpiredException';

/** Odoo's serialized exception (`error.data` in JSON-RPC, the body in JSON-2). */
export interface OdooExceptionData {
  name?: string;
  message?: string;
  arguments?: unknown[];
  debug?: string;
}

const BY_NAME: ReadonlyArray<[suffix: string, code: BackendErrorCode]> = [
  ['AccessDenied', 'UNAUTHENTICATED'],
  ['SessionExpiredException', 'UNAUTHENTICATED'],
  ['AccessError', 'FORBIDDEN'],
  ['MissingError', 'NOT_FOUND'],
  ['UserError', 'REJECTED'],
  ['ValidationError', 'REJECTED'],
  ['RedirectWarning', 'REJECTED'],
  // Serialization failures and lock timeouts are transient: Odoo itself retries them.
  ['SerializationFailure', 'UNAVAILABLE'],
  ['OperationalError', 'UNAVAILABLE'],
  ['LockNotAvailable', 'UNAVAILABLE'],
];

function codeForName(name: string | undefined): BackendErrorCode | undefined {
  if (!name) return undefined;
  return BY_NAME.find(([suffix]) => name === suffix || name.endsWith(`.${suffix}`))?.[1];
}

function shortMessage(data: OdooExceptionData | undefined, fallback: string): string {
  const text = typeof data?.message === 'string' && data.message.length > 0 ? data.message : fallback;
  // Odoo appends "(Records: [...], User: n)" and tracebacks; the first line is what users need.
  return text.split('\n')[0]!.slice(0, 500);
}

/** Maps a JSON-RPC `error` member (HTTP 200). `code` is 200 in 16-18 and 0 later: only `data.name` counts. */
export function fromJsonRpcError(error: unknown): BackendError {
  const e = (error ?? {}) as { code?: unknown; message?: unknown; data?: OdooExceptionData };
  const name = typeof e.data?.name === 'string' ? e.data.name : undefined;
  const sessionExpired = name === SESSION_EXPIRED || e.code === 100;
  const code: BackendErrorCode = sessionExpired ? 'UNAUTHENTICATED' : codeForName(name) ?? 'INTERNAL';
  return new BackendError({
    backend: 'odoo',
    code,
    message: `odoo: ${shortMessage(e.data, typeof e.message === 'string' ? e.message : 'Odoo Server Error')}`,
    backendCode: sessionExpired ? SESSION_EXPIRED : name,
    retryable: code === 'UNAVAILABLE',
  });
}

/** Maps a non-2xx HTTP answer (either protocol). `body` is the parsed JSON body or the raw text. */
export function fromHttpError(status: number, body: unknown, retryAfter: string | null): BackendError {
  const data: OdooExceptionData | undefined =
    body && typeof body === 'object' && !Array.isArray(body)
      ? ((body as { error?: { data?: OdooExceptionData } }).error?.data ?? (body as OdooExceptionData))
      : typeof body === 'string' && body.length > 0 && body.length < 300
        ? { message: body }
        : undefined;
  const name = typeof data?.name === 'string' ? data.name : undefined;
  const retryAfterSeconds = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter.trim()) : undefined;
  let code: BackendErrorCode;
  if (status === 429) code = 'RATE_LIMITED';
  else if (status >= 500) code = codeForName(name) === 'REJECTED' ? 'REJECTED' : 'UNAVAILABLE';
  else if (status === 401) code = 'UNAUTHENTICATED';
  else if (status === 403) code = codeForName(name) ?? 'FORBIDDEN';
  else if (status === 404) code = 'NOT_FOUND';
  else if (status === 400 || status === 422) code = codeForName(name) ?? 'REJECTED';
  else code = codeForName(name) ?? 'INTERNAL';
  const fallback = status === 429 ? 'rate limited' : status >= 500 ? `server error (HTTP ${status})` : `HTTP ${status}`;
  return new BackendError({
    backend: 'odoo',
    code,
    status,
    message: `odoo: ${shortMessage(data, fallback)}`,
    backendCode: name,
    retryAfterSeconds,
  });
}

/** Whether an error means "authenticate again and repeat once". */
export function isSessionExpired(err: BackendError): boolean {
  return err.backendCode === SESSION_EXPIRED;
}
