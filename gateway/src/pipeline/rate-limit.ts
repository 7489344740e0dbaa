import type { Redis } from '../../../platform/redis/client.js';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Principal } from '../../../platform/authz/principal.js';
import type { Role } from '../../../platform/authz/roles.js';
import { jsonAnswer, type Stage } from './stage.js';

/** A request rate: `perSecond` on average, up to `burst` in one second. */
export interface RequestRate {
  perSecond: number;
  burst: number;
}

/** The default request rates (DESIGN.md): partners 10/s with bursts of 20, every other role 50/s with bursts of 100. */
export const DEFAULT_REQUEST_RATES: Readonly<Record<Role, RequestRate>> = {
  partner: { perSecond: 10, burst: 20 },
  support_agent: { perSecond: 50, burst: 100 },
  sales_rep: { perSecond: 50, burst: 100 },
  finance: { perSecond: 50, burst: 100 },
  admin: { perSecond: 50, burst: 100 },
};

/** Seconds over which the requests of a burst above the rate are given back. */
export const BURST_WINDOW_SECONDS = 10;

/** Options of the request limiter. */
export interface RequestLimiterOptions {
  rates?: Partial<Record<Role, RequestRate>>;
  /** Shared by every gateway replica when given; each replica counts alone (in process) otherwise. */
  redis?: Redis;
  /** Key prefix in Redis (default `c360:rate`). */
  keyPrefix?: string;
}

/** What a request costs of its client's rate, for the answer's headers. */
export interface RateDecision {
  allowed: boolean;
  rate: RequestRate;
  remaining: number;
  /** Seconds until the rate's window starts again. */
  resetSeconds: number;
}

/** Counts requests per client against its role's rate. */
export interface RequestLimiter {
  consume(principal: Principal): Promise<RateDecision>;
}

/**
 * A fixed-window counter of `points` per `duration` seconds: in Redis when given (every replica
 * counts together; a replica that cannot reach Redis goes on counting alone), in process otherwise.
 */
export function countingLimiter(redis: Redis | undefined, keyPrefix: string, points: number, duration: number): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration });
  if (!redis) return memory;
  return new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, insuranceLimiter: memory, rejectIfRedisNotReady: true });
}

/** Whose budget a request counts against: a reseller's integrations share one; everyone else has their own. */
export function rateKeyOf(principal: Principal): string {
  return principal.partnerId ? `partner:${principal.partnerId}` : `sub:${principal.sub}`;
}

/** The rate of a principal: a partner's, else the most generous of its roles'. */
export function rateOf(principal: Principal, rates: Record<Role, RequestRate>): RequestRate {
  if (principal.partnerId || principal.roles.includes('partner')) return rates.partner;
  const own = principal.roles.flatMap((r) => (r in rates ? [rates[r as Role]] : []));
  return own.sort((a, b) => b.perSecond - a.perSecond)[0] ?? rates.partner;
}

/**
 * Creates the request limiter (rate-limiter-flexible): one limiter per role, a bursty pair of a
 * one-second window at the rate and a ten-second window for what a burst takes above it. With
 * Redis, every replica counts against the same budget; if Redis fails, each replica goes on
 * counting alone rather than refusing everyone.
 */
export function createRequestLimiter(options: RequestLimiterOptions = {}): RequestLimiter {
  const rates = { ...DEFAULT_REQUEST_RATES, ...(options.rates ?? {}) } as Record<Role, RequestRate>;
  const prefix = options.keyPrefix ?? 'c360:rate';
  const make = (name: string, points: number, duration: number) => countingLimiter(options.redis, `${prefix}:${name}`, points, duration);
  const limiters = new Map<Role, BurstyRateLimiter>();
  for (const [role, rate] of Object.entries(rates) as [Role, RequestRate][]) {
    if (!(rate.perSecond > 0) || !(rate.burst >= rate.perSecond)) throw new TypeError(`rate of ${role} must have perSecond > 0 and burst >= perSecond, got ${rate.perSecond}/${rate.burst}`);
    limiters.set(role, new BurstyRateLimiter(make(role, rate.perSecond, 1), make(`${role}:burst`, Math.max(1, rate.burst - rate.perSecond), BURST_WINDOW_SECONDS)));
  }
  // Which limiter and key a principal counts against, worked out once per principal (the verifier shares one among a token's requests).
  const placed = new WeakMap<Principal, { rate: RequestRate; limiter: BurstyRateLimiter; key: string }>();
  const placeOf = (principal: Principal) => {
    let place = placed.get(principal);
    if (!place) {
      const rate = rateOf(principal, rates);
      const role = (Object.entries(rates) as [Role, RequestRate][]).find(([, r]) => r === rate)![0];
      place = { rate, limiter: limiters.get(role)!, key: rateKeyOf(principal) };
      placed.set(principal, place);
    }
    return place;
  };
  return {
    consume(principal) {
      const { rate, limiter, key } = placeOf(principal);
      return limiter.consume(key, 1).then(
        (res: RateLimiterRes) => ({ allowed: true, rate, remaining: Math.max(0, res.remainingPoints), resetSeconds: Math.ceil(res.msBeforeNext / 1000) }),
        (err: unknown) => {
          if (!(err instanceof RateLimiterRes)) throw err;
          return { allowed: false, rate, remaining: 0, resetSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
        },
      );
    },
  };
}

/** The IETF draft's RateLimit-Policy and RateLimit headers for a decision. */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  const { perSecond, burst } = decision.rate;
  return {
    'ratelimit-policy': `"requests";q=${perSecond};w=1, "burst";q=${burst - perSecond};w=${BURST_WINDOW_SECONDS}`,
    ratelimit: `"requests";r=${decision.remaining};t=${decision.resetSeconds}`,
  };
}

/**
 * Rate limits per client, right after authentication (before the body is even read): over its
 * rate a client gets 429 RATE_LIMITED with Retry-After; every answer carries the RateLimit
 * headers so that clients can pace themselves.
 */
export function rateLimitStage(limiter: RequestLimiter): Stage {
  return {
    name: 'rate-limit',
    handle(exchange, next) {
      if (!exchange.principal) return next();
      return limiter.consume(exchange.principal).then((decision) => {
        const headers = rateLimitHeaders(decision);
        if (!decision.allowed) {
          return jsonAnswer(
            429,
            { errors: [{ message: `Too many requests: at most ${decision.rate.perSecond} per second (bursts of ${decision.rate.burst}); retry in ${decision.resetSeconds} s`, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: decision.resetSeconds } }] },
            { ...headers, 'retry-after': String(decision.resetSeconds) },
          );
        }
        // Whichever later stage answers, the answer carries them (the server writes them).
        exchange.answerHeaders = exchange.answerHeaders ? { ...exchange.answerHeaders, ...headers } : headers;
        return next();
      });
    },
  };
}
