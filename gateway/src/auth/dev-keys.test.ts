import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER, createDevJwtVerifier, ensureDevKeys, signDevToken } from './dev-keys.js';
import { createJwtVerifier } from './jwt.js';
import { main, parseTokenArgs } from '../../../scripts/token.js';

const dir = mkdtempSync(join(tmpdir(), 'c360-dev-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dev keys and tokens', () => {
  it('creates an ES256 key pair once, private key mode 0600', () => {
    const a = ensureDevKeys(dir);
    const b = ensureDevKeys(dir);
    expect(a.publicKeyPem).toBe(b.publicKeyPem);
    expect(a.publicKeyPem).toContain('BEGIN PUBLIC KEY');
    expect(statSync(join(dir, 'dev-es256-private.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'dev-es256-public.pem'), 'utf8')).toBe(a.publicKeyPem);
    expect(a.privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('signs tokens the dev verifier accepts', async () => {
    const jwt = await signDevToken({ role: 'sales_rep' }, { dir });
    expect(decodeProtectedHeader(jwt).alg).toBe('ES256');
    const claims = decodeJwt(jwt);
    expect(claims).toMatchObject({ sub: 'dev-sales_rep', roles: ['sales_rep'], iss: DEV_ISSUER, aud: DEV_AUDIENCE });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(8 * 3600);
    const principal = await createDevJwtVerifier(dir).verify(jwt);
    expect(principal.scopes.has('customer:financials')).toBe(true);
    expect(principal.scopes.has('cases:read')).toBe(false);

    const partner = await signDevToken({ role: 'partner', partnerId: '0015g0000000001AAA', sub: 'reseller-1', ttlSeconds: 60 }, { dir });
    const p = await createJwtVerifier({ publicKeyPem: ensureDevKeys(dir).publicKeyPem, issuer: DEV_ISSUER, audience: DEV_AUDIENCE }).verify(partner);
    expect(p).toMatchObject({ sub: 'reseller-1', partnerId: '0015g0000000001AAA', roles: ['partner'] });
  });

  it('refuses unknown roles, partners without a Salesforce id and bad ttls', async () => {
    await expect(signDevToken({ role: 'wizard' }, { dir })).rejects.toThrow(/unknown role/);
    await expect(signDevToken({ role: 'partner' }, { dir })).rejects.toThrow(/partner id/);
    await expect(signDevToken({ role: 'partner', partnerId: 'acme' }, { dir })).rejects.toThrow(/Salesforce/);
    await expect(signDevToken({ role: 'admin', ttlSeconds: 0 }, { dir })).rejects.toThrow(/ttl/);
  });

  it('token script parses arguments and exits 2 on mistakes', async () => {
    expect(parseTokenArgs(['--role', 'partner', '--partner', '0015g0000000001AAA', '--sub', 's', '--ttl', '90'])).toEqual({
      role: 'partner',
      partnerId: '0015g0000000001AAA',
      sub: 's',
      ttlSeconds: 90,
    });
    expect(() => parseTokenArgs([])).toThrow(/--role/);
    expect(() => parseTokenArgs(['--role', 'admin', '--ttl', '1h'])).toThrow(/--ttl/);
    expect(() => parseTokenArgs(['--role', 'admin', '--bogus'])).toThrow(TypeError);
    const errors: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      errors.push(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await main(['--role', 'wizard'])).toBe(2);
      expect(await main(['--role', 'partner'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join('')).toMatch(/unknown role "wizard"/);
    expect(errors.join('')).toMatch(/partner id/);
  });
});
