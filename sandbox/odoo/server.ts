import { randomBytes } from 'node:crypto';
import type { ChangeLog } from '../common/changes.js';
import { createSandboxServer, type Faults, type RunningSandbox, type SandboxBackend, type SandboxRequest, type SandboxResponse, type SandboxStats } from '../common/server.js';
import { irModelRecords } from './automation.js';
import { ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD, ODOO_SERVER_VERSION, ODOO_UID, VERSION_INFO } from './constants.js';
import { accessDenied, accessError, faultCodeOf, OdooError, pyRepr, serializeException, toOdooError, tracebackOf, typeError } from './errors.js';
import { createOdooFeeds, type OdooFeedOptions } from './feeds.js';
import { json2Route } from './json2.js';
import { OdooOrm } from './orm.js';
import { webSessionInfo } from './session-info.js';
import type { OdooWebhookFeed } from './webhooks.js';
import { buildOdooWorld, type OdooWorld } from './world.js';
import { faultResponse, methodResponse, parseMethodCall } from './xmlrpc.js';

/**
 * The Odoo sandbox server: JSON-RPC (`/jsonrpc`, `/web/session/*`, `/web/dataset/call_kw`),
 * XML-RPC (`/xmlrpc/2/common`, `/xmlrpc/2/object`) and Odoo 19's JSON-2 (`/json/2/<model>/<method>`)
 * over one in-memory database, with the shared admin API, faults and call counters.
 */

export { ODOO_API_KEY, ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD, ODOO_SERVER_VERSION, ODOO_UID } from './constants.js';

/** Options of createOdooSandbox. */
export interface OdooSandboxOptions extends OdooFeedOptions {
  /** Seed of the world (default 42). */
  seed?: number;
  /** Number of customers (default 200). */
  customers?: number;
  /** Lifetime of a web session (`session_id` cookie), in seconds (default 7 days). */
  tokenTtl?: number;
}

/** What createOdooSandbox returns. */
export interface OdooSandbox {
  backend: SandboxBackend;
  listen(port?: number, host?: string): Promise<RunningSandbox>;
  /** The current database (rebuilt by reset). */
  readonly world: OdooWorld;
  /** The ORM serving the current database, for in-process assertions. */
  readonly orm: OdooOrm;
  /** The change history (also `GET /__sandbox/changes`). */
  readonly changes: ChangeLog;
  /** The automation-rule webhook feed (its `idle()` resolves once every queued webhook is sent). */
  readonly webhooks: OdooWebhookFeed;
  stats(): SandboxStats;
  setFaults(faults: Faults): void;
  reset(): void;
}

interface Session {
  uid: number;
  db: string;
  expiresAt: number;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const AUTOMATION_RECORDS = ['base.automation', 'ir.actions.server'];
const XML_HEADERS = { 'Content-Type': 'text/xml; charset=utf-8' };

/** A complete response a JSON route returns instead of a result (e.g. to set a cookie). */
class RawResponse {
  constructor(readonly response: SandboxResponse) {}
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const recordsIn = (result: unknown) => (Array.isArray(result) ? result.length : 0);

/** psycopg2's error for a database that does not exist (what Odoo raises from the registry). */
function unknownDatabase(db: unknown): OdooError {
  return new OdooError(
    'internal',
    'psycopg2.OperationalError',
    `connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database "${String(db)}" does not exist\n`,
  );
}

function htmlError(status: number, title: string, detail: string): SandboxResponse {
  return {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
    body: `<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n<p>${detail}</p>\n`,
  };
}

/** Creates the Odoo sandbox (not listening yet). */
export function createOdooSandbox(options: OdooSandboxOptions = {}): OdooSandbox {
  // Automation rules are configuration: a reset restores the data and keeps them.
  const build = (kept?: OdooOrm) => {
    const built = buildOdooWorld({ seed: options.seed, customers: options.customers });
    for (const [model, rows] of irModelRecords()) built.records.set(model, rows);
    for (const model of AUTOMATION_RECORDS) if (kept) built.records.set(model, [...kept.table(model).rows.values()].map((r) => structuredClone(r)));
    return built;
  };
  let world = build();
  let orm = new OdooOrm(world);
  const feeds = createOdooFeeds(() => orm, options);
  feeds.install(orm);
  feeds.attach(orm);
  const sessionTtl = options.tokenTtl ?? 7 * 24 * 3600;
  const sessions = new Map<string, Session>();

  const checkDb = (db: unknown) => {
    if (db !== ODOO_DB) throw unknownDatabase(db);
  };
  const credentialsOk = (login: unknown, password: unknown) => login === ODOO_LOGIN && password === ODOO_PASSWORD;

  const sessionInfo = () => webSessionInfo(world.skeleton.seed);

  const sessionOf = (req: SandboxRequest): Session | undefined => {
    const cookie = String(req.headers.cookie ?? '');
    const m = /(?:^|;\s*)session_id=([^;]+)/.exec(cookie);
    const header = req.headers['x-openerp-session-id'];
    const sid = m?.[1] ?? (typeof header === 'string' ? header : undefined);
    if (!sid) return undefined;
    const s = sessions.get(sid);
    if (!s) return undefined;
    if (s.expiresAt < Date.now()) {
      sessions.delete(sid);
      return undefined;
    }
    return s;
  };

  const sessionExpired = () => new OdooError('session-expired', 'odoo.http.SessionExpiredException', 'Session expired');

  /** Runs one ORM call, counting it whatever the outcome. */
  const runObject = (req: SandboxRequest, model: unknown, method: unknown, run: () => unknown): unknown => {
    const op = `${String(model)}.${String(method)}`;
    try {
      const result = feeds.changes.run('api', run);
      req.count(op, recordsIn(result));
      return result;
    } catch (err) {
      req.count(op, 0);
      throw err;
    }
  };

  /** odoo.http.dispatch_rpc: the `common`, `db` and `object` services. */
  const dispatchRpc = (req: SandboxRequest, service: unknown, method: unknown, params: unknown): unknown => {
    const args = Array.isArray(params) ? params : params === undefined || params === null ? [] : null;
    if (!args) throw typeError(`params must be a list, got ${pyRepr(params)}`);
    if (service === 'common') {
      req.count(`common.${String(method)}`, 0);
      switch (method) {
        case 'version':
          return VERSION_INFO;
        case 'about':
          return 'See http://openerp.com';
        case 'login':
        case 'authenticate': {
          if (args.length < (method === 'login' ? 3 : 4)) throw typeError(`exp_${method}() missing required positional arguments`);
          checkDb(args[0]);
          return credentialsOk(args[1], args[2]) ? ODOO_UID : false;
        }
        default:
          throw new OdooError('internal', 'builtins.Exception', `Method not found: ${String(method)}`);
      }
    }
    if (service === 'db') {
      req.count(`db.${String(method)}`, 0);
      if (method === 'list') return [ODOO_DB];
      if (method === 'server_version') return ODOO_SERVER_VERSION;
      throw accessDenied();
    }
    if (service !== 'object') throw new OdooError('internal', 'builtins.KeyError', pyRepr(service));
    if (method !== 'execute_kw' && method !== 'execute') {
      req.count(`object.${String(method)}`, 0);
      throw new OdooError('internal', 'builtins.NameError', `Method not available ${String(method)}`);
    }
    if (args.length < 5) {
      req.count(`object.${method}`, 0);
      throw typeError(`${method}() missing required positional arguments (db, uid, password, model, method)`);
    }
    const [db, uid, password, model, name] = args;
    return runObject(req, model, name, () => {
      checkDb(db);
      if (Number(uid) !== ODOO_UID || password !== ODOO_PASSWORD) throw accessDenied();
      if (typeof model !== 'string' || typeof name !== 'string') throw typeError('model and method must be strings');
      if (method === 'execute') return orm.callKw(model, name, args.slice(5), {});
      return orm.callKw(model, name, args[5] ?? [], args[6] ?? {});
    });
  };

  // ------------------------------------------------------------ JSON-RPC

  type JsonRpcEnvelope = { id: unknown; params: Record<string, unknown> };

  const readJsonRpc = (req: SandboxRequest): JsonRpcEnvelope | SandboxResponse => {
    const type = String(req.headers['content-type'] ?? '').toLowerCase();
    if (!type.includes('application/json') && !type.includes('application/json-rpc')) {
      return htmlError(400, 'Bad Request', `Request inferred type is compatible with [&#x27;http&#x27;] but ${req.path} is type=json.`);
    }
    let body: unknown;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      return { status: 400, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: 'Invalid JSON data' };
    }
    if (!isObject(body)) return { status: 400, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: 'Invalid JSON-RPC data' };
    const params = body.params === undefined || body.params === null ? {} : body.params;
    if (!isObject(params)) return { status: 400, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: 'Invalid JSON-RPC data' };
    return { id: body.id ?? null, params };
  };

  const jsonRpcResult = (id: unknown, result: unknown, headers: Record<string, string> = {}): SandboxResponse => ({
    status: 200,
    headers: { ...JSON_HEADERS, ...headers },
    body: { jsonrpc: '2.0', id, result: result === undefined ? null : result },
  });

  const jsonRpcError = (id: unknown, err: unknown, status = 200): SandboxResponse => {
    const e = toOdooError(err);
    const error =
      e.kind === 'session-expired'
        ? { code: 100, message: 'Odoo Session Expired', data: serializeException(e) }
        : { code: 200, message: 'Odoo Server Error', data: serializeException(e) };
    return { status, headers: JSON_HEADERS, body: { jsonrpc: '2.0', id, error } };
  };

  const jsonRoute = (req: SandboxRequest, handler: (env: JsonRpcEnvelope) => SandboxResponse | unknown): SandboxResponse => {
    const env = readJsonRpc(req);
    if ('status' in env) return env;
    try {
      const out = handler(env);
      return out instanceof RawResponse ? out.response : jsonRpcResult(env.id, out);
    } catch (err) {
      return jsonRpcError(env.id, err);
    }
  };

  const handleJsonRpc = (req: SandboxRequest): SandboxResponse =>
    jsonRoute(req, ({ params }) => dispatchRpc(req, params.service, params.method, params.args));

  const handleAuthenticate = (req: SandboxRequest): SandboxResponse =>
    jsonRoute(req, ({ id, params }) => {
      req.count('session.authenticate', 0);
      for (const key of ['db', 'login', 'password']) {
        if (!(key in params)) throw typeError(`authenticate() missing 1 required positional argument: '${key}'`);
      }
      if (params.db !== ODOO_DB) throw accessError('Database not found.');
      if (!credentialsOk(params.login, params.password)) throw accessDenied();
      const sid = randomBytes(30).toString('base64url');
      sessions.set(sid, { uid: ODOO_UID, db: ODOO_DB, expiresAt: Date.now() + sessionTtl * 1000 });
      const expires = new Date(Date.now() + sessionTtl * 1000).toUTCString();
      return new RawResponse(jsonRpcResult(id, sessionInfo(), { 'Set-Cookie': `session_id=${sid}; Expires=${expires}; Max-Age=${sessionTtl}; HttpOnly; Path=/` }));
    });

  const handleCallKw = (req: SandboxRequest): SandboxResponse =>
    jsonRoute(req, ({ params }) => {
      const session = sessionOf(req);
      if (!session) throw sessionExpired();
      if (typeof params.model !== 'string' || typeof params.method !== 'string') throw typeError("call_kw() missing required arguments: 'model' and 'method'");
      const { model, method } = params;
      return runObject(req, model, method, () => orm.callKw(model, method, params.args ?? [], params.kwargs ?? {}));
    });

  // ------------------------------------------------------------ XML-RPC

  const handleXmlRpc = (req: SandboxRequest, service: string): SandboxResponse => {
    try {
      let call: { method: string; params: unknown[] };
      try {
        call = parseMethodCall(req.body.toString('utf8'));
      } catch (err) {
        throw new OdooError('internal', 'xml.parsers.expat.ExpatError', (err as Error).message);
      }
      const result = dispatchRpc(req, service, call.method, call.params);
      return { status: 200, headers: XML_HEADERS, body: methodResponse(result) };
    } catch (err) {
      const e = toOdooError(err);
      const code = faultCodeOf(e);
      return { status: 200, headers: XML_HEADERS, body: faultResponse(code, code === 1 ? tracebackOf(e) : e.message) };
    }
  };

  const handleJson2 = json2Route({ orm: () => orm, runObject });

  // ------------------------------------------------------------ routing

  const handle = (req: SandboxRequest): SandboxResponse => {
    const { path } = req;
    if (req.method === 'GET' && path === '/web/health') return { status: 200, headers: JSON_HEADERS, body: { status: 'pass' } };
    const json2 = /^\/json\/2\/([^/]+)\/([^/]+)\/?$/.exec(path);
    const known = json2 || path === '/jsonrpc' || path.startsWith('/web/') || path.startsWith('/xmlrpc/2/');
    if (!known) return htmlError(404, 'Not Found', 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.');
    if (req.method !== 'POST') return { ...htmlError(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.'), headers: { 'Content-Type': 'text/html; charset=utf-8', Allow: 'POST' } };
    if (json2) return handleJson2(req, decodeURIComponent(json2[1]!), decodeURIComponent(json2[2]!));
    if (path === '/jsonrpc') return handleJsonRpc(req);
    if (path === '/web/webclient/version_info') {
      return jsonRoute(req, () => {
        req.count('version_info', 0);
        return VERSION_INFO;
      });
    }
    if (path === '/web/session/authenticate') return handleAuthenticate(req);
    if (path === '/web/session/get_session_info') {
      return jsonRoute(req, () => {
        req.count('session.get_session_info', 0);
        if (!sessionOf(req)) throw sessionExpired();
        return sessionInfo();
      });
    }
    if (path === '/web/session/destroy') {
      return jsonRoute(req, () => {
        req.count('session.destroy', 0);
        const m = /(?:^|;\s*)session_id=([^;]+)/.exec(String(req.headers.cookie ?? ''));
        if (m?.[1]) sessions.delete(m[1]);
        return null;
      });
    }
    if (path === '/web/dataset/call_kw' || path.startsWith('/web/dataset/call_kw/')) return handleCallKw(req);
    const xml = /^\/xmlrpc\/2\/([^/]+)$/.exec(path);
    if (xml) return handleXmlRpc(req, xml[1]!);
    return htmlError(404, 'Not Found', 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.');
  };

  const backend: SandboxBackend = {
    name: 'odoo',
    handle,
    reset() {
      world = build(orm);
      orm = new OdooOrm(world);
      feeds.attach(orm);
      feeds.webhooks.resetCounts();
    },
    ...feeds.backend,
    serverError(req, err) {
      const e = err === undefined ? new OdooError('internal', 'builtins.Exception', 'Internal Server Error') : toOdooError(err);
      if (req.path.startsWith('/xmlrpc/')) return { status: 500, headers: XML_HEADERS, body: faultResponse(1, tracebackOf(e)) };
      if (req.path.startsWith('/json/2/')) return { status: 500, headers: JSON_HEADERS, body: serializeException(e) };
      let id: unknown = null;
      try {
        const parsed: unknown = JSON.parse(req.body.toString('utf8'));
        if (isObject(parsed)) id = parsed.id ?? null;
      } catch {
        // the id is only echoed back when the body can be read
      }
      return jsonRpcError(id, e, 500);
    },
    rateLimited(_req, retryAfterSeconds) {
      return {
        status: 429,
        headers: { 'Content-Type': 'text/html', 'Retry-After': String(retryAfterSeconds) },
        body: '<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
      };
    },
  };

  const server = createSandboxServer(backend);
  return {
    backend,
    listen: (port, host) => server.listen(port, host),
    get world() {
      return world;
    },
    get orm() {
      return orm;
    },
    changes: feeds.changes,
    webhooks: feeds.webhooks,
    stats: server.stats,
    setFaults: server.setFaults,
    reset: server.reset,
  };
}
