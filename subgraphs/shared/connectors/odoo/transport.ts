import { BackendError } from '../../../../platform/errors/backend-error.js';
import { isOk, type HttpAnswer, type HttpClient } from '../../../../platform/http/client.js';
import { measureBackendCall } from '../../metrics/backend-metrics.js';
import { networkError } from '../resilience.js';
import { fromHttpError, fromJsonRpcError, isSessionExpired } from './wire-errors.js';

/**
 * The two wire protocols behind one `execute(model, method, args, kwargs)`: JSON-RPC
 * (`/jsonrpc`, Odoo 16-18, authenticate once then `object.execute_kw`) and JSON-2
 * (`/json/2/<model>/<method>`, Odoo 19, bearer API key, named arguments only).
 */

/** One Odoo method call on the wire. */
export interface OdooTransport {
  execute<T>(model: string, method: string, args: readonly unknown[], kwargs: Record<string, unknown>, signal?: AbortSignal): Promise<T>;
}

/** Settings shared by both transports. */
export interface TransportOptions {
  url: string;
  db: string;
  login: string;
  apiKey: string;
  http: HttpClient;
}

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

function readBody(res: HttpAnswer): unknown {
  const text = res.body;
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Runs one HTTP exchange and counts it in `c360_backend_calls_total{system="odoo",model,method}`,
 * failed or not (login calls count as model `common`, method `authenticate`).
 */
const measured = <T>(model: string, method: string, exchange: () => Promise<T>): Promise<T> => measureBackendCall('odoo', model, method, exchange);

async function post(options: TransportOptions, path: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal): Promise<HttpAnswer> {
  try {
    return await options.http(`${options.url}${path}`, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body), signal });
  } catch (err) {
    throw networkError('odoo', err);
  }
}

/** JSON-RPC over `/jsonrpc`: uid cached after one `common.authenticate`, shared by concurrent first calls. */
export function createJsonRpcTransport(options: TransportOptions): OdooTransport {
  let nextId = 1;
  let uidPromise: Promise<number> | undefined;

  const rpc = <T>(service: string, method: string, args: unknown[], signal?: AbortSignal): Promise<T> =>
    // execute_kw is labelled with the model and method it runs; other services with their own names.
    service === 'object' && method === 'execute_kw'
      ? measured(String(args[3]), String(args[4]), () => exchange<T>(service, method, args, signal))
      : measured(service, method, () => exchange<T>(service, method, args, signal));

  const exchange = async <T>(service: string, method: string, args: unknown[], signal?: AbortSignal): Promise<T> => {
    const res = await post(options, '/jsonrpc', { jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: nextId++ }, {}, signal);
    const body = readBody(res);
    if (!isOk(res)) throw fromHttpError(res.status, body, res.headers.get('retry-after'));
    if (!body || typeof body !== 'object') {
      throw new BackendError({ backend: 'odoo', code: 'INTERNAL', status: res.status, message: 'odoo: JSON-RPC answer is not a JSON object', retryable: false });
    }
    const envelope = body as { result?: T; error?: unknown };
    if (envelope.error !== undefined) throw fromJsonRpcError(envelope.error);
    return envelope.result as T;
  };

  const authenticate = (): Promise<number> => {
    uidPromise ??= rpc<number | false>('common', 'authenticate', [options.db, options.login, options.apiKey, {}])
      .then((uid) => {
        if (typeof uid !== 'number' || uid <= 0) {
          throw new BackendError({ backend: 'odoo', code: 'UNAUTHENTICATED', message: `odoo: login "${options.login}" refused on database "${options.db}"`, backendCode: 'odoo.exceptions.AccessDenied' });
        }
        return uid;
      })
      .catch((err: unknown) => {
        // A failed login is not cached: the next call tries again.
        uidPromise = undefined;
        throw err;
      });
    return uidPromise;
  };

  return {
    async execute<T>(model: string, method: string, args: readonly unknown[], kwargs: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
      const once = async () => {
        const uid = await authenticate();
        return rpc<T>('object', 'execute_kw', [options.db, uid, options.apiKey, model, method, args, kwargs], signal);
      };
      try {
        return await once();
      } catch (err) {
        // The call did not run when the session expired, so repeating it once is safe even for writes.
        if (err instanceof BackendError && isSessionExpired(err)) {
          uidPromise = undefined;
          return once();
        }
        throw err;
      }
    },
  };
}

/**
 * Positional argument names per method, for JSON-2 which takes named arguments only. Record
 * methods (`action_confirm`, `write`) take the record ids as `ids`.
 */
const POSITIONAL: Record<string, readonly string[]> = {
  search_read: ['domain', 'fields', 'offset', 'limit', 'order'],
  search: ['domain', 'offset', 'limit', 'order'],
  search_count: ['domain', 'limit'],
  read: ['ids', 'fields'],
  create: ['vals_list'],
  write: ['ids', 'vals'],
  unlink: ['ids'],
  name_search: ['name', 'domain', 'operator', 'limit'],
  fields_get: ['allfields', 'attributes'],
  read_group: ['domain', 'fields', 'groupby', 'offset', 'limit', 'orderby', 'lazy'],
};

/** Turns execute_kw-style positional args into JSON-2 named arguments. */
export function toNamedArguments(method: string, args: readonly unknown[], kwargs: Record<string, unknown>): Record<string, unknown> {
  const names = POSITIONAL[method] ?? ['ids'];
  if (args.length > names.length) throw new TypeError(`odoo: ${method} takes at most ${names.length} positional arguments over JSON-2`);
  const named: Record<string, unknown> = {};
  args.forEach((value, i) => {
    named[names[i]!] = value;
  });
  if (method === 'create' && named.vals_list !== undefined && !Array.isArray(named.vals_list)) named.vals_list = [named.vals_list];
  return { ...named, ...kwargs };
}

/** JSON-2 over `/json/2/<model>/<method>` with the API key as bearer token. */
export function createJson2Transport(options: TransportOptions): OdooTransport {
  const headers = { Authorization: `bearer ${options.apiKey}`, 'X-Odoo-Database': options.db };
  return {
    async execute<T>(model: string, method: string, args: readonly unknown[], kwargs: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
      const path = `/json/2/${encodeURIComponent(model)}/${encodeURIComponent(method)}`;
      const named = toNamedArguments(method, args, kwargs);
      return measured(model, method, async () => {
        const res = await post(options, path, named, headers, signal);
        const body = readBody(res);
        if (!isOk(res)) throw fromHttpError(res.status, body, res.headers.get('retry-after'));
        return body as T;
      });
    },
  };
}
