import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type TracingHandle } from '../../platform/observability/tracing.js';
import { CUSTOMER_360 } from '../queries.js';
import { spanTree, startOtlpReceiver } from '../support/otlp-receiver.js';
import { startTestSystem, testSettings, type TestSystem } from '../support/system.js';

/**
 * With `TRACE_GATEWAY_PHASES=true` the trace also holds @apollo/gateway's own spans: they find
 * their parent in the active context, where the gateway's request span is made the active one, so
 * they hang under it; the gateway's fetch spans and the subgraphs' spans keep their places.
 */
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let tracing: TracingHandle | undefined;
let system: TestSystem;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  tracing = await startTracing({ serviceName: 'customer360-test', env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', TRACE_GATEWAY_PHASES: 'true' } });
  system = await startTestSystem({ settings: testSettings() });
});
afterAll(async () => {
  await system?.close();
  await tracing?.shutdown();
  await receiver?.close();
});

describe('the trace with TRACE_GATEWAY_PHASES=true', () => {
  it("holds @apollo/gateway's spans under the gateway's request span, beside its fetch spans", async () => {
    const answer = await system.query(CUSTOMER_360, { id: system.skeleton!.examples.manyOrders }, { token: await system.token('support_agent') });
    expect(answer.data?.customer).toBeTruthy();
    await tracing!.flush();
    const root = receiver.spans.find((s) => s.name === 'gateway request')!;
    const spans = receiver.spans.filter((s) => s.traceId === root.traceId);
    const tree = spanTree(spans);
    const parentOf = (name: string) => [...new Set(spans.filter((s) => s.name === name).map((s) => tree.parentOf(s)?.name))];
    expect(parentOf('gateway.request')).toEqual(['gateway request']);
    expect(parentOf('gateway.plan')).toEqual(['gateway.request']);
    expect(parentOf('gateway.fetch')).toEqual(['gateway.execute']);
    expect(spans.filter((s) => s.name.startsWith('fetch ')).length).toBeGreaterThanOrEqual(5);
    expect(parentOf('fetch orders')).toEqual(['gateway request']);
    for (const span of spans.filter((s) => s.name.startsWith('subgraph '))) expect(tree.parentOf(span)?.name).toBe(`fetch ${span.attributes['c360.subgraph']}`);
  });
});
