import type { SandboxRequest, SandboxResponse } from '../common/server.js';
import { ODOO_API_KEY, ODOO_DB } from './constants.js';
import { accessError, json2StatusOf, OdooError, serializeException, toOdooError } from './errors.js';
import { bindArgs, toIds } from './method-args.js';
import type { OdooOrm } from './orm.js';

/**
 * Odoo 19's JSON-2 API: `POST /json/2/<model>/<method>` with `Authorization: bearer <api key>`,
 * named arguments (`ids` and `context` special) and the bare JSON result; errors are the
 * serialized exception with the status of its family.
 */

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function json2Error(err: unknown, headers: Record<string, string> = {}): SandboxResponse {
  const e = toOdooError(err);
  return { status: json2StatusOf(e), headers: { ...JSON_HEADERS, ...headers }, body: serializeException(e) };
}

/** What the route needs from the server: the current ORM and the call runner that counts and records. */
export interface Json2Deps {
  orm(): OdooOrm;
  runObject(req: SandboxRequest, model: unknown, method: unknown, run: () => unknown): unknown;
}

/** The JSON-2 route: `(req, model, method)` to its answer; every call is counted once. */
export function json2Route(deps: Json2Deps): (req: SandboxRequest, model: string, method: string) => SandboxResponse {
  const call = (req: SandboxRequest, model: string, method: string, reachedOrm: () => void): SandboxResponse => {
    const orm = deps.orm();
    const dbHeader = req.headers['x-odoo-database'];
    if (typeof dbHeader === 'string' && dbHeader !== '' && dbHeader !== ODOO_DB) {
      return json2Error(new OdooError('not-found', 'werkzeug.exceptions.NotFound', `Database ${dbHeader} not found.`));
    }
    const auth = String(req.headers.authorization ?? '');
    const token = /^bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    if (token !== ODOO_API_KEY) {
      return json2Error(new OdooError('unauthorized', 'werkzeug.exceptions.Unauthorized', 'Invalid apikey'), { 'WWW-Authenticate': 'Bearer' });
    }
    let body: unknown = {};
    const text = req.body.toString('utf8').trim();
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        return json2Error(new OdooError('unprocessable', 'werkzeug.exceptions.BadRequest', 'Invalid JSON data'));
      }
    }
    try {
      if (!isObject(body)) throw new OdooError('unprocessable', 'werkzeug.exceptions.UnprocessableEntity', 'The request body must be a JSON object of named arguments.');
      if (/^(_.*|init)$/.test(method)) throw accessError(`Private methods (such as ${method}) cannot be called remotely.`);
      if (!orm.hasModel(model)) throw new OdooError('not-found', 'werkzeug.exceptions.NotFound', `the model '${model}' does not exist`);
      let spec;
      try {
        spec = orm.method(model, method);
      } catch {
        throw new OdooError('not-found', 'werkzeug.exceptions.NotFound', `the method '${method}' does not exist on the model '${model}'`);
      }
      const { ids: rawIds, context, ...named } = body;
      let bound: Record<string, unknown>;
      let ids: number[];
      try {
        ids = toIds(rawIds ?? []);
        bound = bindArgs(method, spec, [], named);
      } catch (err) {
        throw new OdooError('unprocessable', 'werkzeug.exceptions.UnprocessableEntity', (err as Error).message);
      }
      reachedOrm();
      const result = deps.runObject(req, model, method, () =>
        orm.callKw(model, method, spec.multi ? [ids] : [], { ...bound, ...(isObject(context) ? { context } : {}) }),
      );
      return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(result === undefined ? null : result) };
    } catch (err) {
      return json2Error(err);
    }
  };
  return (req, model, method) => {
    let counted = false;
    try {
      return call(req, model, method, () => {
        counted = true;
      });
    } finally {
      if (!counted) req.count(`${model}.${method}`, 0);
    }
  };
}
