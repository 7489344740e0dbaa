import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { ROLE_SCOPES, ROLES, isRole } from '../../../platform/authz/roles.js';
import { createJwtVerifier, looksLikeSalesforceId, type JwtVerifier } from './jwt.js';

/** Issuer of development tokens. */
export const DEV_ISSUER = 'c360-dev';
/** Audience of development tokens (the gateway). */
export const DEV_AUDIENCE = 'c360-gateway';
/** Default lifetime of a development token: 8 hours. */
export const DEV_TOKEN_TTL_SECONDS = 8 * 60 * 60;
/** Default key directory, relative to the repository root. */
export const DEV_KEYS_DIR = 'var/dev-keys';

const PRIVATE_FILE = 'dev-es256-private.pem';
const PUBLIC_FILE = 'dev-es256-public.pem';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The development signing key pair. */
export interface DevKeys {
  privateKey: KeyObject;
  publicKeyPem: string;
}

/** What a development token says. */
export interface DevTokenRequest {
  role: string;
  /** The reseller's Salesforce Account Id; required for the partner role. */
  partnerId?: string;
  /** Default `dev-<role>`. */
  sub?: string;
  /** Default 8 hours. */
  ttlSeconds?: number;
}

function keyDir(dir: string): string {
  return isAbsolute(dir) ? dir : join(repoRoot, dir);
}

/**
 * Returns the development ES256 key pair, creating it on first use (PEM files, the private one
 * mode 0600). Relative directories resolve against the repository root so that the gateway and
 * `npm run token` agree whatever their working directory.
 */
export function ensureDevKeys(dir: string = DEV_KEYS_DIR): DevKeys {
  const base = keyDir(dir);
  const privatePath = join(base, PRIVATE_FILE);
  let privatePem: string;
  try {
    privatePem = readFileSync(privatePath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(base, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const tmp = `${privatePath}.${process.pid}.tmp`;
    writeFileSync(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    try {
      // link() fails when the file exists: of two processes starting together, the first key wins.
      linkSync(tmp, privatePath);
    } catch (linkErr) {
      if ((linkErr as NodeJS.ErrnoException).code !== 'EEXIST') throw linkErr;
    } finally {
      unlinkSync(tmp);
    }
    privatePem = readFileSync(privatePath, 'utf8');
  }
  const privateKey = createPrivateKey(privatePem);
  // Derived from the private key so that the pair always matches; the file is for other tools.
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const publicPath = join(base, PUBLIC_FILE);
  let current: string | undefined;
  try {
    current = readFileSync(publicPath, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== publicKeyPem) writeFileSync(publicPath, publicKeyPem, { mode: 0o644 });
  return { privateKey, publicKeyPem };
}

/** Signs a development token (ES256; sub, roles, scope, partner_id, iss, aud, iat, exp). Throws TypeError on a bad request. */
export async function signDevToken(request: DevTokenRequest, options: { dir?: string; now?: number } = {}): Promise<string> {
  const { role, partnerId, ttlSeconds = DEV_TOKEN_TTL_SECONDS } = request;
  if (!isRole(role)) throw new TypeError(`unknown role "${role}"; known roles: ${ROLES.join(', ')}`);
  if (role === 'partner' && partnerId === undefined) throw new TypeError('the partner role needs a partner id (the reseller\'s Salesforce Account Id)');
  if (partnerId !== undefined && !looksLikeSalesforceId(partnerId)) {
    throw new TypeError('partner id must be a 15- or 18-character Salesforce Account Id');
  }
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new TypeError('ttl must be a positive whole number of seconds');
  const sub = request.sub ?? `dev-${role}`;
  if (sub.length === 0) throw new TypeError('sub must not be empty');

  const { privateKey } = ensureDevKeys(options.dir);
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = { roles: [role], scope: ROLE_SCOPES[role].join(' ') };
  if (partnerId !== undefined) claims.partner_id = partnerId;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(privateKey);
}

/** The verifier for development tokens (the dev public key, DEV_ISSUER, DEV_AUDIENCE). */
export function createDevJwtVerifier(dir: string = DEV_KEYS_DIR): JwtVerifier {
  return createJwtVerifier({ publicKeyPem: ensureDevKeys(dir).publicKeyPem, issuer: DEV_ISSUER, audience: DEV_AUDIENCE });
}
