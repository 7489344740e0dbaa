import { HeaderMap } from '@apollo/server';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { CachedResponse, ResponseCache } from '../plugins/response-cache.js';
import { responseCacheRefreshTotal, responseCacheTotal } from '../plugins/response-cache-metrics.js';
import { markStale } from '../plugins/stale-mark.js';
import { responseCacheKey } from '../plugins/response-cache-key.js';
import { variablesKeyOf, type Answer, type Exchange, type Next, type Stage } from './stage.js';

/** Options of the response-cache stage. */
export interface ResponseCacheStageOptions {
  cache: ResponseCache;
  /** Where a failed background refresh is reported. */
  onRefreshError?(err: unknown): void;
}

/**
 * The whole-response cache, after authentication and filtering, before execution. A fresh hit is
 * answered here, before Apollo's request pipeline (so Apollo's CSRF rule is checked here too); a
 * hit within its stale window is answered flagged in `extensions.stale` while one background
 * execution refreshes it; a miss runs the rest of the pipeline once for every identical request
 * in flight, and what it answers is stored when storable.
 */
export function responseCacheStage(options: ResponseCacheStageOptions): Stage {
  const { cache } = options;
  return {
    name: 'response-cache',
    handle(exchange, next) {
      const { operation, principal, params } = exchange;
      if (!operation || !principal || operation.ttlMs <= 0 || params?.invalidVariables || !preflighted(exchange.req.headers)) return next();
      const accept = headerValue(exchange.req.headers.accept);
      // The analysis of the client's text, not the filtered text: two texts that filter to one query
      // differ in the FORBIDDEN errors their answers carry (the visibility class fixes what is filtered out).
      const key = responseCacheKey({ operationId: operation.id, variablesKey: variablesKeyOf(exchange), accept });
      const found = cache.lookup(key);
      if (found && !found.stale) {
        responseCacheTotal.inc(HIT);
        return Promise.resolve(cachedAnswer(found.entry, 'hit'));
      }
      if (found?.stale) {
        // Staleness is always visible: the body names it, and a body we cannot flag is not served stale.
        const body = markStale(found.entry.body, { response: true, ageMs: found.ageMs, reason: 'revalidating' }, found.entry.bare);
        if (body !== undefined) {
          responseCacheTotal.inc({ result: 'stale' });
          refresh(key, exchange, accept, next);
          return Promise.resolve(cachedAnswer({ ...found.entry, body }, 'stale'));
        }
      }
      return load(key, exchange, next);
    },
  };

  /** A miss: the rest of the pipeline runs once for every identical request in flight, and what it answers is stored when storable. */
  async function load(key: string, exchange: Exchange, next: Next): Promise<Answer> {
    const result = await cache.load(key, async () => {
      const answer = await next({ ...exchange, storable: true });
      return { outcome: answer, toStore: 'body' in answer ? answer.toStore : undefined };
    });
    if (result.kind === 'joined') {
      responseCacheTotal.inc(HIT);
      return cachedAnswer(result.entry, 'hit');
    }
    responseCacheTotal.inc({ result: 'miss' });
    const answer = result.outcome;
    return 'body' in answer ? { ...answer, headers: { ...answer.headers, 'x-cache': 'miss' }, toStore: undefined } : answer;
  }

  /**
   * Refreshes a response served stale, in the background and once per key: the same filtered
   * query and variables, run through the rest of the pipeline for the principal that asked (it
   * was verified; its visibility class is part of the key), loading records past their TTL instead
   * of serving them stale (an answer holding stale records would not be stored).
   */
  function refresh(key: string, exchange: Exchange, accept: string | undefined, next: Next): void {
    const refreshing = cache.revalidate(key, async () => {
      const answer = await next(refreshExchange(exchange, accept));
      if ('stream' in answer) {
        for await (const _chunk of answer.stream) {
          // Never stored: only complete answers are cached.
        }
        return undefined;
      }
      return answer.toStore;
    });
    refreshing?.then(
      (stored) => responseCacheRefreshTotal.inc({ result: stored ? 'stored' : 'discarded' }),
      (err: unknown) => {
        responseCacheRefreshTotal.inc({ result: 'failed' });
        options.onRefreshError?.(err);
      },
    );
  }
}

/** The labels of a hit, made once (one label set per hit otherwise). */
const HIT = { result: 'hit' } as const;

/** The exchange of a background refresh: a new request of the filtered query, for the same principal. */
function refreshExchange(exchange: Exchange, accept: string | undefined): Exchange {
  const headers = new HeaderMap();
  headers.set('content-type', 'application/json');
  if (accept !== undefined) headers.set('accept', accept);
  const body: Record<string, unknown> = { query: exchange.operation!.query };
  if (exchange.params?.operationName !== undefined) body.operationName = exchange.params.operationName;
  if (exchange.params?.variables) body.variables = structuredClone(exchange.params.variables);
  return { ...exchange, requestId: randomUUID(), request: { method: 'POST', headers, search: '', body }, storable: true, requireFresh: true };
}

/** The headers of a fresh hit on each cached response, made at its first hit (read-only: hits are the most frequent answers, and share them). */
const hitHeaders = new WeakMap<Pick<CachedResponse, 'body' | 'headers'>, Record<string, string>>();

/** A cached response as an answer; `x-cache` says whether it was fresh (`hit`) or served stale. */
function cachedAnswer(cached: Pick<CachedResponse, 'body' | 'headers'>, state: 'hit' | 'stale'): Answer {
  if (state === 'stale') return { status: 200, headers: { ...cached.headers, 'x-cache': state }, body: cached.body };
  let headers = hitHeaders.get(cached);
  if (!headers) {
    headers = Object.freeze({ ...cached.headers, 'x-cache': state });
    hitHeaders.set(cached, headers);
  }
  return { status: 200, headers, body: cached.body };
}

const SIMPLE_CONTENT_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

/**
 * Whether a request passes Apollo Server's CSRF prevention (a non-simple content type or a
 * preflight header). A hit is served before Apollo sees the request, so the check is repeated here.
 */
function preflighted(headers: IncomingHttpHeaders): boolean {
  const contentType = headerValue(headers['content-type']);
  if (contentType === 'application/json') return true;
  if (contentType !== undefined && !SIMPLE_CONTENT_TYPES.has(contentType.split(';')[0]!.trim().toLowerCase())) return true;
  return headers['x-apollo-operation-name'] !== undefined || headers['apollo-require-preflight'] !== undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
