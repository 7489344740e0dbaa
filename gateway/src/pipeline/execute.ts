import type { ApolloServer } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { forbiddenErrors } from '../auth/operation-filter.js';
import type { GatewayContext } from '../context.js';
import type { FetchCache } from '../plugins/fetch-cache.js';
import type { ResponseCache, ResponseToStore } from '../plugins/response-cache.js';
import type { GatewayAuth } from '../types.js';
import type { Answer, Exchange, Stage } from './stage.js';

/** Options of the execute stage. */
export interface ExecuteOptions {
  apollo: ApolloServer<GatewayContext>;
  auth: Pick<GatewayAuth, 'applyRemovedFields'>;
  schema(): GraphQLSchema | undefined;
  responseCache?: ResponseCache;
  fetchCache?: FetchCache;
}

/** A request's context. The arrays and objects are created here: Apollo may hand the data sources a shallow copy of it. */
export function newGatewayContext(exchange: Pick<Exchange, 'principal' | 'requestId' | 'req' | 'requireFresh' | 'cost' | 'report' | 'span'>): GatewayContext {
  const idempotencyKey = exchange.req.headers['idempotency-key'];
  return {
    principal: exchange.principal!,
    requestId: exchange.requestId,
    stale: [],
    invalidated: [],
    audits: [],
    freshness: {},
    report: exchange.report,
    ...(exchange.span ? { span: exchange.span } : {}),
    // Forwarded as sent: the subgraph validates it exactly as it validates the key in the input.
    idempotencyKey: typeof idempotencyKey === 'string' && !exchange.requireFresh ? idempotencyKey : undefined,
    ...(exchange.requireFresh ? { requireFresh: true } : {}),
    ...(exchange.cost ? { cost: exchange.cost } : {}),
  };
}

/**
 * Runs the request through Apollo Server (planning, subgraph fetches) and completes the answer:
 * the removed fields' nulls and errors are added, and when the exchange is storable, what the
 * response cache may keep is worked out. Only a complete, fresh answer is storable: execution
 * errors, stale data or a write in it never are. What the request's writes changed is evicted
 * from the caches, here and on every replica, before the answer leaves: a client that reads right
 * after its write sees the write.
 */
export function executeStage(options: ExecuteOptions): Stage {
  const { apollo, responseCache, fetchCache } = options;
  // Before the answer leaves: the audit records no subgraph writes, and the evictions of what the request's writes changed.
  const finish = async (context: GatewayContext) => {
    if (context.audits?.length) await Promise.all(context.audits);
    if (!context.invalidated || context.invalidated.length === 0) return;
    responseCache?.invalidate(context.invalidated);
    fetchCache?.invalidate(context.invalidated);
    await Promise.all([responseCache?.published(), fetchCache?.published()]);
  };
  return {
    name: 'execute',
    async handle(exchange): Promise<Answer> {
      const { request, operation } = exchange;
      if (!request) throw new Error('execute needs the request read');
      const context = newGatewayContext(exchange);
      const removed = operation?.removed ?? [];
      let tags: Iterable<string> | undefined;
      let bare = false;
      // Runs for every answer of Apollo's request pipeline (willSendResponse); an HTTP-level refusal is sent as Apollo wrote it.
      context.complete = (result) => {
        const cacheable = exchange.storable && !!result.data && (result.errors ?? []).length === 0 && !result.extensions?.stale && context.stale.length === 0 && !context.invalidated?.length;
        const schema = options.schema();
        // Tags are taken before the removed fields are written: those are nulls, not entities.
        if (cacheable && responseCache && schema && operation) tags = responseCache.tags(schema, operation.document, exchange.params?.operationName, result.data as Record<string, unknown>);
        if (removed.length > 0) {
          if (result.data && options.auth.applyRemovedFields) result.data = options.auth.applyRemovedFields(result.data, removed);
          result.errors = [...forbiddenErrors(removed), ...(result.errors ?? [])];
        }
        bare = result.extensions === undefined;
      };
      const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: async () => context });
      const status = response.status ?? 200;
      const headers: Record<string, string> = {};
      for (const [key, value] of response.headers) headers[key] = value;
      if (response.body.kind !== 'complete') {
        if (removed.length > 0) throw new Error('incremental delivery is not supported with field filtering');
        const chunks = response.body.asyncIterator;
        return { status, headers, stream: evictingAfter(chunks, () => finish(context)) };
      }
      await finish(context);
      delete headers['content-length'];
      const text = response.body.string;
      let toStore: ResponseToStore | undefined;
      if (tags && status === 200 && responseCache && operation) {
        // No longer than the shortest-lived record the subgraphs read from their caches.
        const freshUntil = context.freshness?.untilMs;
        const ttlMs = freshUntil === undefined ? operation.ttlMs : Math.min(operation.ttlMs, freshUntil - responseCache.now());
        // The removed-field errors are not execution errors: they are the same for every request of this class.
        toStore = { body: text, headers: { ...headers }, tags, ttlMs, staleMs: operation.staleMs, bare };
      }
      return { status, headers, body: text, toStore };
    },
  };
}

/** The chunks of a stream, then what must follow its end. */
async function* evictingAfter(chunks: AsyncIterable<string>, after: () => Promise<void>): AsyncIterable<string> {
  try {
    yield* chunks;
  } finally {
    await after();
  }
}
