/**
 * Settings of the whole system, read from the environment and validated at start. A mistake
 * fails start-up with a ConfigError naming the setting.
 */
import { ROLE_SCOPES, type Role } from '../platform/authz/roles.js';
import { readFileSync } from 'node:fs';
import { cacheLifetimesOf, lifetimeSettingName, withOverrides, type CacheLifetimes, type Lifetime, type LifetimeOverrides } from '../platform/cache-lifetimes/index.js';
import { DEFAULT_BUDGET } from '../subgraphs/shared/cache/cache-options.js';
import { DEFAULT_SHARE_WEIGHTS, parseShareWeights, type ShareWeights } from '../subgraphs/shared/cache/fair-share.js';
import { levelFromEnv, LOG_LEVELS } from '../platform/logging/index.js';
import { tracingSettingsFromEnv } from '../platform/observability/tracing.js';
import { ConfigError } from './config-error.js';
import { feedSettings, type FeedSettings } from './feed-config.js';

export { ConfigError };

export interface OdooSettings {
  url: string;
  db: string;
  login: string;
  apiKey: string;
  protocol: 'jsonrpc' | 'json2';
  partnerRefField: string;
}

export interface SalesforceSettings {
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  username?: string;
  password?: string;
  apiVersion: string;
  /** Whether the org has multi-currency on (Account.CurrencyIsoCode exists). */
  multiCurrency: boolean;
}

export interface ZendeskSettings {
  baseUrl: string;
  email?: string;
  apiToken?: string;
  oauthToken?: string;
  orderFieldId?: number;
}

export interface JwtSettings {
  issuer: string;
  audience: string;
  jwksUrl?: string;
  publicKeyPem?: string;
  clockToleranceSec: number;
  /** How long a verified token is remembered (0: verify every request). */
  verifiedCacheSec: number;
}

/** Everything `npm start` needs. A backend left undefined runs on its sandbox. */
export interface SystemSettings {
  host: string;
  ports: {
    gateway: number;
    accounts: number;
    orders: number;
    stock: number;
    invoices: number;
    cases: number;
    odooSandbox: number;
    salesforceSandbox: number;
    zendeskSandbox: number;
    /** The change service receiving the backends' change feeds (`CHANGES_PORT`). */
    changes: number;
  };
  odoo?: OdooSettings;
  salesforce?: SalesforceSettings;
  zendesk?: ZendeskSettings;
  /** Real JWT settings; undefined means development keys (only allowed when every backend is a sandbox). */
  jwt?: JwtSettings;
  /** HMAC secret the gateway signs the forwarded principal with. */
  principalSecret?: string;
  redisUrl?: string;
  /** Most record-cache loads in flight per backend: the ceiling of the concurrency budget that protects it. */
  backendConcurrency: { odoo: number; salesforce: number; servicedesk: number };
  /** Whether each budget follows its backend's latency below the ceiling (true) or stays at it. */
  adaptiveConcurrency: boolean;
  /** How each budget shares its slots between client classes (`BACKEND_SHARE_WEIGHTS`). */
  backendShareWeights: ShareWeights;
  auditLogPath: string;
  /** Where the progress of multi-step writes is kept without Redis (JSON Lines). */
  writeProgressPath: string;
  /** Longest time a multi-step write stays between steps before the reconciler finishes or undoes it, in ms. */
  writeReconcileBoundMs: number;
  backendTimeoutMs: number;
  /** Overall deadline of one backend read, retries included; below subgraphTimeoutMs. */
  backendDeadlineMs: number;
  subgraphTimeoutMs: number;
  /** Port of a separate admin server for `/metrics` (undefined: `/metrics` stays on the gateway's port). */
  metricsPort?: number;
  /** Minimum level of the log lines. */
  logLevel: string;
  supergraphPath: string;
  /** Seeded world size of the sandboxes. */
  sandboxCustomers: number;
  /** Who may send operation text instead of a trusted document id (`partners`: everyone but partners). */
  trustedDocuments: 'partners' | 'all' | 'off';
  /** Request rates by role that override the defaults (`RATE_LIMIT_<ROLE>=perSecond/burst`). */
  rateLimits: Partial<Record<Role, { perSecond: number; burst: number }>>;
  /** Cost limits by role that override the defaults (`MAX_COST_<ROLE>`, `COST_BUDGET_<ROLE>` per minute). */
  costLimits: Partial<Record<Role, { maxCost?: number; budget?: number }>>;
  /**
   * Overrides of the lifetimes the supergraph declares (seconds, by type or field coordinate), from
   * `CACHE_MAX_AGE_<NAME>`, `CACHE_STALE_WHILE_REVALIDATE_<NAME>` and `CACHE_STALE_IF_ERROR_<NAME>`;
   * applied to the record caches and the gateway's response cache alike (see `lifetimesFor`).
   */
  cacheLifetimes: LifetimeOverrides;
  /** How long a shutdown (SIGTERM, SIGINT) lets requests in flight finish before dropping them. */
  shutdownGraceMs: number;
  /** Whether `GET /graphql` from a browser serves the GraphQL IDE (`GRAPHQL_IDE`; default: on unless NODE_ENV=production). */
  graphqlIde: boolean;
  /** Whether the IDE offers development tokens (`GET /dev/token`): development keys are in use and NODE_ENV is not production. */
  devTokens: boolean;
  /** The change feeds (see scripts/feed-config.ts). */
  feeds: FeedSettings;
}

type Env = Record<string, string | undefined>;

function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new ConfigError(name, `must be a port number (0-65535), got "${raw}"`);
  return value;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(name, `must be an integer in [${min}, ${max}], got "${raw}"`);
  return value;
}

function url(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(name, `must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** `RATE_LIMIT_<ROLE>=perSecond/burst` for every role that has one. */
function rateLimits(env: Env): SystemSettings['rateLimits'] {
  const out: SystemSettings['rateLimits'] = {};
  for (const role of Object.keys(ROLE_SCOPES) as Role[]) {
    const name = `RATE_LIMIT_${role.toUpperCase()}`;
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const match = /^(\d+)\/(\d+)$/.exec(raw);
    const [perSecond, burst] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
    if (!match || perSecond < 1 || burst < perSecond || burst > 100_000) throw new ConfigError(name, `must be "<requests per second>/<burst>" with burst >= rate (e.g. "10/20"), got "${raw}"`);
    out[role] = { perSecond, burst };
  }
  return out;
}

/** `MAX_COST_<ROLE>` and `COST_BUDGET_<ROLE>` for every role that has one. */
function costLimits(env: Env): SystemSettings['costLimits'] {
  const out: SystemSettings['costLimits'] = {};
  for (const role of Object.keys(ROLE_SCOPES) as Role[]) {
    const upper = role.toUpperCase();
    const maxCost = env[`MAX_COST_${upper}`] ? int(env, `MAX_COST_${upper}`, 0, 1, 10_000_000) : undefined;
    const budget = env[`COST_BUDGET_${upper}`] ? int(env, `COST_BUDGET_${upper}`, 0, 1, 100_000_000) : undefined;
    if (maxCost !== undefined || budget !== undefined) out[role] = { ...(maxCost !== undefined ? { maxCost } : {}), ...(budget !== undefined ? { budget } : {}) };
  }
  return out;
}

/** `BACKEND_SHARE_WEIGHTS=support=4,crm=4,admin=4,partner=1,other=1` (any subset). */
function shareWeights(env: Env): ShareWeights {
  const raw = env.BACKEND_SHARE_WEIGHTS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SHARE_WEIGHTS;
  try {
    return parseShareWeights(raw);
  } catch (err) {
    throw new ConfigError('BACKEND_SHARE_WEIGHTS', (err as Error).message);
  }
}

/**
 * `BACKEND_DEADLINE_MS`: the overall deadline of one backend read, its retries included. It must
 * end before the gateway stops waiting (`SUBGRAPH_TIMEOUT_MS`), or a slow backend keeps budget
 * slots and calls busy for answers nobody reads. Default: a second below the subgraph timeout
 * (7000 with the default 8000), or 80% of it when that is more.
 */
function backendDeadline(env: Env, subgraphTimeoutMs: number): number {
  const fallback = Math.max(Math.floor(subgraphTimeoutMs * 0.8), subgraphTimeoutMs - 1000);
  const value = int(env, 'BACKEND_DEADLINE_MS', fallback, 50, 120_000);
  if (value >= subgraphTimeoutMs) throw new ConfigError('BACKEND_DEADLINE_MS', `must be below SUBGRAPH_TIMEOUT_MS (${subgraphTimeoutMs}), got ${value}`);
  return value;
}

/** Reads a group of settings that must be given together: none (sandbox) or all required ones. */
function group(env: Env, names: string[], required: string[]): boolean {
  const given = names.filter((n) => env[n] !== undefined && env[n] !== '');
  if (given.length === 0) return false;
  for (const name of required) if (!env[name]) throw new ConfigError(name, `is required when ${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} set`);
  return true;
}

/** The lifetime settings: prefix, the part of a lifetime it sets, and its bounds in seconds. */
const LIFETIME_SETTINGS = [
  { prefix: 'CACHE_MAX_AGE_', part: 'maxAge', min: 1, max: 86_400 },
  { prefix: 'CACHE_STALE_WHILE_REVALIDATE_', part: 'staleWhileRevalidate', min: 0, max: 604_800 },
  { prefix: 'CACHE_STALE_IF_ERROR_', part: 'staleIfError', min: 0, max: 604_800 },
] as const;

/**
 * Reads the lifetime overrides: `<NAME>` is a type or field coordinate of the supergraph at
 * `supergraphPath` spelled by `lifetimeSettingName` (`CACHE_MAX_AGE_PRODUCT_AVAILABILITY=10` for
 * `Product.availability`). The supergraph is read only when such a setting is given.
 */
function cacheLifetimeOverrides(env: Env, supergraphPath: string): LifetimeOverrides {
  const given = Object.keys(env)
    .filter((name) => env[name] !== undefined && env[name] !== '' && LIFETIME_SETTINGS.some((s) => name.startsWith(s.prefix)))
    .sort();
  if (given.length === 0) return {};
  let lifetimes: CacheLifetimes;
  try {
    lifetimes = cacheLifetimesOf(readFileSync(supergraphPath, 'utf8'));
  } catch (err) {
    throw new ConfigError(given[0]!, `cannot be checked against the supergraph "${supergraphPath}": ${err instanceof Error ? err.message : String(err)}`);
  }
  const coordinatesByName = new Map<string, string[]>();
  for (const coordinate of [...lifetimes.types, ...lifetimes.fieldTypes.keys()]) {
    const name = lifetimeSettingName(coordinate);
    coordinatesByName.set(name, [...(coordinatesByName.get(name) ?? []), coordinate]);
  }
  const overrides: Record<string, Partial<Lifetime>> = {};
  const settingOf = new Map<string, string>();
  for (const setting of given) {
    const { prefix, part, min, max } = LIFETIME_SETTINGS.find((s) => setting.startsWith(s.prefix))!;
    const coordinates = coordinatesByName.get(setting.slice(prefix.length)) ?? [];
    if (coordinates.length === 0) throw new ConfigError(setting, `names no type or field of the supergraph (CACHE_MAX_AGE_ORDER is Order, CACHE_MAX_AGE_PRODUCT_AVAILABILITY is Product.availability)`);
    if (coordinates.length > 1) throw new ConfigError(setting, `names more than one schema coordinate (${coordinates.join(', ')})`);
    const coordinate = coordinates[0]!;
    overrides[coordinate] = { ...overrides[coordinate], [part]: int(env, setting, 0, min, max) };
    if (!settingOf.has(coordinate)) settingOf.set(coordinate, setting);
  }
  for (const [coordinate, override] of Object.entries(overrides)) {
    try {
      withOverrides(lifetimes, { [coordinate]: override });
    } catch (err) {
      throw new ConfigError(settingOf.get(coordinate)!, err instanceof Error ? err.message.replace(/^overrides\["[^"]*"\]\s*/, `(${coordinate}) `) : String(err));
    }
  }
  return overrides;
}

/** The lifetimes the caches use: those a supergraph declares, with the settings' overrides. */
export function lifetimesFor(supergraphSdl: string, settings: Pick<SystemSettings, 'cacheLifetimes'>): CacheLifetimes {
  return withOverrides(cacheLifetimesOf(supergraphSdl), settings.cacheLifetimes);
}

/** Validates the environment into settings. Throws ConfigError on the first mistake. */
export function loadSettings(env: Env = process.env): SystemSettings {
  const settings: SystemSettings = {
    host: env.HOST || '127.0.0.1',
    ports: {
      gateway: port(env, 'GATEWAY_PORT', 4000),
      accounts: port(env, 'ACCOUNTS_PORT', 4001),
      orders: port(env, 'ORDERS_PORT', 4002),
      stock: port(env, 'STOCK_PORT', 4003),
      invoices: port(env, 'INVOICES_PORT', 4004),
      cases: port(env, 'CASES_PORT', 4005),
      odooSandbox: port(env, 'ODOO_SANDBOX_PORT', 4101),
      salesforceSandbox: port(env, 'SALESFORCE_SANDBOX_PORT', 4102),
      zendeskSandbox: port(env, 'ZENDESK_SANDBOX_PORT', 4103),
      changes: port(env, 'CHANGES_PORT', 4010),
    },
    redisUrl: env.REDIS_URL || undefined,
    backendConcurrency: {
      odoo: int(env, 'ODOO_MAX_CONCURRENCY', DEFAULT_BUDGET, 1, 1000),
      salesforce: int(env, 'SALESFORCE_MAX_CONCURRENCY', DEFAULT_BUDGET, 1, 1000),
      servicedesk: int(env, 'ZENDESK_MAX_CONCURRENCY', DEFAULT_BUDGET, 1, 1000),
    },
    adaptiveConcurrency: bool(env, 'ADAPTIVE_CONCURRENCY', true),
    backendShareWeights: shareWeights(env),
    auditLogPath: env.AUDIT_LOG_PATH || 'var/audit.jsonl',
    writeProgressPath: env.WRITE_PROGRESS_PATH || 'var/write-progress.jsonl',
    writeReconcileBoundMs: int(env, 'WRITE_RECONCILE_BOUND_MS', 30_000, 1000, 3_600_000),
    backendTimeoutMs: int(env, 'BACKEND_TIMEOUT_MS', 5000, 100, 120_000),
    subgraphTimeoutMs: int(env, 'SUBGRAPH_TIMEOUT_MS', 8000, 100, 120_000),
    backendDeadlineMs: 0,
    metricsPort: env.METRICS_PORT ? port(env, 'METRICS_PORT', 0) : undefined,
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, levelFromEnv(env)),
    supergraphPath: env.SUPERGRAPH_PATH || 'schema/supergraph.graphql',
    sandboxCustomers: int(env, 'SANDBOX_CUSTOMERS', 200, 10, 100_000),
    trustedDocuments: oneOf(env, 'TRUSTED_DOCUMENTS', ['partners', 'all', 'off'] as const, 'partners'),
    rateLimits: rateLimits(env),
    costLimits: costLimits(env),
    cacheLifetimes: {},
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    graphqlIde: oneOf(env, 'GRAPHQL_IDE', ['on', 'off'] as const, env.NODE_ENV === 'production' ? 'off' : 'on') === 'on',
    devTokens: false,
    feeds: undefined as unknown as FeedSettings,
  };
  settings.cacheLifetimes = cacheLifetimeOverrides(env, settings.supergraphPath);
  settings.backendDeadlineMs = backendDeadline(env, settings.subgraphTimeoutMs);
  try {
    tracingSettingsFromEnv(env, 'customer360');
  } catch (err) {
    const message = (err as Error).message;
    throw new ConfigError(message.slice(0, message.indexOf(':')), message.slice(message.indexOf(':') + 2));
  }
  if (settings.redisUrl && !/^rediss?:\/\//.test(settings.redisUrl)) throw new ConfigError('REDIS_URL', `must start with redis:// or rediss://`);

  if (group(env, ['ODOO_URL', 'ODOO_DB', 'ODOO_LOGIN', 'ODOO_API_KEY'], ['ODOO_URL', 'ODOO_DB', 'ODOO_LOGIN', 'ODOO_API_KEY'])) {
    const protocol = env.ODOO_PROTOCOL || 'jsonrpc';
    if (protocol !== 'jsonrpc' && protocol !== 'json2') throw new ConfigError('ODOO_PROTOCOL', `must be "jsonrpc" (Odoo 16-18) or "json2" (Odoo 19), got "${protocol}"`);
    const partnerRefField = env.ODOO_PARTNER_REF_FIELD || 'ref';
    if (!/^[a-z_][a-z0-9_]*$/.test(partnerRefField)) throw new ConfigError('ODOO_PARTNER_REF_FIELD', `must be an Odoo field name, got "${partnerRefField}"`);
    settings.odoo = { url: url(env, 'ODOO_URL')!, db: env.ODOO_DB!, login: env.ODOO_LOGIN!, apiKey: env.ODOO_API_KEY!, protocol, partnerRefField };
  }

  if (group(env, ['SALESFORCE_LOGIN_URL', 'SALESFORCE_CLIENT_ID', 'SALESFORCE_CLIENT_SECRET', 'SALESFORCE_USERNAME', 'SALESFORCE_PASSWORD'], ['SALESFORCE_LOGIN_URL', 'SALESFORCE_CLIENT_ID', 'SALESFORCE_CLIENT_SECRET'])) {
    if (!!env.SALESFORCE_USERNAME !== !!env.SALESFORCE_PASSWORD) {
      throw new ConfigError(env.SALESFORCE_USERNAME ? 'SALESFORCE_PASSWORD' : 'SALESFORCE_USERNAME', 'the password flow needs both SALESFORCE_USERNAME and SALESFORCE_PASSWORD');
    }
    const apiVersion = env.SALESFORCE_API_VERSION || '62.0';
    if (!/^\d{2}\.0$/.test(apiVersion)) throw new ConfigError('SALESFORCE_API_VERSION', `must look like "62.0", got "${apiVersion}"`);
    settings.salesforce = {
      loginUrl: url(env, 'SALESFORCE_LOGIN_URL')!,
      clientId: env.SALESFORCE_CLIENT_ID!,
      clientSecret: env.SALESFORCE_CLIENT_SECRET!,
      username: env.SALESFORCE_USERNAME || undefined,
      password: env.SALESFORCE_PASSWORD || undefined,
      apiVersion,
      multiCurrency: bool(env, 'SALESFORCE_MULTI_CURRENCY', false),
    };
  }

  if (group(env, ['ZENDESK_URL', 'ZENDESK_SUBDOMAIN', 'ZENDESK_EMAIL', 'ZENDESK_API_TOKEN', 'ZENDESK_OAUTH_TOKEN'], [])) {
    if (env.ZENDESK_SUBDOMAIN && !/^[a-z0-9][a-z0-9-]{0,62}$/i.test(env.ZENDESK_SUBDOMAIN)) throw new ConfigError('ZENDESK_SUBDOMAIN', `must be a Zendesk subdomain, got "${env.ZENDESK_SUBDOMAIN}"`);
    const baseUrl = url(env, 'ZENDESK_URL') ?? (env.ZENDESK_SUBDOMAIN ? `https://${env.ZENDESK_SUBDOMAIN}.zendesk.com` : undefined);
    if (!baseUrl) throw new ConfigError('ZENDESK_SUBDOMAIN', 'is required (or ZENDESK_URL) when other Zendesk settings are set');
    if (!env.ZENDESK_OAUTH_TOKEN && !(env.ZENDESK_EMAIL && env.ZENDESK_API_TOKEN)) {
      throw new ConfigError(env.ZENDESK_EMAIL ? 'ZENDESK_API_TOKEN' : 'ZENDESK_EMAIL', 'Zendesk needs ZENDESK_EMAIL with ZENDESK_API_TOKEN, or ZENDESK_OAUTH_TOKEN');
    }
    settings.zendesk = {
      baseUrl,
      email: env.ZENDESK_EMAIL || undefined,
      apiToken: env.ZENDESK_API_TOKEN || undefined,
      oauthToken: env.ZENDESK_OAUTH_TOKEN || undefined,
      orderFieldId: env.ZENDESK_ORDER_FIELD_ID ? int(env, 'ZENDESK_ORDER_FIELD_ID', 0, 1, Number.MAX_SAFE_INTEGER) : undefined,
    };
  }

  if (group(env, ['JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_JWKS_URL', 'JWT_PUBLIC_KEY'], ['JWT_ISSUER', 'JWT_AUDIENCE'])) {
    if (!env.JWT_JWKS_URL && !env.JWT_PUBLIC_KEY) throw new ConfigError('JWT_JWKS_URL', 'a JWKS URL or JWT_PUBLIC_KEY (PEM) is required');
    settings.jwt = {
      issuer: env.JWT_ISSUER!,
      audience: env.JWT_AUDIENCE!,
      jwksUrl: url(env, 'JWT_JWKS_URL'),
      publicKeyPem: env.JWT_PUBLIC_KEY || undefined,
      clockToleranceSec: int(env, 'JWT_CLOCK_TOLERANCE_SEC', 30, 0, 300),
      verifiedCacheSec: int(env, 'JWT_VERIFIED_CACHE_SEC', 60, 0, 3600),
    };
  }
  if (env.PRINCIPAL_SECRET !== undefined && env.PRINCIPAL_SECRET !== '') {
    if (Buffer.byteLength(env.PRINCIPAL_SECRET) < 32) throw new ConfigError('PRINCIPAL_SECRET', 'must be at least 32 bytes');
    settings.principalSecret = env.PRINCIPAL_SECRET;
  }
  settings.feeds = feedSettings(env, { odoo: !!settings.odoo, zendesk: !!settings.zendesk });
  const real = !!(settings.odoo || settings.salesforce || settings.zendesk);
  if (real && !settings.jwt) throw new ConfigError('JWT_ISSUER', 'real backends need real token settings (JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URL or JWT_PUBLIC_KEY); development keys are only for sandboxes');
  // Development tokens for anyone who asks only where development keys sign them anyway.
  settings.devTokens = !settings.jwt && env.NODE_ENV !== 'production';
  if (real && !settings.principalSecret) throw new ConfigError('PRINCIPAL_SECRET', 'is required with real backends (at least 32 bytes shared by the gateway and the subgraphs)');
  return settings;
}
