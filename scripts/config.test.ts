import { describe, expect, it } from 'vitest';
import { lifetimeOf } from '../platform/cache-lifetimes/index.js';
import { ConfigError, lifetimesFor, loadSettings } from './config.js';
import { readFileSync } from 'node:fs';

const realAuth = { JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'c360', JWT_JWKS_URL: 'https://idp.example/jwks', PRINCIPAL_SECRET: 'x'.repeat(32) };

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadSettings', () => {
  it('defaults to the documented ports and sandboxes for every backend', () => {
    const s = loadSettings({});
    expect(s.ports).toEqual({ gateway: 4000, accounts: 4001, orders: 4002, stock: 4003, invoices: 4004, cases: 4005, odooSandbox: 4101, salesforceSandbox: 4102, zendeskSandbox: 4103, changes: 4010 });
    expect(s.odoo).toBeUndefined();
    expect(s.salesforce).toBeUndefined();
    expect(s.zendesk).toBeUndefined();
    expect(s.host).toBe('127.0.0.1');
    expect(s.auditLogPath).toBe('var/audit.jsonl');
    expect(s.backendConcurrency).toEqual({ odoo: 32, salesforce: 32, servicedesk: 32 });
    expect(s.adaptiveConcurrency).toBe(true);
  });

  it('reads the concurrency budget per backend and names a bad one', () => {
    expect(loadSettings({ ODOO_MAX_CONCURRENCY: '4', ZENDESK_MAX_CONCURRENCY: '20' }).backendConcurrency).toEqual({ odoo: 4, salesforce: 32, servicedesk: 20 });
    expect(loadSettings({ ADAPTIVE_CONCURRENCY: 'false' }).adaptiveConcurrency).toBe(false);
    expect(errorOf({ ADAPTIVE_CONCURRENCY: 'sometimes' }).setting).toBe('ADAPTIVE_CONCURRENCY');
    expect(errorOf({ ODOO_MAX_CONCURRENCY: '0' }).setting).toBe('ODOO_MAX_CONCURRENCY');
    expect(errorOf({ SALESFORCE_MAX_CONCURRENCY: 'many' }).setting).toBe('SALESFORCE_MAX_CONCURRENCY');
  });

  it('reads the share weights of the budgets and names a bad one', () => {
    expect(loadSettings({}).backendShareWeights).toEqual({ support: 4, crm: 4, admin: 4, partner: 1, other: 1 });
    expect(loadSettings({ BACKEND_SHARE_WEIGHTS: 'support=8, partner=2' }).backendShareWeights).toEqual({ support: 8, crm: 4, admin: 4, partner: 2, other: 1 });
    expect(errorOf({ BACKEND_SHARE_WEIGHTS: 'support=0' }).message).toMatch(/BACKEND_SHARE_WEIGHTS: the weight of support/);
    expect(errorOf({ BACKEND_SHARE_WEIGHTS: 'agents=4' }).message).toMatch(/BACKEND_SHARE_WEIGHTS: "agents" is not a share group/);
    expect(errorOf({ BACKEND_SHARE_WEIGHTS: 'support:4' }).setting).toBe('BACKEND_SHARE_WEIGHTS');
  });

  it('names a bad port', () => {
    expect(errorOf({ GATEWAY_PORT: 'abc' }).setting).toBe('GATEWAY_PORT');
    expect(errorOf({ CASES_PORT: '70000' }).setting).toBe('CASES_PORT');
  });

  it('names the missing setting of a half-configured backend', () => {
    expect(errorOf({ ODOO_URL: 'https://erp.example', ODOO_DB: 'prod', ODOO_LOGIN: 'api' }).setting).toBe('ODOO_API_KEY');
    expect(errorOf({ SALESFORCE_CLIENT_ID: 'id' }).setting).toBe('SALESFORCE_LOGIN_URL');
    expect(errorOf({ ZENDESK_SUBDOMAIN: 'acme', ZENDESK_EMAIL: 'a@b.c' }).setting).toBe('ZENDESK_API_TOKEN');
    expect(errorOf({ ODOO_URL: 'ftp://x', ODOO_DB: 'd', ODOO_LOGIN: 'l', ODOO_API_KEY: 'k', ...realAuth }).setting).toBe('ODOO_URL');
    expect(errorOf({ ODOO_URL: 'https://x', ODOO_DB: 'd', ODOO_LOGIN: 'l', ODOO_API_KEY: 'k', ODOO_PROTOCOL: 'soap', ...realAuth }).setting).toBe('ODOO_PROTOCOL');
  });

  it('refuses development tokens against real backends', () => {
    const odoo = { ODOO_URL: 'https://erp.example', ODOO_DB: 'prod', ODOO_LOGIN: 'api', ODOO_API_KEY: 'k' };
    expect(errorOf(odoo).setting).toBe('JWT_ISSUER');
    expect(errorOf({ ...odoo, ...realAuth, PRINCIPAL_SECRET: 'short' }).setting).toBe('PRINCIPAL_SECRET');
    const s = loadSettings({ ...odoo, ...realAuth, ODOO_PROTOCOL: 'json2' });
    expect(s.odoo).toMatchObject({ url: 'https://erp.example', protocol: 'json2', partnerRefField: 'ref' });
    expect(s.jwt).toMatchObject({ issuer: 'https://idp.example', clockToleranceSec: 30, verifiedCacheSec: 60 });
    expect(loadSettings({ ...odoo, ...realAuth, JWT_VERIFIED_CACHE_SEC: '0' }).jwt?.verifiedCacheSec).toBe(0);
    expect(errorOf({ ...odoo, ...realAuth, JWT_VERIFIED_CACHE_SEC: '7200' }).setting).toBe('JWT_VERIFIED_CACHE_SEC');
  });

  it('builds the Zendesk URL from the subdomain', () => {
    const s = loadSettings({ ZENDESK_SUBDOMAIN: 'acme', ZENDESK_EMAIL: 'a@acme.example', ZENDESK_API_TOKEN: 't', ...realAuth });
    expect(s.zendesk?.baseUrl).toBe('https://acme.zendesk.com');
  });

  it('reads who may send operation text and per-role request rates', () => {
    expect(loadSettings({}).trustedDocuments).toBe('partners');
    expect(loadSettings({ TRUSTED_DOCUMENTS: 'all' }).trustedDocuments).toBe('all');
    expect(() => loadSettings({ TRUSTED_DOCUMENTS: 'some' })).toThrow(/TRUSTED_DOCUMENTS: must be one of partners, all, off/);
    expect(loadSettings({ RATE_LIMIT_PARTNER: '10/20', RATE_LIMIT_SUPPORT_AGENT: '60/120' }).rateLimits).toEqual({ partner: { perSecond: 10, burst: 20 }, support_agent: { perSecond: 60, burst: 120 } });
    for (const bad of ['10', '20/10', '0/5', 'x/y']) expect(() => loadSettings({ RATE_LIMIT_PARTNER: bad })).toThrow(/RATE_LIMIT_PARTNER/);
  });

  it('reads cache lifetime overrides by schema coordinate, checked against the supergraph', () => {
    expect(loadSettings({}).cacheLifetimes).toEqual({});
    const s = loadSettings({ CACHE_MAX_AGE_ORDER: '60', CACHE_STALE_IF_ERROR_ORDER: '900', CACHE_MAX_AGE_PRODUCT_AVAILABILITY: '2', CACHE_STALE_WHILE_REVALIDATE_CUSTOMER_OPEN_CASE_COUNT: '0' });
    expect(s.cacheLifetimes).toEqual({ Order: { maxAge: 60, staleIfError: 900 }, 'Product.availability': { maxAge: 2 }, 'Customer.openCaseCount': { staleWhileRevalidate: 0 } });
    const lifetimes = lifetimesFor(readFileSync(s.supergraphPath, 'utf8'), s);
    expect(lifetimeOf(lifetimes, 'Order')).toEqual({ maxAge: 60, staleWhileRevalidate: 60, staleIfError: 900 });
    expect(lifetimeOf(lifetimes, 'Product.availability')).toEqual({ maxAge: 2, staleWhileRevalidate: 2, staleIfError: 60 });
    expect(lifetimeOf(lifetimes, 'Customer.openCaseCount')).toEqual({ maxAge: 30, staleWhileRevalidate: 0, staleIfError: 300 });
  });

  it('names a lifetime setting that is out of range, names nothing, or has nothing to start from', () => {
    expect(errorOf({ CACHE_MAX_AGE_ORDER: '0' }).setting).toBe('CACHE_MAX_AGE_ORDER');
    expect(errorOf({ CACHE_MAX_AGE_ORDER: 'soon' }).message).toMatch(/CACHE_MAX_AGE_ORDER: must be an integer/);
    expect(errorOf({ CACHE_MAX_AGE_ORDERS: '60' }).message).toMatch(/CACHE_MAX_AGE_ORDERS: names no type or field of the supergraph/);
    expect(errorOf({ CACHE_STALE_IF_ERROR_ORDER_STATUS: '60' }).message).toMatch(/CACHE_STALE_IF_ERROR_ORDER_STATUS: \(Order\.status\) needs a maxAge/);
    expect(errorOf({ CACHE_MAX_AGE_ORDER: '60', SUPERGRAPH_PATH: 'nowhere.graphql' }).message).toMatch(/CACHE_MAX_AGE_ORDER: cannot be checked against the supergraph "nowhere.graphql"/);
  });
});
