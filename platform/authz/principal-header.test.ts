import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Principal } from './principal.js';
import {
  PRINCIPAL_HEADER,
  PrincipalHeaderError,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  createAuthenticate,
  signPrincipalHeaders,
  verifyPrincipalHeaders,
} from './principal-header.js';

const secret = 'x'.repeat(32);
const T = 1_760_000_000_000;
const partner: Principal = { sub: 'user-7', roles: ['partner'], scopes: new Set(['orders:read', 'customer:read']), partnerId: '0015g0000000001AAA' };

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PrincipalHeaderError);
    return (err as PrincipalHeaderError).status;
  }
  return undefined;
}

describe('principal headers', () => {
  it('round-trips a principal', () => {
    const headers = signPrincipalHeaders(partner, secret, T);
    expect(Object.keys(headers).sort()).toEqual([PRINCIPAL_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER].sort());
    expect(headers[TIMESTAMP_HEADER]).toBe(String(T));
    expect(headers[SIGNATURE_HEADER]).toMatch(/^[0-9a-f]{64}$/);
    const got = verifyPrincipalHeaders(headers, secret, { now: T + 1000 });
    expect(got.sub).toBe('user-7');
    expect(got.roles).toEqual(['partner']);
    expect([...got.scopes].sort()).toEqual(['customer:read', 'orders:read']);
    expect(got.partnerId).toBe('0015g0000000001AAA');
    const admin = verifyPrincipalHeaders(signPrincipalHeaders({ sub: 'a', roles: ['admin'], scopes: new Set() }, secret, T), secret, { now: T });
    expect('partnerId' in admin).toBe(false);
  });

  it('rejects missing, malformed, forged, expired and future headers with 401', () => {
    const good = signPrincipalHeaders(partner, secret, T);
    const now = T;
    expect(statusOf(() => verifyPrincipalHeaders({}, secret, { now }))).toBe(401);
    expect(statusOf(() => verifyPrincipalHeaders({ ...good, [SIGNATURE_HEADER]: undefined }, secret, { now }))).toBe(401);
    expect(statusOf(() => verifyPrincipalHeaders({ ...good, [SIGNATURE_HEADER]: 'zz' }, secret, { now }))).toBe(401);
    expect(statusOf(() => verifyPrincipalHeaders({ ...good, [TIMESTAMP_HEADER]: 'yesterday' }, secret, { now }))).toBe(401);
    expect(statusOf(() => verifyPrincipalHeaders({ ...good, [PRINCIPAL_HEADER]: [good[PRINCIPAL_HEADER]!, 'x'] }, secret, { now }))).toBe(401);
    // Forged: payload swapped for an admin one, signature kept.
    const admin = signPrincipalHeaders({ sub: 'evil', roles: ['admin'], scopes: new Set(['stock:cost']) }, 'y'.repeat(32), T);
    expect(statusOf(() => verifyPrincipalHeaders({ ...good, [PRINCIPAL_HEADER]: admin[PRINCIPAL_HEADER] }, secret, { now }))).toBe(401);
    expect(statusOf(() => verifyPrincipalHeaders(admin, secret, { now }))).toBe(401);
    // Timestamp moved: the signature covers it.
    expect(statusOf(() => verifyPrincipalHeaders({ ...good, [TIMESTAMP_HEADER]: String(T + 1) }, secret, { now }))).toBe(401);
    expect(statusOf(() => verifyPrincipalHeaders(good, secret, { now: T + 60_001 }))).toBe(401);
    expect(statusOf(() => verifyPrincipalHeaders(good, secret, { now: T + 60_000 }))).toBeUndefined();
    expect(statusOf(() => verifyPrincipalHeaders(good, secret, { now: T - 5_001 }))).toBe(401);
    expect(statusOf(() => verifyPrincipalHeaders(good, secret, { now: T + 10_000, maxAgeMs: 5_000 }))).toBe(401);
  });

  it('rejects a validly signed payload that is not a principal', () => {
    const headers = signPrincipalHeaders(partner, secret, T);
    const payload = Buffer.from(JSON.stringify({ sub: 1, roles: 'admin' })).toString('base64url');
    const signature = createHmac('sha256', secret).update(`${T}.${payload}`).digest('hex');
    expect(statusOf(() => verifyPrincipalHeaders({ ...headers, [PRINCIPAL_HEADER]: payload, [SIGNATURE_HEADER]: signature }, secret, { now: T }))).toBe(401);
  });

  it('refuses short secrets naming the setting', () => {
    expect(() => createAuthenticate({ secret: 'short' })).toThrow(TypeError);
    expect(() => createAuthenticate({ secret: 'short' })).toThrow(/secret/);
    expect(() => signPrincipalHeaders(partner, new Uint8Array(31))).toThrow(TypeError);
    expect(() => createAuthenticate({ secret: new Uint8Array(32) })).not.toThrow();
  });

  it('authenticate verifies and only lets unsigned requests through when the bench option is set', () => {
    const authenticate = createAuthenticate({ secret });
    const headers = signPrincipalHeaders(partner, secret);
    expect(authenticate(headers)?.sub).toBe('user-7');
    expect(statusOf(() => authenticate({}))).toBe(401);

    const benchPrincipal: Principal = { sub: 'bench', roles: ['admin'], scopes: new Set(['customer:read']) };
    const bench = createAuthenticate({ secret, allowUnsignedForBenchmarks: benchPrincipal });
    expect(bench({ 'content-type': 'application/json' })).toBe(benchPrincipal);
    expect(bench(headers)?.sub).toBe('user-7');
    // A request that claims a signature still has to carry a valid one.
    expect(statusOf(() => bench({ ...headers, [SIGNATURE_HEADER]: '0'.repeat(64) }))).toBe(401);
  });
});
