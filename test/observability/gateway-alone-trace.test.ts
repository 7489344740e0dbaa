import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_KEYS_DIR } from '../../gateway/src/auth/dev-keys.js';
import { startTracing, type TracingHandle } from '../../platform/observability/tracing.js';
import { CUSTOMER_360 } from '../queries.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { spanTree, startOtlpReceiver } from '../support/otlp-receiver.js';
import { startTestSystem, testSettings, type TestSystem } from '../support/system.js';

/**
 * The gateway as `npm run gateway` runs it, alone in its process, which registers no context
 * manager: its spans are handed on explicitly (the request's span to each fetch's, the fetch's
 * context to the subgraph in `traceparent`). The subgraphs run here, traced as a subgraph's own
 * process is. One customer-360 query is still one trace: the gateway's request span, a `fetch`
 * span per subgraph fetch under it, each subgraph's span under its fetch, every backend call below.
 */
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let tracing: TracingHandle | undefined;
let system: TestSystem;
let gateway: GatewayProcess;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  tracing = await startTracing({ serviceName: 'customer360-test-subgraphs', env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } });
  system = await startTestSystem({ settings: testSettings(), gateway: false, devKeysDir: DEV_KEYS_DIR });
  const env: Record<string, string> = {
    PRINCIPAL_SECRET: system.principalSecret,
    AUDIT_LOG_PATH: join(mkdtempSync(join(tmpdir(), 'c360-gateway-trace-')), 'audit.jsonl'),
    TRUSTED_DOCUMENTS: 'off',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'customer360-gateway',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  for (const [name, subgraph] of Object.entries(system.subgraphs)) env[`${name.toUpperCase()}_SUBGRAPH_URL`] = subgraph.url;
  gateway = await startGatewayProcess(env);
}, 90_000);
afterAll(async () => {
  await gateway?.stop('SIGKILL');
  await system?.close();
  await tracing?.shutdown();
  await receiver?.close();
});

describe('the trace of a request through a gateway alone in its process', () => {
  it('is one trace from the gateway request span through a fetch span per subgraph fetch to every backend call', async () => {
    const requestId = randomUUID();
    const before = await Promise.all((['odoo', 'salesforce', 'zendesk'] as const).map((b) => system.stats(b)));
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await system.token('support_agent')}`, 'x-request-id': requestId },
      body: JSON.stringify({ query: CUSTOMER_360, variables: { id: system.skeleton!.examples.manyOrders } }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { customer: { name: string } } }).data.customer.name).toBeTruthy();
    const after = await Promise.all((['odoo', 'salesforce', 'zendesk'] as const).map((b) => system.stats(b)));
    const served = { odoo: after[0]!.calls - before[0]!.calls, salesforce: after[1]!.calls - before[1]!.calls, zendesk: after[2]!.calls - before[2]!.calls };
    await tracing!.flush();

    // The gateway's process writes its log lines within 200 ms.
    await expect.poll(() => gateway.lines.some((l) => l.msg === 'request' && l.requestId === requestId), { timeout: 5_000 }).toBe(true);
    const line = gateway.lines.find((l) => l.msg === 'request' && l.requestId === requestId);
    expect(line?.traceId).toMatch(/^[0-9a-f]{32}$/);
    const inTrace = () => receiver.spans.filter((s) => s.traceId === line!.traceId);
    // The gateway's process exports on its own schedule (100 ms here).
    await expect.poll(() => inTrace().filter((s) => s.name === 'gateway request').length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => inTrace().filter((s) => s.name.startsWith('fetch ')).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    const spans = inTrace();
    const tree = spanTree(spans);
    const root = spans.find((s) => s.name === 'gateway request')!;
    expect(root.parentSpanId).toBeFalsy();
    expect(root.serviceName).toBe('customer360-gateway');
    expect(root.attributes['c360.request_id']).toBe(requestId);
    // @apollo/gateway's own spans are not recorded (TRACE_GATEWAY_PHASES unset).
    expect(spans.filter((s) => s.name.startsWith('gateway.'))).toEqual([]);

    const fetches = spans.filter((s) => s.name.startsWith('fetch '));
    for (const span of fetches) {
      expect(span.parentSpanId).toBe(root.spanId);
      expect(span.name).toBe(`fetch ${span.attributes['c360.subgraph']}`);
    }
    const subgraphSpans = spans.filter((s) => s.name.startsWith('subgraph '));
    expect(new Set(subgraphSpans.map((s) => s.attributes['c360.subgraph']))).toEqual(new Set(['accounts', 'orders', 'stock', 'invoices', 'cases']));
    for (const span of subgraphSpans) {
      expect(tree.parentOf(span)?.name, `${span.name}'s parent`).toBe(`fetch ${span.attributes['c360.subgraph']}`);
    }
    const backendSpans = spans.filter((s) => s.attributes['c360.backend.system'] !== undefined);
    for (const span of backendSpans) expect(tree.descends(span, root), `${span.name} descends from the gateway span`).toBe(true);
    const count = (backend: string) => backendSpans.filter((s) => s.attributes['c360.backend.system'] === backend).length;
    expect({ odoo: count('odoo'), salesforce: count('salesforce'), zendesk: count('servicedesk') }).toEqual(served);
    expect(served.odoo + served.salesforce + served.zendesk).toBeGreaterThan(0);
  });
});
