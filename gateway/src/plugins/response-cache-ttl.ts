import type { DocumentNode, GraphQLSchema } from 'graphql';
import { cacheLifetimesOf, operationLifetime, withOverrides, type CacheLifetimes, type LifetimeOverrides, type OperationLifetime } from '../../../platform/cache-lifetimes/index.js';

export { cacheLifetimesOf, withOverrides, type CacheLifetimes, type LifetimeOverrides, type OperationLifetime };

/** Seconds by type or field coordinate (`Order`, `Product.availability`): the shape of the TTL and stale-window override options. */
export type TtlRules = Readonly<Record<string, number>>;

/** TTL (seconds) of data whose lifetime nobody declared (Apollo's defaultMaxAge). */
export const DEFAULT_UNKNOWN_TTL_SECONDS = 30;

/** Stale-while-revalidate window (seconds) of data whose lifetime nobody declared. */
export const DEFAULT_UNKNOWN_STALE_WINDOW_SECONDS = 30;

/** Lifetimes of a schema that declares none: every field takes the unknown TTL. */
export const NO_LIFETIMES: CacheLifetimes = { hints: new Map(), fieldTypes: new Map(), types: new Set() };

/** What an answer's lifetime falls back to where the supergraph declares none (seconds). */
export interface UnknownLifetime {
  ttlSeconds: number;
  staleWindowSeconds: number;
}

/**
 * The cache policy of an operation's response, from the lifetimes the supergraph declares with
 * `@cacheControl` and `@staleWindow` (`cacheLifetimesOf(supergraphSdl)`): the shortest lifetime of
 * the fields it selects, by Apollo's rules (see `operationLifetime`), walked with `TypeInfo` over
 * the API schema. Data with no declaration takes `unknown`.
 */
export function responseLifetime(
  schema: GraphQLSchema,
  document: DocumentNode,
  lifetimes: CacheLifetimes,
  unknown: UnknownLifetime = { ttlSeconds: DEFAULT_UNKNOWN_TTL_SECONDS, staleWindowSeconds: DEFAULT_UNKNOWN_STALE_WINDOW_SECONDS },
): OperationLifetime {
  const staleWhileRevalidate = unknown.staleWindowSeconds;
  return operationLifetime(schema, document, lifetimes, { maxAge: unknown.ttlSeconds, staleWhileRevalidate, staleIfError: staleWhileRevalidate });
}

/** The TTL (seconds) of an operation's response: the smallest declared maxAge of the fields it selects. */
export function operationTtlSeconds(schema: GraphQLSchema, document: DocumentNode, lifetimes: CacheLifetimes, unknownTtlSeconds = DEFAULT_UNKNOWN_TTL_SECONDS): number {
  return responseLifetime(schema, document, lifetimes, { ttlSeconds: unknownTtlSeconds, staleWindowSeconds: DEFAULT_UNKNOWN_STALE_WINDOW_SECONDS }).maxAge;
}

/** The stale-while-revalidate window (seconds past the TTL) of an operation's response: the smallest of the fields it selects. */
export function operationStaleSeconds(schema: GraphQLSchema, document: DocumentNode, lifetimes: CacheLifetimes, unknownStaleSeconds = DEFAULT_UNKNOWN_STALE_WINDOW_SECONDS): number {
  return responseLifetime(schema, document, lifetimes, { ttlSeconds: DEFAULT_UNKNOWN_TTL_SECONDS, staleWindowSeconds: unknownStaleSeconds }).staleWhileRevalidate;
}

/** Checks TTL rules: every value a finite number of seconds >= 0; throws a TypeError naming the bad one. */
export function validateTtlRules(rules: Record<string, unknown>, option: string): TtlRules {
  for (const [key, value] of Object.entries(rules)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`${option}["${key}"] must be a number of seconds >= 0, got ${String(value)}`);
    }
  }
  return rules as TtlRules;
}

/**
 * The lifetimes with per-coordinate overrides of maxAge (`ttlSeconds`) and of the
 * stale-while-revalidate window (`windowSeconds`) applied; throws a TypeError naming a bad rule.
 */
export function lifetimesWithRules(lifetimes: CacheLifetimes, ttlSeconds: Record<string, unknown> = {}, windowSeconds: Record<string, unknown> = {}): CacheLifetimes {
  const overrides: Record<string, { maxAge?: number; staleWhileRevalidate?: number }> = {};
  for (const [coordinate, seconds] of Object.entries(validateTtlRules(ttlSeconds, 'ttlSeconds'))) overrides[coordinate] = { maxAge: Math.round(seconds) };
  const withTtls = withOverrides(lifetimes, overrides, 'ttlSeconds');
  const windows: Record<string, { staleWhileRevalidate: number }> = {};
  for (const [coordinate, seconds] of Object.entries(validateTtlRules(windowSeconds, 'staleWhileRevalidate.windowSeconds'))) windows[coordinate] = { staleWhileRevalidate: Math.round(seconds) };
  return withOverrides(withTtls, windows, 'staleWhileRevalidate.windowSeconds');
}
