import type { ChangeLog } from '../common/changes.js';
import { createSandboxServer, type Faults, type RunningSandbox, type SandboxBackend, type SandboxRequest, type SandboxStats } from '../common/server.js';
import { WORLD_NOW } from '../world/skeleton.js';
import type { EventBus } from './cdc-bus.js';
import { createSalesforceFeeds, type SalesforceFeedOptions } from './feeds.js';
import { handleRevoke, handleSoap, handleToken, originOf } from './oauth.js';
import { invalidSession, json, notFound, sfError, type Reply } from './respond.js';
import { CursorStore, routeRest, type RestEnv } from './rest.js';
import { SessionStore } from './sessions.js';
import { buildSalesforceWorld, type SalesforceWorld } from './world.js';

/** Settings of the Salesforce sandbox. */
export interface SalesforceSandboxOptions extends SalesforceFeedOptions {
  /** Seed of the world (default 42). */
  seed?: number;
  /** Number of customer accounts (default 200). */
  customers?: number;
  /** Lifetime of an access token in milliseconds (default two hours). */
  tokenTtlMs?: number;
  /** REST calls allowed before REQUEST_LIMIT_EXCEEDED (default 100,000); reset by POST /__sandbox/reset. */
  dailyLimit?: number;
}

/** A Salesforce sandbox, ready to listen. */
export interface SalesforceSandbox {
  backend: SandboxBackend;
  listen(port?: number, host?: string): Promise<RunningSandbox>;
  /** The current org (rebuilt by a reset). */
  readonly world: SalesforceWorld;
  /** The change history (also `GET /__sandbox/changes`). */
  readonly changes: ChangeLog;
  /** The Change Data Capture event bus (replay ids and retention). */
  readonly cdc: EventBus;
  stats(): SandboxStats;
  setFaults(faults: Faults): void;
  reset(): void;
}

const MIN_VERSION = 20;
const VERSIONS = ['20.0', '30.0', '40.0', '50.0', '55.0', '58.0', '59.0', '60.0', '61.0', '62.0', '63.0', '64.0'];

/** changeOrigin of a REST write: the API and version, and the client named in `Sforce-Call-Options: client=...`. */
function apiOrigin(req: SandboxRequest, version: string): string {
  const options = req.headers['sforce-call-options'];
  const client = /(?:^|,)\s*client=([^,\s]+)/.exec(Array.isArray(options) ? options.join(',') : (options ?? ''))?.[1];
  return `com/salesforce/api/rest/${version}${client ? `;client=${client}` : ''}`;
}

function bearer(req: SandboxRequest): string | undefined {
  const m = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** Creates the Salesforce sandbox: OAuth and SOAP login, the REST API (SOQL, sObjects, collections, SOSL), limits and faults. */
export function createSalesforceSandbox(options: SalesforceSandboxOptions = {}): SalesforceSandbox {
  const tokenTtlMs = options.tokenTtlMs ?? 2 * 60 * 60 * 1000;
  const dailyLimit = options.dailyLimit ?? 100_000;
  if (!Number.isFinite(tokenTtlMs) || tokenTtlMs <= 0) throw new TypeError(`tokenTtlMs must be a positive number, got ${tokenTtlMs}`);
  if (!Number.isInteger(dailyLimit) || dailyLimit < 0) throw new TypeError(`dailyLimit must be a non-negative integer, got ${dailyLimit}`);
  const worldOptions = { seed: options.seed, customers: options.customers };
  let world = buildSalesforceWorld(worldOptions);
  const sessions = new SessionStore(world.orgId, tokenTtlMs);
  const cursors = new CursorStore();
  const limits = { used: 0, max: dailyLimit };
  const startedAt = Date.now();
  // The sandbox clock runs from WORLD_NOW, so seeded dates never depend on the wall clock.
  const now = () => new Date(WORLD_NOW.getTime() + (Date.now() - startedAt));
  const feeds = createSalesforceFeeds(() => world, now, (token) => sessions.check(token) !== undefined, options);
  feeds.attach(world);

  const withLimitHeader = (reply: Reply): Reply => ({
    ...reply,
    headers: { ...(reply.headers ?? {}), 'Sforce-Limit-Info': `api-usage=${limits.used}/${limits.max}` },
  });

  const dispatch = (req: SandboxRequest): { operation: string; reply: Reply } => {
    const path = req.path.replace(/\/+$/, '') || '/';
    if (path === '/services/oauth2/token') return { operation: 'oauth.token', reply: handleToken(req, world, sessions) };
    if (path === '/services/oauth2/revoke') return { operation: 'oauth.revoke', reply: handleRevoke(req, sessions) };
    const soap = /^\/services\/Soap\/u\/(\d+\.\d)(?:\/.*)?$/.exec(path);
    if (soap && req.method === 'POST') return handleSoap(req, world, sessions, soap[1]!);
    if (path === '/services/data' && req.method === 'GET') {
      return {
        operation: 'rest.versions',
        reply: json(200, VERSIONS.map((v) => ({ label: `API ${v}`, url: `/services/data/v${v}`, version: v }))),
      };
    }
    const identity = /^\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})$/.exec(path);
    if (identity && req.method === 'GET') {
      const session = sessions.check(bearer(req) ?? req.query.get('oauth_token') ?? undefined);
      if (!session) return { operation: 'identity', reply: invalidSession() };
      const user = world.stores.get('User')!.get(session.userId)!;
      const origin = originOf(req);
      return {
        operation: 'identity',
        reply: json(200, {
          id: `${origin}/id/${world.orgId}/${session.userId}`,
          user_id: session.userId,
          organization_id: world.orgId,
          username: user.Username,
          display_name: user.Name,
          email: user.Email,
          active: true,
          urls: { rest: `${origin}/services/data/v{version}/`, sobjects: `${origin}/services/data/v{version}/sobjects/`, query: `${origin}/services/data/v{version}/query/` },
        }),
      };
    }
    const rest = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/.exec(path);
    if (!rest) return { operation: 'unknown.request', reply: notFound() };
    const version = `${rest[1]}.${rest[2]}`;
    if (Number(rest[1]) < MIN_VERSION) return { operation: 'unknown.request', reply: notFound() };
    const route = routeRest(req, rest[3] ?? '', cursors);
    if (!route) return { operation: 'unknown.request', reply: notFound() };
    const session = sessions.check(bearer(req));
    if (!session) return { operation: route.operation, reply: invalidSession() };
    if (limits.used >= limits.max) {
      return { operation: route.operation, reply: sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.') };
    }
    limits.used++;
    feeds.changes.annotate({ userId: session.userId, origin: apiOrigin(req, version) });
    const env: RestEnv = { world, now, userId: session.userId, apiBase: `/services/data/v${version}`, cursors, limits };
    return { operation: route.operation, reply: route.run(env) };
  };

  const backend: SandboxBackend = {
    name: 'salesforce',
    isApiCall: (req) => !req.path.startsWith('/cometd'),
    isWrite: feeds.isWrite,
    handle(req) {
      const cometd = /^\/cometd(?:\/replay)?(?:\/([^/]*))?\/?$/.exec(req.path);
      if (cometd) return req.method === 'POST' ? feeds.cometd.handle(req, cometd[1] ?? '') : notFound();
      const { operation, reply } = feeds.changes.run('api', () => dispatch(req));
      req.count(operation, reply.records ?? 0);
      const { records: _records, ...response } = withLimitHeader(reply);
      return response;
    },
    reset() {
      world = buildSalesforceWorld(worldOptions);
      feeds.attach(world);
      feeds.cometd.resetCounts();
      cursors.clear();
      limits.used = 0;
    },
    ...feeds.backend,
    serverError() {
      return withLimitHeader(
        sfError(500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)'),
      );
    },
    rateLimited() {
      return withLimitHeader(sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'));
    },
  };
  const server = createSandboxServer(backend);
  return {
    backend,
    listen: (port, host) => server.listen(port, host),
    get world() {
      return world;
    },
    changes: feeds.changes,
    cdc: feeds.bus,
    stats: server.stats,
    setFaults: server.setFaults,
    reset: server.reset,
  };
}
