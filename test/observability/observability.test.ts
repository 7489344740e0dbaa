import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type TracingHandle } from '../../platform/observability/tracing.js';
import { CUSTOMER_360, PARTNER_ORDERS } from '../queries.js';
import { captureLogs } from '../support/log-capture.js';
import { spanTree, startOtlpReceiver } from '../support/otlp-receiver.js';
import { startTestSystem, testSettings, type Backend, type TestSystem } from '../support/system.js';

/**
 * The whole system in one process with traces exported over OTLP/HTTP JSON to a receiver here,
 * and every log line captured: one customer-360 query is one trace rooted at the gateway's span,
 * with a span for each subgraph request and for each backend call the sandboxes counted; its log
 * line carries the request id the client sent (echoed), the trace id and the backend calls, and no
 * line of the run holds a token or an email; /metrics (on its admin port) shows the request
 * histogram, the process metrics and the backend calls by client class.
 */
const logs = captureLogs('debug');
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let tracing: TracingHandle | undefined;
let system: TestSystem;
let metricsUrl: string | undefined;
const tokens: string[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  tracing = await startTracing({ serviceName: 'customer360-test', env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } });
  system = await startTestSystem({
    settings: testSettings({ metricsPort: 0 }),
    log: (line) => {
      const match = /^metrics\s+(\S+)/.exec(line);
      if (match) metricsUrl = match[1];
    },
  });
});
afterAll(async () => {
  await system?.close();
  await tracing?.shutdown();
  await receiver?.close();
});

async function send(query: string, variables: Record<string, unknown>, token: string, requestId?: string) {
  tokens.push(token);
  const res = await fetch(system.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(requestId ? { 'x-request-id': requestId } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { res, body: (await res.json()) as { data?: any; errors?: any[] } };
}

const requestLine = (requestId: string) => logs.lines.find((l) => l.msg === 'request' && l.requestId === requestId);

describe('one customer-360 query', () => {
  const requestId = `test-${randomUUID()}`;
  let answer: Awaited<ReturnType<typeof send>>;
  let served: Record<Backend, number>;

  beforeAll(async () => {
    await system.resetSandboxes();
    answer = await send(CUSTOMER_360, { id: system.skeleton!.examples.manyOrders }, await system.token('support_agent'), requestId);
    const after = await Promise.all((['odoo', 'salesforce', 'zendesk'] as const).map((b) => system.stats(b)));
    served = { odoo: after[0]!.calls, salesforce: after[1]!.calls, zendesk: after[2]!.calls };
    await tracing!.flush();
  });

  it('is answered, with the request id echoed', () => {
    expect(answer.res.status).toBe(200);
    expect(answer.body.data.customer.name).toBeTruthy();
    expect(answer.res.headers.get('x-request-id')).toBe(requestId);
  });

  it('is one trace: the gateway span is the ancestor of every subgraph span and every backend call span, one span per call the sandboxes served', () => {
    const line = requestLine(requestId);
    expect(line?.traceId).toMatch(/^[0-9a-f]{32}$/);
    const spans = receiver.spans.filter((s) => s.traceId === line!.traceId);
    const root = spans.find((s) => s.name === 'gateway request');
    expect(root).toBeDefined();
    expect(root!.parentSpanId).toBeFalsy();
    expect(root!.attributes['c360.request_id']).toBe(requestId);
    const tree = spanTree(spans);
    // @apollo/gateway's own spans are not recorded (TRACE_GATEWAY_PHASES unset): the gateway's span
    // of each subgraph fetch hangs under the request's, and the subgraph's span under the fetch's.
    expect(spans.filter((s) => s.name.startsWith('gateway.'))).toEqual([]);
    const fetches = spans.filter((s) => s.name.startsWith('fetch '));
    expect(fetches.length).toBeGreaterThanOrEqual(5);
    for (const fetch of fetches) expect(fetch.parentSpanId).toBe(root!.spanId);
    const subgraphSpans = spans.filter((s) => s.name.startsWith('subgraph '));
    expect(new Set(subgraphSpans.map((s) => s.attributes['c360.subgraph']))).toEqual(new Set(['accounts', 'orders', 'stock', 'invoices', 'cases']));
    for (const span of subgraphSpans) expect(tree.parentOf(span)?.name).toBe(`fetch ${span.attributes['c360.subgraph']}`);
    const backendSpans = spans.filter((s) => s.attributes['c360.backend.system'] !== undefined);
    for (const span of [...subgraphSpans, ...backendSpans]) expect(tree.descends(span, root!), `${span.name} descends from the gateway span`).toBe(true);
    // Every backend call span sits inside a subgraph span.
    for (const span of backendSpans) {
      expect(
        subgraphSpans.some((subgraph) => tree.descends(span, subgraph)),
        `${span.name} has a subgraph ancestor`,
      ).toBe(true);
    }
    const count = (system: string) => backendSpans.filter((s) => s.attributes['c360.backend.system'] === system).length;
    expect({ odoo: count('odoo'), salesforce: count('salesforce'), zendesk: count('servicedesk') }).toEqual(served);
    // No backend call of the process escaped the request's trace.
    expect(receiver.spans.filter((s) => s.attributes['c360.backend.system'] !== undefined && s.traceId !== line!.traceId)).toEqual([]);
    const read = backendSpans.find((s) => s.attributes['c360.backend.method'] === 'search_read');
    expect(read?.attributes).toMatchObject({ 'c360.backend.system': 'odoo', 'c360.backend.attempt': 0, 'c360.cache.result': 'miss' });
    expect(typeof read?.attributes['c360.backend.records']).toBe('number');
  });

  it('has one log line with its request id, operation, status, duration and backend calls', () => {
    const line = requestLine(requestId)!;
    expect(line).toMatchObject({ level: 'info', component: 'gateway', operationName: 'Customer360', operationType: 'query', status: 200, sub: expect.any(String), roles: ['support_agent'], clientClass: 'support_agent', cache: 'miss' });
    expect(line.durationMs).toBeGreaterThan(0);
    expect(line.errors).toContain('FORBIDDEN');
    expect(line.backendCalls).toEqual({ odoo: served.odoo, salesforce: served.salesforce, servicedesk: served.zendesk });
    expect(logs.lines.filter((l) => l.msg === 'request' && l.requestId === requestId)).toHaveLength(1);
  });

  it('carries its request id in the log lines of every subgraph it reached', () => {
    const components = new Set(logs.lines.filter((l) => l.requestId === requestId).map((l) => l.component));
    for (const name of ['gateway', 'accounts', 'orders', 'stock', 'invoices', 'cases']) expect(components).toContain(name);
  });
});

describe('/metrics', () => {
  it('shows the request histogram, the process metrics and the backend calls by client class after queries of two roles', async () => {
    const world = system.skeleton!;
    await send(CUSTOMER_360, { id: world.examples.fewOrders }, await system.token('sales_rep'));
    const partner = world.examples.reseller;
    const partnerAnswer = await send(PARTNER_ORDERS, { id: world.examples.resellerCustomer }, await system.token('partner', partner));
    expect(partnerAnswer.body.data.customer.id).toBe(world.examples.resellerCustomer);
    expect(metricsUrl).toBeDefined();
    const text = await (await fetch(metricsUrl!)).text();
    expect(text).toMatch(/c360_gateway_request_duration_seconds_bucket\{le="[^"]+",operation_name="Customer360",operation_type="query",outcome="partial"\} \d+/);
    expect(text).toMatch(/c360_gateway_requests_total\{operation_name="PartnerOrders",operation_type="query",outcome="ok"\} 1/);
    expect(text).toMatch(/c360_process_cpu_user_seconds_total \d/);
    expect(text).toMatch(/c360_nodejs_eventloop_lag_seconds \d/);
    expect(text).toMatch(/c360_backend_calls_by_client_total\{system="odoo",client_class="sales_rep"\} [1-9]/);
    expect(text).toMatch(new RegExp(`c360_backend_calls_by_client_total\\{system="odoo",client_class="partner:${partner}"\\} [1-9]`));
    expect(text).toMatch(/c360_gateway_subgraph_fetch_duration_seconds_count\{subgraph="orders",status="200"\} [1-9]/);
    // /metrics lives on the admin port only.
    expect((await fetch(system.gatewayUrl.replace(/\/graphql$/, '/metrics'))).status).toBe(404);
  });
});

describe('the log lines of the run', () => {
  it('hold no token and no email address', () => {
    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    for (const token of new Set(tokens)) {
      expect(text).not.toContain(token);
      // Not even one part of a JWT (its signature or payload).
      for (const part of token.split('.').slice(1)) expect(text).not.toContain(part);
    }
    expect(text).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}/);
  });
});
