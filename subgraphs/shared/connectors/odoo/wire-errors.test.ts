import { describe, expect, it } from 'vitest';
import { fromHttpError, fromJsonRpcError, isSessionExpired } from './wire-errors.js';

const rpcError = (name: string, message = 'x') => ({ code: 200, message: 'Odoo Server Error', data: { name, message, arguments: [message], debug: 'Traceback ...' } });

describe('fromJsonRpcError', () => {
  it.each([
    ['odoo.exceptions.AccessDenied', 'UNAUTHENTICATED'],
    ['odoo.exceptions.AccessError', 'FORBIDDEN'],
    ['odoo.exceptions.MissingError', 'NOT_FOUND'],
    ['odoo.exceptions.UserError', 'REJECTED'],
    ['odoo.exceptions.ValidationError', 'REJECTED'],
    ['psycopg2.errors.SerializationFailure', 'UNAVAILABLE'],
    ['builtins.ValueError', 'INTERNAL'],
  ])('%s -> %s', (name, code) => {
    const err = fromJsonRpcError(rpcError(name));
    expect(err.code).toBe(code);
    expect(err.backend).toBe('odoo');
    expect(err.backendCode).toBe(name);
  });

  it('keeps only the first line of the message and no traceback', () => {
    const err = fromJsonRpcError(rpcError('odoo.exceptions.MissingError', 'Record does not exist or has been deleted.\n(Records: [9], User: 2)'));
    expect(err.message).toBe('odoo: Record does not exist or has been deleted.');
  });

  it('recognises an expired session by name or by code 100', () => {
    expect(isSessionExpired(fromJsonRpcError(rpcError('odoo.http.SessionExpiredException')))).toBe(true);
    expect(isSessionExpired(fromJsonRpcError({ code: 100, message: 'Odoo Session Expired', data: {} }))).toBe(true);
    expect(isSessionExpired(fromJsonRpcError(rpcError('odoo.exceptions.AccessDenied')))).toBe(false);
  });
});

describe('fromHttpError', () => {
  it.each([
    [401, '"Invalid apikey"', 'UNAUTHENTICATED'],
    [403, { name: 'odoo.exceptions.AccessError', message: 'no' }, 'FORBIDDEN'],
    [403, { name: 'odoo.exceptions.AccessDenied', message: 'no' }, 'UNAUTHENTICATED'],
    [404, { name: 'odoo.exceptions.MissingError', message: 'gone' }, 'NOT_FOUND'],
    [422, { name: 'odoo.exceptions.ValidationError', message: 'bad' }, 'REJECTED'],
    [429, 'slow down', 'RATE_LIMITED'],
    [500, { name: 'builtins.Exception', message: 'boom' }, 'UNAVAILABLE'],
    [503, 'Service Unavailable', 'UNAVAILABLE'],
  ])('%i -> %s', (status, body, code) => {
    expect(fromHttpError(status, body, null).code).toBe(code);
  });

  it('reads Retry-After seconds', () => {
    const err = fromHttpError(429, 'slow down', '3');
    expect(err.retryAfterSeconds).toBe(3);
    expect(err.retryable).toBe(true);
  });

  it('reads the JSON-RPC error envelope of an HTTP error', () => {
    expect(fromHttpError(500, { jsonrpc: '2.0', error: rpcError('odoo.exceptions.UserError') }, null).code).toBe('REJECTED');
  });
});
