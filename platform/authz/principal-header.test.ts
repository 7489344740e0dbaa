import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { Principal } from './principal.js';
import {
  PRINCIPAL_HEADER,
  PrincipalHeaderError,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  createAuthenticate,
  createPrincipalSigner,
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

  it('the signer reuses a principal\'s signed headers for reuseMs, then signs afresh; each verifies', () => {
    let now = T;
    const signer = createPrincipalSigner(secret, { reuseMs: 1000, now: () => now });
    const first = signer(partner);
    expect(first).toEqual(signPrincipalHeaders(partner, secret, T));
    expect(Object.isFrozen(first)).toBe(true);
    now = T + 999;
    expect(signer(partner)).toBe(first);
    // Another principal (even an equal one) is signed on its own.
    const other: Principal = { ...partner, sub: 'user-8' };
    expect(verifyPrincipalHeaders(signer(other), secret, { now }).sub).toBe('user-8');
    now = T + 1000;
    const second = signer(partner);
    expect(second).not.toBe(first);
    expect(second[TIMESTAMP_HEADER]).toBe(String(T + 1000));
    expect(second[PRINCIPAL_HEADER]).toBe(first[PRINCIPAL_HEADER]);
    expect(verifyPrincipalHeaders(second, secret, { now }).sub).toBe('user-7');
    // A clock that went back never hands out headers signed "in the future".
    now = T;
    expect(signer(partner)[TIMESTAMP_HEADER]).toBe(String(T));
    const always = createPrincipalSigner(secret, { reuseMs: 0, now: () => T });
    expect(always(partner)).not.toBe(always(partner));
  });

  it('authenticate remembers a verified signature: the same headers share one read-only principal, and age, payload and timestamp are still checked', () => {
    const authenticate = createAuthenticate({ secret, maxAgeMs: 60_000 });
    const headers = signPrincipalHeaders(partner, secret);
    const first = authenticate(headers)!;
    expect(authenticate({ ...headers })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => (first.scopes as Set<string>).add('admin:all')).toThrow(TypeError);
    // The remembered signature does not vouch for another payload or timestamp.
    const admin = Buffer.from(JSON.stringify({ sub: 'user-7', roles: ['admin'], scopes: ['admin:all'] })).toString('base64url');
    expect(statusOf(() => authenticate({ ...headers, [PRINCIPAL_HEADER]: admin }))).toBe(401);
    expect(statusOf(() => authenticate({ ...headers, [TIMESTAMP_HEADER]: String(Number(headers[TIMESTAMP_HEADER]) + 1) }))).toBe(401);
    // A remembered signature past the replay window is refused like any other.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(T);
      const shortWindow = createAuthenticate({ secret, maxAgeMs: 50 });
      const fresh = signPrincipalHeaders(partner, secret);
      expect(shortWindow(fresh)?.sub).toBe('user-7');
      vi.setSystemTime(T + 50);
      expect(shortWindow(fresh)?.sub).toBe('user-7');
      vi.setSystemTime(T + 51);
      expect(statusOf(() => shortWindow(fresh))).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });
});
