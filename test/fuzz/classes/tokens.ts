import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys, signDevToken } from '../../../gateway/src/auth/dev-keys.js';
import { ROLE_SCOPES } from '../../../platform/authz/roles.js';
import { graphqlPost, type Probe } from '../probe.js';

/** Forged and broken tokens, and the valid ones they are made from. */
export interface TokenKit {
  /** A valid admin token (tampering starts from it). */
  valid: string;
  /** Forged tokens signed ahead of time (signing is asynchronous), by what they try. */
  forged: Array<{ label: string; authorization: string }>;
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const adminClaims = () => ({ sub: 'forged', roles: ['admin'], scope: ROLE_SCOPES.admin.join(' '), iss: DEV_ISSUER, aud: DEV_AUDIENCE, iat: now() - 10, exp: now() + 600 });

async function sign(key: KeyObject | Uint8Array, header: Record<string, unknown>, claims: Record<string, unknown> = adminClaims()): Promise<string> {
  // The signer is told about the crit extension (it refuses unknown ones); the verifier is not.
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key, { crit: { 'c360-extra': true } });
}

/** Signs the valid token and the forged ones (the development keys of `devKeysDir`, default var/dev-keys). */
export async function tokenKit(devKeysDir?: string): Promise<TokenKit> {
  const { privateKey, publicKeyPem } = ensureDevKeys(devKeysDir);
  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = new TextEncoder().encode(publicKeyPem);
  const jwk = attacker.publicKey.export({ format: 'jwk' });
  const past = now() - 3 * 3600;
  const forged: Array<[string, Promise<string> | string]> = [
    ...['none', 'None', 'NONE', 'nOnE'].map((alg): [string, string] => [`alg ${alg}`, `${b64({ alg, typ: 'JWT' })}.${b64(adminClaims())}.`]),
    ['alg none with a signature', `${b64({ alg: 'none' })}.${b64(adminClaims())}.${b64('signature')}`],
    ...['HS256', 'HS384', 'HS512'].map((alg): [string, Promise<string>] => [`${alg} keyed with the public key`, sign(pem, { alg, typ: 'JWT' })]),
    ['ES256 by a foreign key', sign(attacker.privateKey, { alg: 'ES256', typ: 'JWT' })],
    ['RS256 by a foreign key', sign(rsa.privateKey, { alg: 'RS256', typ: 'JWT' })],
    ['a foreign key embedded as jwk', sign(attacker.privateKey, { alg: 'ES256', jwk })],
    ['a jku pointing elsewhere', sign(attacker.privateKey, { alg: 'ES256', jku: 'http://127.0.0.1:9/.well-known/jwks.json', kid: 'attacker' })],
    ['an x5u pointing elsewhere', sign(attacker.privateKey, { alg: 'ES256', x5u: 'http://127.0.0.1:9/cert.pem' })],
    ['a kid path traversal with an empty HMAC key', sign(new Uint8Array(32), { alg: 'HS256', kid: '../../../../../../dev/null' })],
    ['a kid with SQL in it', sign(attacker.privateKey, { alg: 'ES256', kid: "x' UNION SELECT 'key" })],
    ['an unknown crit extension', sign(privateKey, { alg: 'ES256', crit: ['c360-extra'], 'c360-extra': true } as Record<string, unknown>)],
    ['expired', signDevToken({ role: 'admin' }, { dir: devKeysDir, now: Date.now() - 9 * 3600_000 })],
    ['expired beyond the clock tolerance', sign(privateKey, { alg: 'ES256' }, { ...adminClaims(), exp: now() - 120 })],
    ['not yet valid (nbf in an hour)', sign(privateKey, { alg: 'ES256' }, { ...adminClaims(), nbf: now() + 3600 })],
    ['without exp', sign(privateKey, { alg: 'ES256' }, { ...adminClaims(), exp: undefined })],
    ['a wrong issuer', sign(privateKey, { alg: 'ES256' }, { ...adminClaims(), iss: 'https://evil.example' })],
    ['a wrong audience', sign(privateKey, { alg: 'ES256' }, { ...adminClaims(), aud: 'another-api' })],
    ['issued long ago and expired long ago', sign(privateKey, { alg: 'ES256' }, { ...adminClaims(), iat: past - 3600, exp: past })],
    ['a partner without partner_id', sign(privateKey, { alg: 'ES256' }, { ...adminClaims(), roles: ['partner'], scope: ROLE_SCOPES.partner.join(' ') })],
  ];
  const valid = await signDevToken({ role: 'admin', sub: 'fuzz-admin' }, { dir: devKeysDir });
  const signed = await Promise.all(forged.map(async ([label, token]) => ({ label, authorization: `Bearer ${await token}` })));
  const [header, , signature] = valid.split('.');
  signed.push({ label: 'a valid signature over a forged payload', authorization: `Bearer ${header}.${b64({ ...adminClaims(), sub: 'forged-admin' })}.${signature}` });
  return { valid, forged: signed };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A valid token with one character of one segment changed (never a segment's last, whose spare bits may not count). */
function tampered(token: string): fc.Arbitrary<{ label: string; authorization: string }> {
  const segments = token.split('.');
  return fc.record({ segment: fc.integer({ min: 0, max: 2 }), at: fc.nat(), to: fc.nat({ max: ALPHABET.length - 2 }) }).map(({ segment, at, to }) => {
    const s = segments[segment]!;
    const i = at % (s.length - 1);
    const others = ALPHABET.replace(s[i]!, '');
    const changed = [...segments];
    changed[segment] = s.slice(0, i) + others[to % others.length] + s.slice(i + 1);
    return { label: `a valid token with ${['its header', 'its payload', 'its signature'][segment]} changed at ${i}`, authorization: `Bearer ${changed.join('.')}` };
  });
}

const QUERIES = [
  '{ customers(first: 1) { totalCount } }',
  'query($id: ID!) { customer(id: $id) { id name billing { onHold } } }',
  'mutation { cancelOrder(id: "1") { id status } }',
];

/** The probe of one Authorization header: 401 UNAUTHENTICATED, nothing else, no backend call. */
export function refusedTokenProbe(label: string, authorization: string | null, query = QUERIES[0]!): Probe {
  return {
    class: 'tokens',
    label,
    steps: [
      {
        caller: authorization === null ? null : { authorization },
        request: graphqlPost({ query, variables: { id: '0015g0000000006AAA' } }),
        expect: { kind: 'hostile', status: [401], codes: ['UNAUTHENTICATED'], noData: true, noBackendCalls: true },
      },
    ],
  };
}

/** Forged, tampered, truncated and junk Authorization headers. */
export function tokenProbes(kit: TokenKit): fc.Arbitrary<Probe> {
  const [header, payload] = kit.valid.split('.');
  const junk = fc.string({ unit: fc.constantFrom(...ALPHABET, '.', '='), minLength: 0, maxLength: 300 }).map((s) => ({ label: `junk token ${JSON.stringify(s.slice(0, 20))}`, authorization: `Bearer ${s || 'x'}` }));
  const shapes = fc.constantFrom(
    { label: 'no signature segment', authorization: `Bearer ${header}.${payload}` },
    { label: 'an empty signature', authorization: `Bearer ${header}.${payload}.` },
    { label: 'four segments', authorization: `Bearer ${kit.valid}.${payload}` },
    { label: 'the token twice', authorization: `Bearer ${kit.valid} ${kit.valid}` },
    { label: 'another scheme', authorization: `Token ${kit.valid}` },
    { label: 'Basic credentials', authorization: `Basic ${b64('admin:admin')}` },
    { label: 'a bare token without scheme', authorization: kit.valid },
    { label: 'Bearer and nothing', authorization: 'Bearer ' },
    { label: 'a truncated token', authorization: `Bearer ${kit.valid.slice(0, -10)}` },
  );
  return fc
    .tuple(fc.oneof(fc.constantFrom(...kit.forged), tampered(kit.valid), shapes, junk), fc.constantFrom(...QUERIES))
    .map(([t, query]) => refusedTokenProbe(t.label, t.authorization, query));
}
