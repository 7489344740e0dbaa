import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys, signDevToken } from '../../gateway/src/auth/dev-keys.js';
import { signPrincipalHeaders } from '../../platform/authz/principal-header.js';
import { ROLE_SCOPES } from '../../platform/authz/roles.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/**
 * Authentication at the gateway: only an ES256/RS256 token of the configured issuer, for the
 * gateway's audience, unexpired, gets in; everything else is HTTP 401 UNAUTHENTICATED before any
 * backend is called. /healthz and /metrics answer without a token.
 */
let system: TestSystem;
let keysDir: string;
let devKey: KeyObject;
let devPublicPem: string;

const QUERY = '{ customers(first: 1) { totalCount } }';

/** A token signed with the development key (or another one) with chosen claims and header. */
async function token(options: { iss?: string; aud?: string; exp?: number | null; key?: KeyObject | Uint8Array; alg?: string; claims?: Record<string, unknown> } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ roles: ['admin'], scope: ROLE_SCOPES.admin.join(' '), ...options.claims })
    .setProtectedHeader({ alg: options.alg ?? 'ES256', typ: 'JWT' })
    .setSubject('auth-test')
    .setIssuer(options.iss ?? DEV_ISSUER)
    .setAudience(options.aud ?? DEV_AUDIENCE)
    .setIssuedAt(now - 60);
  if (options.exp !== null) jwt = jwt.setExpirationTime(options.exp ?? now + 600);
  return jwt.sign(options.key ?? devKey);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function post(authorization: string | undefined) {
  const res = await fetch(system.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify({ query: QUERY }),
  });
  return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), body: (await res.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
}

beforeAll(async () => {
  keysDir = mkdtempSync(join(tmpdir(), 'c360-authz-keys-'));
  system = await startTestSystem({ devKeysDir: keysDir });
  const keys = ensureDevKeys(keysDir);
  devKey = keys.privateKey;
  devPublicPem = keys.publicKeyPem;
});

afterAll(async () => {
  await system?.close();
  rmSync(keysDir, { recursive: true, force: true });
});

describe('gateway authentication', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const refused: Record<string, () => Promise<string | undefined>> = {
    'no Authorization header': async () => undefined,
    'an empty bearer': async () => 'Bearer ',
    'another scheme': async () => `Basic ${Buffer.from('admin:admin').toString('base64')}`,
    'garbage': async () => 'Bearer not.a.jwt',
    'an expired token': async () => `Bearer ${await signDevToken({ role: 'admin' }, { dir: keysDir, now: Date.now() - 9 * 3600_000 })}`,
    'a token expired beyond the clock tolerance': async () => `Bearer ${await token({ exp: now() - 120 })}`,
    'a token without exp': async () => `Bearer ${await token({ exp: null })}`,
    'a wrong issuer': async () => `Bearer ${await token({ iss: 'https://evil.example' })}`,
    'a wrong audience': async () => `Bearer ${await token({ aud: 'another-api' })}`,
    'an HS256 token keyed with the public key': async () => `Bearer ${await token({ alg: 'HS256', key: new TextEncoder().encode(devPublicPem) })}`,
    'an HS256 token with a guessed secret': async () => `Bearer ${await token({ alg: 'HS256', key: new TextEncoder().encode('secret-secret-secret-secret-secret!') })}`,
    'an unsigned token (alg none)': async () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', roles: ['admin'], scope: ROLE_SCOPES.admin.join(' '), iss: DEV_ISSUER, aud: DEV_AUDIENCE, exp: now() + 600 })}.`,
    'a token signed by another key': async () => `Bearer ${await token({ key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey })}`,
    'a valid token with a tampered payload': async () => {
      const [header, , signature] = (await signDevToken({ role: 'partner', partnerId: system.skeleton!.examples.reseller }, { dir: keysDir })).split('.');
      return `Bearer ${header}.${b64({ sub: 'x', roles: ['admin'], scope: ROLE_SCOPES.admin.join(' '), iss: DEV_ISSUER, aud: DEV_AUDIENCE, exp: now() + 600 })}.${signature}`;
    },
    'a partner token without partner_id': async () => `Bearer ${await token({ claims: { roles: ['partner'], scope: ROLE_SCOPES.partner.join(' ') } })}`,
  };

  it.each(Object.keys(refused))('%s: HTTP 401 UNAUTHENTICATED, no data, no backend call', async (variant) => {
    const snapshot = await system.snapshot();
    const answer = await post(await refused[variant]!());
    expect(answer.status).toBe(401);
    expect(answer.wwwAuthenticate).toMatch(/^Bearer/);
    expect(answer.body.data ?? null).toBeNull();
    expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(await snapshot.delta()).toEqual({ odoo: {}, salesforce: {}, zendesk: {} });
  });

  it('a valid development token gets in', async () => {
    const answer = await post(`Bearer ${await token()}`);
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body).toMatchObject({ data: { customers: { totalCount: expect.any(Number) } } });
  });

  it('scopes a token claims beyond its roles are not granted', async () => {
    // A sales_rep token that claims stock:cost too: the role does not grant it, so cost stays closed.
    const greedy = await token({ claims: { roles: ['sales_rep'], scope: [...ROLE_SCOPES.sales_rep, 'stock:cost'].join(' ') } });
    const res = await fetch(system.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${greedy}` },
      body: JSON.stringify({ query: `{ product(sku: "NO-SUCH-SKU") { cost { amount } } }` }),
    });
    const body = (await res.json()) as { errors?: Array<{ path?: string[]; extensions?: { code?: string } }> };
    expect(body.errors?.map((e) => [e.extensions?.code, e.path?.join('.')])).toEqual([['FORBIDDEN', 'product.cost']]);
  });

  it('principal headers sent by a client are not passed on: even a validly signed admin principal leaves a partner a partner', async () => {
    const ex = system.skeleton!.examples;
    const smuggled = signPrincipalHeaders({ sub: 'smuggled', roles: ['admin'], scopes: new Set(ROLE_SCOPES.admin) }, system.principalSecret);
    const partner = await token({ claims: { roles: ['partner'], scope: ROLE_SCOPES.partner.join(' '), partner_id: ex.reseller } });
    const answer = await system.query(`query($id: ID!) { customer(id: $id) { id name annualRevenue { amount } } }`, { id: ex.otherResellerCustomer }, { token: partner }, smuggled);
    expect(answer.status).toBe(200);
    expect(answer.data).toEqual({ customer: null });
    expect(answer.errors?.map((e) => [e.extensions?.code, e.path?.join('.')])).toEqual([['FORBIDDEN', 'customer.annualRevenue']]);
  });

  it('/healthz and /metrics answer without a token', async () => {
    const health = await fetch(new URL('/healthz', system.gatewayUrl));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const metrics = await fetch(new URL('/metrics', system.gatewayUrl));
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await metrics.text()).toMatch(/^# (HELP|TYPE) /m);
  });
});
