import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, createJwtVerifier } from './jwt.js';

const ISS = 'https://issuer.example';
const AUD = 'c360-gateway';
const PARTNER = '0015g0000000001AAA';
const now = () => Math.floor(Date.now() / 1000);

let es: { privateKey: CryptoKey; publicKey: CryptoKey };
let rs: { privateKey: CryptoKey; publicKey: CryptoKey };
let other: { privateKey: CryptoKey; publicKey: CryptoKey };
let esPem: string;
let jwks: Server;
let jwksUrl: string;
let jwksHits = 0;

beforeAll(async () => {
  es = await generateKeyPair('ES256', { extractable: true });
  rs = await generateKeyPair('RS256', { extractable: true });
  other = await generateKeyPair('ES256', { extractable: true });
  esPem = await exportSPKI(es.publicKey);
  const keys = [
    { ...(await exportJWK(es.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' },
    { ...(await exportJWK(rs.publicKey)), kid: 'rs', alg: 'RS256', use: 'sig' },
  ];
  jwks = createServer((_req, res) => {
    jwksHits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((done) => jwks.listen(0, '127.0.0.1', done));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
});
afterAll(() => new Promise<void>((done) => jwks.close(() => done())));

function token(claims: JWTPayload, key: CryptoKey = es.privateKey, alg = 'ES256', kid = 'es', opts: { exp?: number | null; iss?: string; aud?: string } = {}) {
  let jwt = new SignJWT({ roles: ['support_agent'], scope: 'customer:read orders:read', ...claims })
    .setProtectedHeader({ alg, kid })
    .setSubject(typeof claims.sub === 'string' ? claims.sub : 'user-1')
    .setIssuer(opts.iss ?? ISS)
    .setAudience(opts.aud ?? AUD)
    .setIssuedAt();
  if (opts.exp !== null) jwt = jwt.setExpirationTime(opts.exp ?? now() + 600);
  return jwt.sign(key);
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).code).toBe('UNAUTHENTICATED');
    return (err as AuthenticationError).reason;
  }
  return 'ACCEPTED';
}

describe('createJwtVerifier', () => {
  it('verifies an ES256 token from a PEM key and keeps only the scopes its roles grant', async () => {
    const v = createJwtVerifier({ publicKeyPem: esPem, issuer: ISS, audience: AUD });
    const p = await v.verify(await token({ scope: 'customer:read orders:read stock:cost credit:write  made:up' }));
    expect(p.sub).toBe('user-1');
    expect(p.roles).toEqual(['support_agent']);
    expect([...p.scopes].sort()).toEqual(['customer:read', 'orders:read']);
    expect(p.partnerId).toBeUndefined();
    const unknownRole = await v.verify(await token({ roles: ['wizard'], scope: 'customer:read' }));
    expect(unknownRole.scopes.size).toBe(0);
  });

  it('verifies RS256 and ES256 tokens from a JWKS URL', async () => {
    const v = createJwtVerifier({ jwksUrl, issuer: ISS, audience: AUD });
    expect((await v.verify(await token({}, rs.privateKey, 'RS256', 'rs'))).sub).toBe('user-1');
    expect((await v.verify(await token({}))).sub).toBe('user-1');
    expect(jwksHits).toBeGreaterThan(0);
    expect(await reason(v.verify(await token({}, other.privateKey, 'ES256', 'es')))).toBe('BAD_SIGNATURE');
    expect(await reason(v.verify(await token({}, other.privateKey, 'ES256', 'nope')))).toBe('NO_MATCHING_KEY');
  });

  it('refuses forged, unsigned, symmetric, wrong-issuer, wrong-audience, expired and exp-less tokens', async () => {
    const v = createJwtVerifier({ publicKeyPem: esPem, issuer: ISS, audience: AUD, clockToleranceSec: 10 });
    expect(await reason(v.verify(await token({}, other.privateKey)))).toBe('BAD_SIGNATURE');
    const unsigned = new UnsecuredJWT({ sub: 'x', roles: ['admin'], scope: 'stock:cost' }).setIssuer(ISS).setAudience(AUD).setExpirationTime('1h').encode();
    expect(await reason(v.verify(unsigned))).not.toBe('ACCEPTED');
    const hs = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer(ISS).setAudience(AUD).setExpirationTime('1h').sign(new TextEncoder().encode('k'.repeat(32)));
    expect(await reason(v.verify(hs))).toBe('ALGORITHM_NOT_ALLOWED');
    expect(await reason(v.verify(await token({}, rs.privateKey, 'RS256')))).toBe('ALGORITHM_NOT_ALLOWED');
    expect(await reason(v.verify(await token({}, es.privateKey, 'ES256', 'es', { iss: 'https://evil.example' })))).toBe('CLAIM_REJECTED');
    expect(await reason(v.verify(await token({}, es.privateKey, 'ES256', 'es', { aud: 'other' })))).toBe('CLAIM_REJECTED');
    expect(await reason(v.verify(await token({}, es.privateKey, 'ES256', 'es', { exp: now() - 20 })))).toBe('EXPIRED');
    expect(await reason(v.verify(await token({}, es.privateKey, 'ES256', 'es', { exp: now() - 5 })))).toBe('ACCEPTED');
    expect(await reason(v.verify(await token({}, es.privateKey, 'ES256', 'es', { exp: null })))).toBe('CLAIM_REJECTED');
    expect(await reason(v.verify(''))).toBe('MISSING_TOKEN');
    expect(await reason(v.verify('not.a.jwt'))).toBe('MALFORMED_TOKEN');
    expect(await reason(v.verify(await token({ roles: 'admin' })))).toBe('CLAIM_REJECTED');
  });

  it('requires partner_id for partners and never echoes the token', async () => {
    const v = createJwtVerifier({ publicKeyPem: esPem, issuer: ISS, audience: AUD });
    const p = await v.verify(await token({ roles: ['partner'], scope: 'customer:read orders:write customer:pii', partner_id: PARTNER }));
    expect(p.partnerId).toBe(PARTNER);
    expect([...p.scopes].sort()).toEqual(['customer:read', 'orders:write']);
    const bad = await token({ roles: ['partner'], scope: 'customer:read' });
    expect(await reason(v.verify(bad))).toBe('CLAIM_REJECTED');
    expect(await reason(v.verify(await token({ roles: ['partner'], partner_id: "x' OR 1=1" })))).toBe('CLAIM_REJECTED');
    try {
      await v.verify(bad);
    } catch (err) {
      const text = `${(err as Error).message} ${JSON.stringify(err)}`;
      for (const part of bad.split('.')) expect(text).not.toContain(part);
    }
  });

  it('fails at creation on configuration mistakes, naming the setting', () => {
    expect(() => createJwtVerifier({ issuer: ISS, audience: AUD })).toThrow(/jwksUrl or publicKeyPem/);
    expect(() => createJwtVerifier({ publicKeyPem: 'not a pem', issuer: ISS, audience: AUD })).toThrow(TypeError);
    expect(() => createJwtVerifier({ publicKeyPem: 'not a pem', issuer: ISS, audience: AUD })).toThrow(/publicKeyPem/);
    expect(() => createJwtVerifier({ jwksUrl: 'nope', issuer: ISS, audience: AUD })).toThrow(/jwksUrl/);
    expect(() => createJwtVerifier({ publicKeyPem: esPem, issuer: '', audience: AUD })).toThrow(/issuer/);
    expect(() => createJwtVerifier({ publicKeyPem: esPem, issuer: ISS, audience: '' })).toThrow(/audience/);
    expect(() => createJwtVerifier({ publicKeyPem: esPem, issuer: ISS, audience: AUD, clockToleranceSec: 301 })).toThrow(/clockToleranceSec/);
    expect(() => createJwtVerifier({ publicKeyPem: esPem, jwksUrl, issuer: ISS, audience: AUD })).toThrow(TypeError);
    expect(() => createJwtVerifier({ publicKeyPem: esPem, issuer: ISS, audience: AUD, verifiedCacheSec: -1 })).toThrow(/verifiedCacheSec/);
  });

  it('remembers a verified token, never past its exp, and hands out a principal no request can change', async () => {
    let clock = Date.now();
    const v = createJwtVerifier({ publicKeyPem: esPem, issuer: ISS, audience: AUD, clockToleranceSec: 0, now: () => clock });
    const jwt = await token({}, es.privateKey, 'ES256', 'es', { exp: Math.floor(clock / 1000) + 120 });
    const first = await v.verify(jwt);
    const again = await v.verify(jwt);
    expect(again).toEqual(first);
    // The remembered principal itself, shared: nothing downstream can change it for the next request.
    expect(again).toBe(first);
    expect(() => {
      (again as { sub: string }).sub = 'admin-1';
    }).toThrow(TypeError);
    expect(() => (again.roles as string[]).push('admin')).toThrow(TypeError);
    expect(() => (again.scopes as Set<string>).add('customer:write')).toThrow(TypeError);
    expect(() => (again.scopes as Set<string>).delete('customer:read')).toThrow(TypeError);
    expect((await v.verify(jwt)).roles).toEqual(first.roles);
    // Within the remembered minute but past exp: refused as expired.
    clock += 59_000;
    expect((await v.verify(jwt)).sub).toBe('user-1');
    clock += 62_000;
    expect(await reason(v.verify(jwt))).toBe('EXPIRED');
    // A token that failed is never remembered as good, and a tampered copy of a remembered one is checked.
    const [header, payload, signature] = (await token({})).split('.');
    expect(await reason(v.verify(`${header}.${payload}.${signature!.slice(0, -4)}AAAA`))).toBe('BAD_SIGNATURE');
  });
});
