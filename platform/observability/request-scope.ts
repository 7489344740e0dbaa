import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';

/**
 * What code deep below a request (connectors, caches, resilience policies) knows of the request
 * it works for, without it being passed down every call: the correlation id and the request's
 * logger, who is asking (for the backend-call metrics), the backend calls made so far, and the
 * signal that ends the request's backend work when the caller is gone.
 */
export interface RequestScope {
  /** Correlation id (`x-request-id`). */
  readonly requestId: string;
  /** The request's logger: every line it writes carries the request id and the component. */
  readonly log: Logger;
  /** Bounded label of the caller for the backend-call metrics (`support_agent`, `partner:001…`). */
  readonly clientClass?: string;
  /** Backend calls made for this request, by system. */
  readonly backendCalls: Record<string, number>;
  /** Record-cache lookups of this request, by result (`hit`, `miss`, `stale`). */
  readonly cacheResults?: Record<string, number>;
  /** Aborted when the request ends before its answer was sent (the caller hung up). */
  readonly signal?: AbortSignal;
}

/** What an asynchronous context carries: the request's scope and, with tracing on, OpenTelemetry's context. */
interface Carried {
  readonly scope?: RequestScope;
  readonly trace?: Context;
}

/**
 * One AsyncLocalStorage for both (the tracing context manager keeps its context here too, see
 * tracing.ts): on Node 20 every AsyncLocalStorage in use adds its own work to every promise of the
 * process.
 */
const storage = new AsyncLocalStorage<Carried>();

/** The scope of the request the calling code works for, if any. */
export function currentScope(): RequestScope | undefined {
  return storage.getStore()?.scope;
}

/** Runs `fn` (and everything it starts) in a request's scope. */
export function runInScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run({ scope, trace: storage.getStore()?.trace }, fn);
}

/** The trace context the calling code runs in (for the tracing context manager). */
export function carriedTraceContext(): Context | undefined {
  return storage.getStore()?.trace;
}

/** Runs `fn` with a trace context, in the caller's request scope (for the tracing context manager). */
export function runWithTraceContext<A extends unknown[], R>(trace: Context, fn: (...args: A) => R, ...args: A): R {
  return storage.run({ scope: storage.getStore()?.scope, trace }, fn, ...args);
}

/** Makes a trace context the current one for the rest of the calling asynchronous context (the context manager's `attach`). */
export function enterTraceContext(trace: Context | undefined): void {
  storage.enterWith({ scope: storage.getStore()?.scope, trace });
}

/** Counts one backend call of `system` for the current request. */
export function countBackendCall(system: string): void {
  const calls = storage.getStore()?.scope?.backendCalls;
  if (calls) calls[system] = (calls[system] ?? 0) + 1;
}

/** Counts one record-cache lookup result for the current request. */
export function countCacheResult(result: 'hit' | 'miss' | 'stale'): void {
  const results = storage.getStore()?.scope?.cacheResults;
  if (results) results[result] = (results[result] ?? 0) + 1;
}

/**
 * Runs `fn` in the current scope without its signal: work that outlives the request on purpose
 * (a stale record's refresh, shared by later requests) must not end when this caller hangs up.
 */
export function detachedFromCaller<T>(fn: () => T): T {
  const carried = storage.getStore();
  const scope = carried?.scope;
  if (!scope?.signal) return fn();
  return storage.run({ scope: { ...scope, signal: undefined }, trace: carried?.trace }, fn);
}

/** The header a subgraph answers its backend calls in (`odoo=3,salesforce=1`), summed by the gateway. */
export const BACKEND_CALLS_HEADER = 'x-c360-backend-calls';

/** `{ odoo: 3 }` as the header value `odoo=3`; undefined when no call was made. */
export function encodeBackendCalls(calls: Record<string, number>): string | undefined {
  let out = '';
  for (const [system, n] of Object.entries(calls)) if (n > 0) out += `${out ? ',' : ''}${system}=${n}`;
  return out || undefined;
}

/** Adds the calls a header value reports to `into`; ignores anything malformed. */
export function addBackendCalls(into: Record<string, number>, header: string | null | undefined): void {
  if (!header) return;
  for (const part of header.split(',')) {
    const match = /^([a-z]{1,20})=(\d{1,9})$/.exec(part.trim());
    if (match) into[match[1]!] = (into[match[1]!] ?? 0) + Number(match[2]);
  }
}
