import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LRUCache } from 'lru-cache';
import { readOnlyPrincipal, type Principal } from './principal.js';

/**
 * Turns request headers into the verified principal. Throws an error with `status: 401` when the
 * request does not carry a valid gateway signature; returns null only where the deployment allows
 * anonymous calls (tests of a single subgraph).
 */
export type Authenticate = (headers: IncomingHttpHeaders) => Principal | null;

/** Header carrying the principal: base64url JSON `{sub, roles, scopes, partnerId}`. */
export const PRINCIPAL_HEADER = 'x-c360-principal';
/** Header carrying the signing time in milliseconds since the epoch. */
export const TIMESTAMP_HEADER = 'x-c360-timestamp';
/** Header carrying hex HMAC-SHA256 over `timestamp + '.' + payload`. */
export const SIGNATURE_HEADER = 'x-c360-signature';

/** Oldest signature a subgraph accepts by default, in ms (replay window). */
const DEFAULT_MAX_AGE_MS = 60_000;
/** Clock skew tolerated by default for timestamps in the future, in ms. */
const DEFAULT_MAX_FUTURE_MS = 5_000;

/** The least secret length accepted, in bytes (HMAC-SHA256 key strength). */
export const MIN_SECRET_BYTES = 32;

/** Signing secret shared by the gateway and the subgraphs. */
export type PrincipalSecret = string | Uint8Array;

/** A request that does not carry a valid gateway signature; servers answer it with 401. */
export class PrincipalHeaderError extends Error {
  readonly status = 401;
  readonly code = 'UNAUTHENTICATED';
  constructor(message: string) {
    super(message);
    this.name = 'PrincipalHeaderError';
  }
}

/** Options of {@link verifyPrincipalHeaders}. */
export interface VerifyPrincipalOptions {
  /** Oldest signature accepted, in ms (replay window). Default 60 000. */
  maxAgeMs?: number;
  /** Clock skew tolerated for timestamps in the future, in ms. Default 5 000. */
  maxFutureMs?: number;
  /** Current time in ms (tests). Default `Date.now()`. */
  now?: number;
}

/** Options of {@link createAuthenticate}. */
export interface AuthenticateOptions {
  /** The gateway's principal signing secret (at least 32 bytes). */
  secret: PrincipalSecret;
  /** Replay window in ms. Default 60 000. */
  maxAgeMs?: number;
  /**
   * Benchmarks only: a request that carries none of the principal headers is let through as this
   * principal (for gateways that cannot sign). Never set by `npm start` or in production.
   */
  allowUnsignedForBenchmarks?: Principal;
}

interface WirePrincipal {
  sub: string;
  roles: string[];
  scopes: string[];
  partnerId?: string;
}

function secretBytes(secret: PrincipalSecret, where: string): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new TypeError(`${where}: secret (the principal signing secret) must be at least ${MIN_SECRET_BYTES} bytes, got ${bytes.length}`);
  }
  return bytes;
}

function sign(key: Buffer, timestamp: string, payload: string): string {
  return createHmac('sha256', key).update(`${timestamp}.${payload}`).digest('hex');
}

/** Signed headers that forward a verified principal from the gateway to a subgraph. */
export function signPrincipalHeaders(principal: Principal, secret: PrincipalSecret, now: number = Date.now()): Record<string, string> {
  return signedHeaders(secretBytes(secret, 'signPrincipalHeaders'), wirePayload(principal), now);
}

function wirePayload(principal: Principal): string {
  const wire: WirePrincipal = { sub: principal.sub, roles: [...principal.roles], scopes: [...principal.scopes].sort() };
  if (principal.partnerId !== undefined) wire.partnerId = principal.partnerId;
  return Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
}

function signedHeaders(key: Buffer, payload: string, now: number): Record<string, string> {
  const timestamp = String(Math.floor(now));
  return { [PRINCIPAL_HEADER]: payload, [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: sign(key, timestamp, payload) };
}

/** Options of {@link createPrincipalSigner}. */
export interface PrincipalSignerOptions {
  /**
   * How long one principal's signed headers are handed out again, in ms (default 1 000): a
   * subgraph takes them for {@link VerifyPrincipalOptions.maxAgeMs} from their timestamp, so a
   * reused signature is one made up to this long ago, never one that lives longer. 0 signs every call.
   */
  reuseMs?: number;
  /** Clock in epoch ms (tests). Default `Date.now`. */
  now?(): number;
}

/**
 * The gateway's signer: {@link signPrincipalHeaders} with the key read once, each principal's
 * payload encoded once (the verifier hands every request of a token the same principal), and its
 * signed headers reused for `reuseMs`, instead of an HMAC for every subgraph fetch. The headers
 * handed out are frozen: callers copy them onto their requests.
 */
export function createPrincipalSigner(secret: PrincipalSecret, options: PrincipalSignerOptions = {}): (principal: Principal) => Readonly<Record<string, string>> {
  const key = secretBytes(secret, 'createPrincipalSigner');
  const reuseMs = options.reuseMs ?? 1000;
  const now = options.now ?? Date.now;
  const signed = new WeakMap<Principal, { payload: string; at: number; headers: Readonly<Record<string, string>> }>();
  return (principal) => {
    const at = now();
    const known = signed.get(principal);
    if (known && at >= known.at && at - known.at < reuseMs) return known.headers;
    const payload = known?.payload ?? wirePayload(principal);
    const headers = Object.freeze(signedHeaders(key, payload, at));
    signed.set(principal, { payload, at, headers });
    return headers;
  };
}

function single(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  // A repeated header is either a proxy bug or an attempt to smuggle a second principal.
  if (typeof value !== 'string') throw new PrincipalHeaderError(`malformed ${name} header`);
  return value;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function parsePayload(payload: string): Principal {
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new PrincipalHeaderError(`malformed ${PRINCIPAL_HEADER} header`);
  }
  const w = wire as Partial<WirePrincipal> | null;
  if (
    !w ||
    typeof w !== 'object' ||
    typeof w.sub !== 'string' ||
    w.sub.length === 0 ||
    !isStringArray(w.roles) ||
    !isStringArray(w.scopes) ||
    (w.partnerId !== undefined && (typeof w.partnerId !== 'string' || w.partnerId.length === 0))
  ) {
    throw new PrincipalHeaderError(`malformed ${PRINCIPAL_HEADER} header`);
  }
  return { sub: w.sub, roles: [...w.roles], scopes: new Set(w.scopes), ...(w.partnerId !== undefined ? { partnerId: w.partnerId } : {}) };
}

/** Verifies the signed principal headers; throws {@link PrincipalHeaderError} (status 401) when missing, malformed, forged or expired. */
export function verifyPrincipalHeaders(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
  secret: PrincipalSecret,
  options: VerifyPrincipalOptions = {},
): Principal {
  const key = secretBytes(secret, 'verifyPrincipalHeaders');
  const { maxAgeMs = DEFAULT_MAX_AGE_MS, maxFutureMs = DEFAULT_MAX_FUTURE_MS, now = Date.now() } = options;
  const payload = single(headers, PRINCIPAL_HEADER);
  const timestamp = single(headers, TIMESTAMP_HEADER);
  const signature = single(headers, SIGNATURE_HEADER);
  if (payload === undefined || timestamp === undefined || signature === undefined) {
    throw new PrincipalHeaderError('missing gateway principal signature');
  }
  if (!/^\d{1,16}$/.test(timestamp)) throw new PrincipalHeaderError(`malformed ${TIMESTAMP_HEADER} header`);
  if (!/^[0-9a-f]{64}$/i.test(signature)) throw new PrincipalHeaderError(`malformed ${SIGNATURE_HEADER} header`);
  const expected = Buffer.from(sign(key, timestamp, payload), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) throw new PrincipalHeaderError('invalid gateway principal signature');
  // Checked after the signature so that an attacker learns nothing about our clock from forgeries.
  checkAge(timestamp, maxAgeMs, maxFutureMs, now);
  return parsePayload(payload);
}

function checkAge(timestamp: string, maxAgeMs: number, maxFutureMs: number, now: number): void {
  const age = now - Number(timestamp);
  if (age > maxAgeMs) throw new PrincipalHeaderError('expired gateway principal signature');
  if (age < -maxFutureMs) throw new PrincipalHeaderError('gateway principal signature from the future');
}

/** Signatures a subgraph remembers having verified (see createAuthenticate). */
const VERIFIED_SIGNATURES = 1024;

/**
 * Creates the subgraphs' {@link Authenticate}: the verified principal of the gateway's signed
 * headers. The gateway reuses a principal's signature for a moment (createPrincipalSigner), so a
 * signature verified once is remembered with its payload and timestamp: the same three headers
 * again skip the HMAC and the parse (the age is checked every time), and their requests share one
 * read-only principal.
 */
export function createAuthenticate(options: AuthenticateOptions): Authenticate {
  const key = secretBytes(options.secret, 'createAuthenticate');
  const { maxAgeMs, allowUnsignedForBenchmarks: benchPrincipal } = options;
  const verifyOptions = maxAgeMs === undefined ? {} : { maxAgeMs };
  const verified = new LRUCache<string, { payload: string; timestamp: string; principal: Principal }>({ max: VERIFIED_SIGNATURES });
  return (headers) => {
    if (
      benchPrincipal &&
      headers[PRINCIPAL_HEADER] === undefined &&
      headers[TIMESTAMP_HEADER] === undefined &&
      headers[SIGNATURE_HEADER] === undefined
    ) {
      return benchPrincipal;
    }
    const signature = headers[SIGNATURE_HEADER];
    const known = typeof signature === 'string' ? verified.get(signature) : undefined;
    if (known && headers[PRINCIPAL_HEADER] === known.payload && headers[TIMESTAMP_HEADER] === known.timestamp) {
      checkAge(known.timestamp, maxAgeMs ?? DEFAULT_MAX_AGE_MS, DEFAULT_MAX_FUTURE_MS, Date.now());
      return known.principal;
    }
    const principal = readOnlyPrincipal(verifyPrincipalHeaders(headers, key, verifyOptions));
    verified.set(signature as string, { payload: headers[PRINCIPAL_HEADER] as string, timestamp: headers[TIMESTAMP_HEADER] as string, principal });
    return principal;
  };
}
