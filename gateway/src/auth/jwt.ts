import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { readOnlyPrincipal, type Principal } from '../../../platform/authz/principal.js';
import { scopesForRoles } from '../../../platform/authz/roles.js';

/** Options of {@link createJwtVerifier}. Exactly one key source: `jwksUrl` or `publicKeyPem`. */
export interface JwtVerifierOptions {
  /** URL of the issuer's JSON Web Key Set (keys fetched and cached by jose). */
  jwksUrl?: string;
  /** A PEM public key (SPKI): RSA for RS256 or P-256 for ES256. */
  publicKeyPem?: string;
  /** Required `iss`. */
  issuer: string;
  /** Required `aud` (one of the token's audiences). */
  audience: string;
  /** Clock skew tolerated on `exp`/`nbf`, in seconds. Default 30, at most 300. */
  clockToleranceSec?: number;
  /**
   * How long a verified token is remembered, in seconds (default 60; 0: verify every time): a
   * repeat of the same token skips the signature check until then, never past its `exp`. A key
   * removed from the JWKS stops accepting its tokens within this time.
   */
  verifiedCacheSec?: number;
  /** Clock in epoch ms (default Date.now); tests pass fake time. */
  now?(): number;
}

/** Verifies bearer tokens into principals. */
export interface JwtVerifier {
  /** The principal of a valid token; rejects with {@link AuthenticationError} otherwise. */
  verify(token: string): Promise<Principal>;
}

/** Why a token was refused (safe to log; never contains the token or its claims' values). */
export type AuthenticationFailure =
  | 'MISSING_TOKEN'
  | 'MALFORMED_TOKEN'
  | 'EXPIRED'
  | 'BAD_SIGNATURE'
  | 'ALGORITHM_NOT_ALLOWED'
  | 'CLAIM_REJECTED'
  | 'NO_MATCHING_KEY'
  | 'KEYS_UNAVAILABLE'
  | 'INVALID_TOKEN';

/** A refused token: code UNAUTHENTICATED, HTTP status 401, a message that is safe to send. */
export class AuthenticationError extends Error {
  readonly code = 'UNAUTHENTICATED';
  readonly status = 401;
  constructor(
    message: string,
    readonly reason: AuthenticationFailure,
  ) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/** The only algorithms accepted: asymmetric, so that the gateway never holds a signing secret. */
export const ACCEPTED_ALGORITHMS = ['RS256', 'ES256'] as const;

const MAX_TOKEN_LENGTH = 16 * 1024;
const SALESFORCE_ID = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;

/** Whether a value has the shape of a 15- or 18-character Salesforce id (a partner's Account Id). */
export function looksLikeSalesforceId(value: unknown): value is string {
  return typeof value === 'string' && SALESFORCE_ID.test(value);
}

function algorithmOfPem(pem: string): { key: KeyObject; algorithm: (typeof ACCEPTED_ALGORITHMS)[number] } {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new TypeError('createJwtVerifier: publicKeyPem is not a readable PEM public key');
  }
  if (key.asymmetricKeyType === 'rsa') return { key, algorithm: 'RS256' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, algorithm: 'ES256' };
  throw new TypeError(`createJwtVerifier: publicKeyPem must be an RSA or P-256 key (RS256, ES256), got ${key.asymmetricKeyType ?? 'unknown'}`);
}

function failureOf(err: unknown): AuthenticationError {
  if (err instanceof AuthenticationError) return err;
  if (err instanceof joseErrors.JWTExpired) return new AuthenticationError('token expired', 'EXPIRED');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    // The claim name is ours to name; its value (the token's content) is never echoed.
    return new AuthenticationError(`token claim "${err.claim}" rejected`, 'CLAIM_REJECTED');
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new AuthenticationError('invalid token signature', 'BAD_SIGNATURE');
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return new AuthenticationError('token algorithm not accepted', 'ALGORITHM_NOT_ALLOWED');
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return new AuthenticationError('no signing key matches the token', 'NO_MATCHING_KEY');
  }
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) {
    return new AuthenticationError('token signing keys are unavailable', 'KEYS_UNAVAILABLE');
  }
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return new AuthenticationError('malformed token', 'MALFORMED_TOKEN');
  return new AuthenticationError('invalid token', 'INVALID_TOKEN');
}

function principalOf(payload: JWTPayload): Principal {
  const { sub } = payload;
  if (typeof sub !== 'string' || sub.length === 0) throw new AuthenticationError('token claim "sub" rejected', 'CLAIM_REJECTED');
  const rolesClaim = payload.roles ?? [];
  if (!Array.isArray(rolesClaim) || !rolesClaim.every((r): r is string => typeof r === 'string')) {
    throw new AuthenticationError('token claim "roles" rejected', 'CLAIM_REJECTED');
  }
  const scopeClaim = payload.scope ?? '';
  if (typeof scopeClaim !== 'string') throw new AuthenticationError('token claim "scope" rejected', 'CLAIM_REJECTED');
  // Least privilege: a scope counts only when the token asks for it and one of its roles grants it.
  const granted = scopesForRoles(rolesClaim);
  const scopes = new Set(scopeClaim.split(/\s+/).filter((s) => s.length > 0 && granted.has(s as never)));

  const partnerId = payload.partner_id;
  if (partnerId !== undefined && !looksLikeSalesforceId(partnerId)) {
    throw new AuthenticationError('token claim "partner_id" rejected', 'CLAIM_REJECTED');
  }
  if (rolesClaim.includes('partner') && partnerId === undefined) {
    // A partner without its account would see every customer's rows.
    throw new AuthenticationError('token claim "partner_id" required for the partner role', 'CLAIM_REJECTED');
  }
  // Every request of the token shares it (the verified cache hands out this object): read-only.
  return readOnlyPrincipal({ sub, roles: rolesClaim, scopes, ...(typeof partnerId === 'string' ? { partnerId } : {}) });
}

/** Creates the gateway's bearer-token verifier (jose; RS256/ES256; iss, aud and exp checked; bounded clock skew). */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const { jwksUrl, publicKeyPem, issuer, audience, clockToleranceSec = 30, verifiedCacheSec = 60, now = Date.now } = options;
  if (typeof issuer !== 'string' || issuer.length === 0) throw new TypeError('createJwtVerifier: issuer must be a non-empty string');
  if (typeof audience !== 'string' || audience.length === 0) throw new TypeError('createJwtVerifier: audience must be a non-empty string');
  if (typeof clockToleranceSec !== 'number' || !Number.isFinite(clockToleranceSec) || clockToleranceSec < 0 || clockToleranceSec > 300) {
    throw new TypeError(`createJwtVerifier: clockToleranceSec must be between 0 and 300 seconds, got ${String(clockToleranceSec)}`);
  }
  if (jwksUrl !== undefined && publicKeyPem !== undefined) throw new TypeError('createJwtVerifier: set one of jwksUrl or publicKeyPem, not both');
  if (typeof verifiedCacheSec !== 'number' || !Number.isFinite(verifiedCacheSec) || verifiedCacheSec < 0 || verifiedCacheSec > 3600) {
    throw new TypeError(`createJwtVerifier: verifiedCacheSec must be between 0 and 3600 seconds, got ${String(verifiedCacheSec)}`);
  }
  // Keyed by the whole token: the same bytes passed the same checks a moment ago.
  const verified =
    verifiedCacheSec > 0 ? new LRUCache<string, { principal: Principal; validUntilMs: number }>({ max: 10_000, ttl: verifiedCacheSec * 1000, perf: { now } }) : undefined;

  let key: KeyObject | ReturnType<typeof createRemoteJWKSet>;
  let algorithms: string[];
  if (publicKeyPem !== undefined) {
    const pem = algorithmOfPem(publicKeyPem);
    key = pem.key;
    // With one known key, only its own algorithm can be valid.
    algorithms = [pem.algorithm];
  } else if (jwksUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(jwksUrl);
    } catch {
      throw new TypeError('createJwtVerifier: jwksUrl is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('createJwtVerifier: jwksUrl must be an http(s) URL');
    key = createRemoteJWKSet(url);
    algorithms = [...ACCEPTED_ALGORITHMS];
  } else {
    throw new TypeError('createJwtVerifier: a key source is required (jwksUrl or publicKeyPem)');
  }

  return {
    async verify(token: string): Promise<Principal> {
      if (typeof token !== 'string' || token.length === 0) throw new AuthenticationError('missing bearer token', 'MISSING_TOKEN');
      if (token.length > MAX_TOKEN_LENGTH) throw new AuthenticationError('malformed token', 'MALFORMED_TOKEN');
      const known = verified?.get(token);
      if (known) {
        if (now() <= known.validUntilMs) return known.principal;
        verified!.delete(token);
      }
      try {
        const verifyOptions = { issuer, audience, algorithms, clockTolerance: clockToleranceSec, requiredClaims: ['exp', 'sub'], currentDate: new Date(now()) };
        const { payload } =
          key instanceof Function ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions);
        const principal = principalOf(payload);
        // jwtVerify accepts the token up to exp plus the tolerance; so does the cache, and no longer.
        verified?.set(token, { principal, validUntilMs: (payload.exp! + clockToleranceSec) * 1000 });
        return principal;
      } catch (err) {
        throw failureOf(err);
      }
    },
  };
}
