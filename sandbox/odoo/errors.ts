/**
 * Odoo's exception classes as the wire sees them: the dotted Python name, the message, the
 * XML-RPC fault code and the JSON-2 status each one maps to.
 */

/** Families of Odoo errors; each maps to one XML-RPC fault code and one JSON-2 status. */
export type OdooErrorKind =
  | 'user'
  | 'validation'
  | 'missing'
  | 'access-denied'
  | 'access-error'
  | 'value'
  | 'type'
  | 'attribute'
  | 'internal'
  | 'session-expired'
  | 'not-found'
  | 'unprocessable'
  | 'unauthorized';

/** An error raised by the emulated server, carrying Odoo's exception name (`odoo.exceptions.UserError`). */
export class OdooError extends Error {
  constructor(
    readonly kind: OdooErrorKind,
    /** Fully qualified Python class name, e.g. `odoo.exceptions.MissingError`. */
    readonly exceptionName: string,
    message: string,
  ) {
    super(message);
    this.name = 'OdooError';
  }
}

/** `odoo.exceptions.UserError`. */
export const userError = (message: string) => new OdooError('user', 'odoo.exceptions.UserError', message);
/** `odoo.exceptions.ValidationError`. */
export const validationError = (message: string) => new OdooError('validation', 'odoo.exceptions.ValidationError', message);
/** `odoo.exceptions.MissingError` for records that do not exist. */
export const missingError = (ids: readonly unknown[], uid = 2) =>
  new OdooError(
    'missing',
    'odoo.exceptions.MissingError',
    `Record does not exist or has been deleted.\n(Records: [${ids.slice(0, 6).join(', ')}], User: ${uid})`,
  );
/** `odoo.exceptions.AccessDenied` (bad login or password). */
export const accessDenied = () => new OdooError('access-denied', 'odoo.exceptions.AccessDenied', 'Access Denied');
/** `odoo.exceptions.AccessError`. */
export const accessError = (message: string) => new OdooError('access-error', 'odoo.exceptions.AccessError', message);
/** `builtins.ValueError` (malformed domains, unknown fields). */
export const valueError = (message: string) => new OdooError('value', 'builtins.ValueError', message);
/** `builtins.TypeError` (bad arguments). */
export const typeError = (message: string) => new OdooError('type', 'builtins.TypeError', message);
/** `builtins.AttributeError` (unknown method). */
export const attributeError = (message: string) => new OdooError('attribute', 'builtins.AttributeError', message);

/** XML-RPC faultCode for an error, as `odoo/addons/base/controllers/rpc.py` assigns them on `/xmlrpc/2`. */
export function faultCodeOf(err: OdooError): number {
  switch (err.kind) {
    case 'user':
    case 'validation':
    case 'missing':
      return 2;
    case 'access-denied':
      return 3;
    case 'access-error':
      return 4;
    default:
      return 1;
  }
}

/** HTTP status of an error on the JSON-2 API (Odoo 19). */
export function json2StatusOf(err: OdooError): number {
  switch (err.kind) {
    case 'user':
    case 'validation':
    case 'unprocessable':
      return 422;
    case 'access-denied':
    case 'access-error':
    case 'session-expired':
      return 403;
    case 'missing':
    case 'not-found':
      return 404;
    case 'unauthorized':
      return 401;
    default:
      return 500;
  }
}

/** A Python-looking traceback for the `debug` member and for faultCode 1 fault strings. */
export function tracebackOf(err: OdooError): string {
  const last = err.exceptionName.startsWith('builtins.') ? err.exceptionName.slice('builtins.'.length) : err.exceptionName;
  return [
    'Traceback (most recent call last):',
    '  File "/opt/odoo/odoo/http.py", line 1783, in _serve_db',
    '    return service_model.retrying(self._serve_ir_http, self.env)',
    '  File "/opt/odoo/odoo/service/model.py", line 133, in retrying',
    '    result = func()',
    '  File "/opt/odoo/odoo/api.py", line 468, in call_kw',
    '    result = _call_kw_multi(method, model, args, kwargs)',
    `${last}: ${err.message}`,
    '',
  ].join('\n');
}

/** The `{name, message, arguments, context, debug}` object Odoo serializes exceptions to. */
export function serializeException(err: OdooError): { name: string; message: string; arguments: unknown[]; context: Record<string, unknown>; debug: string } {
  return { name: err.exceptionName, message: err.message, arguments: [err.message], context: {}, debug: tracebackOf(err) };
}

/** Wraps anything thrown into an OdooError (unknown exceptions become a Python `Exception`). */
export function toOdooError(err: unknown): OdooError {
  if (err instanceof OdooError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new OdooError('internal', 'builtins.Exception', message);
}

/** Python `repr` of a JSON value, for messages that quote a domain leaf or a value. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return value.length === 3 && typeof value[1] === 'string' ? `(${value.map(pyRepr).join(', ')})` : `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `'${k}': ${pyRepr(v)}`).join(', ')}}`;
  return String(value);
}
