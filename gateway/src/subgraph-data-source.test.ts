import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { HeaderMap } from '@apollo/server';
import { describe, expect, it } from 'vitest';
import { REQUIRE_FRESH_HEADER } from '../../platform/http/internal-headers.js';
import type { GatewayContext } from './context.js';
import { SubgraphDataSource } from './subgraph-data-source.js';

type Received = Parameters<NonNullable<SubgraphDataSource['didReceiveResponse']>>[0];

function source(name: string, now: () => number) {
  return new SubgraphDataSource({ name, url: 'http://127.0.0.1:1/graphql', timeoutMs: 1000, principalHeaders: () => ({}), now });
}

function context(): GatewayContext {
  return { principal: { sub: 't', roles: [], scopes: new Set() }, requestId: 'r', stale: [], invalidated: [], freshness: {} };
}

async function receive(ds: SubgraphDataSource, ctx: GatewayContext, extensions?: Record<string, unknown>): Promise<void> {
  const response: GatewayGraphQLResponse = { data: {}, ...(extensions ? { extensions } : {}) };
  await ds.didReceiveResponse({ response, context: ctx } as unknown as Received);
}

describe('SubgraphDataSource: freshness of subgraph answers', () => {
  it('keeps the earliest extensions.freshForMs deadline over every fetch of a request', async () => {
    let now = 1_000;
    const orders = source('orders', () => now);
    const accounts = source('accounts', () => now);
    const ctx = context();
    await receive(accounts, ctx, { freshForMs: 250_000 });
    expect(ctx.freshness?.untilMs).toBe(251_000);
    now += 500;
    await receive(orders, ctx, { freshForMs: 2_000 });
    await receive(orders, ctx); // nothing cached read: no say
    await receive(accounts, ctx, { freshForMs: 9_000 });
    expect(ctx.freshness?.untilMs).toBe(3_500);
  });

  it('ignores malformed values and answers without freshness', async () => {
    const ds = source('orders', () => 0);
    const ctx = context();
    await receive(ds, ctx, { freshForMs: -5 });
    await receive(ds, ctx, { freshForMs: 'soon' });
    await receive(ds, ctx, { freshForMs: Number.NaN });
    await receive(ds, ctx);
    expect(ctx.freshness?.untilMs).toBeUndefined();
  });
});

describe('SubgraphDataSource: refreshes of cached responses', () => {
  it('asks the subgraphs for fresh records only when the request is a refresh', () => {
    const ds = source('orders', () => 0);
    const headersFor = (ctx: GatewayContext) => {
      const request = { http: { url: '', method: 'POST', headers: new HeaderMap() } };
      ds.willSendRequest({ request, context: ctx } as unknown as Parameters<SubgraphDataSource['willSendRequest']>[0]);
      return request.http.headers;
    };
    expect(headersFor(context()).get(REQUIRE_FRESH_HEADER)).toBeUndefined();
    expect(headersFor({ ...context(), requireFresh: true }).get(REQUIRE_FRESH_HEADER)).toBe('1');
  });
});
