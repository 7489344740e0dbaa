import { describe, expect, it } from 'vitest';
import { createContextKey, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { startOtlpReceiver } from '../../test/support/otlp-receiver.js';
import { createLogger } from '../logging/logger.js';
import { currentScope, runInScope } from './request-scope.js';
import { ELIDING_TRACER, inHandedOnSpan, injectTraceHeaders, sharedStoreContextManager, SpanKind, startChildSpan, startTracing, tracingSettingsFromEnv } from './tracing.js';

describe('tracing settings from the OTEL_* variables', () => {
  it('are off without an endpoint, when disabled, or with the none exporter', () => {
    expect(tracingSettingsFromEnv({}, 'svc')).toBeUndefined();
    expect(tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }, 'svc')).toBeUndefined();
    expect(tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }, 'svc')).toBeUndefined();
  });

  it('take the endpoint, protobuf by default, the service name and the SDK defaults for batching', () => {
    expect(tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }, 'svc')).toEqual({ url: 'http://c:4318/v1/traces', protocol: 'http/protobuf', serviceName: 'svc', batch: {}, gatewayPhases: false });
    expect(tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/t', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'gw' }, 'svc')).toMatchObject({ url: 'http://c:4318/t', protocol: 'http/json', serviceName: 'gw' });
  });

  it('take the batch span processor variables, refusing values the processor cannot use', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(tracingSettingsFromEnv({ ...env, OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64', OTEL_BSP_MAX_QUEUE_SIZE: '4096', OTEL_BSP_EXPORT_TIMEOUT: '10000' }, 'svc')?.batch).toEqual({
      scheduledDelayMillis: 200,
      maxExportBatchSize: 64,
      maxQueueSize: 4096,
      exportTimeoutMillis: 10000,
    });
    expect(() => tracingSettingsFromEnv({ ...env, OTEL_BSP_SCHEDULE_DELAY: 'soon' }, 'svc')).toThrow(/OTEL_BSP_SCHEDULE_DELAY: must be a positive integer, got "soon"/);
    expect(() => tracingSettingsFromEnv({ ...env, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '0' }, 'svc')).toThrow(/OTEL_BSP_MAX_EXPORT_BATCH_SIZE/);
    expect(() => tracingSettingsFromEnv({ ...env, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096' }, 'svc')).toThrow(/must not exceed OTEL_BSP_MAX_QUEUE_SIZE \(2048\)/);
    expect(() => tracingSettingsFromEnv({ ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'svc')).toThrow(/grpc is not supported/);
  });
});

describe("@apollo/gateway's own spans", () => {
  it('are recorded only with TRACE_GATEWAY_PHASES=true, and a value that is not a boolean is refused', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(tracingSettingsFromEnv(env, 'c360')?.gatewayPhases).toBe(false);
    expect(tracingSettingsFromEnv({ ...env, TRACE_GATEWAY_PHASES: 'true' }, 'c360')?.gatewayPhases).toBe(true);
    expect(() => tracingSettingsFromEnv({ ...env, TRACE_GATEWAY_PHASES: 'yes' }, 'c360')).toThrow(/TRACE_GATEWAY_PHASES/);
  });

  it('otherwise run their callbacks with a span that records nothing, in the context they were called in', () => {
    const KEY = createContextKey('test.key');
    const manager = new (sharedStoreContextManager(AsyncLocalStorageContextManager))().enable();
    const outer = ROOT_CONTEXT.setValue(KEY, 'outer');
    const seen = manager.with(outer, () => ELIDING_TRACER.startActiveSpan('gateway.fetch', { attributes: {} }, (span) => [span.isRecording(), manager.active().getValue(KEY)]));
    expect(seen).toEqual([false, 'outer']);
    expect(ELIDING_TRACER.startActiveSpan('gateway.request', (span) => span.isRecording())).toBe(false);
    expect(ELIDING_TRACER.startSpan('gateway.plan').isRecording()).toBe(false);
    manager.disable();
  });
});

describe('spans handed on explicitly, in a process with no context manager (the gateway alone)', () => {
  it('nest by hand: a child of the request span, its context in traceparent, while the active context stays empty', async () => {
    const receiver = await startOtlpReceiver();
    const tracing = await startTracing({ serviceName: 'tracing-test', asyncContext: false, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } });
    try {
      const seen = await inHandedOnSpan('gateway request', { kind: SpanKind.SERVER }, async (span) => {
        await new Promise((done) => setTimeout(done, 1));
        const child = startChildSpan(span, 'fetch orders', { kind: SpanKind.CLIENT })!;
        const headers: Record<string, string> = {};
        injectTraceHeaders((name, value) => (headers[name] = value), child);
        child.end();
        return { span: span!.spanContext(), child: child.spanContext(), parent: (child as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId, headers, active: trace.getActiveSpan() };
      });
      expect(seen.span.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(seen.child.traceId).toBe(seen.span.traceId);
      expect(seen.parent).toBe(seen.span.spanId);
      expect(seen.headers.traceparent).toBe(`00-${seen.span.traceId}-${seen.child.spanId}-01`);
      expect(seen.active).toBeUndefined();
      expect(startChildSpan(undefined, 'fetch orders')).toBeUndefined();
      await tracing!.flush();
      expect(receiver.spans.map((s) => [s.name, s.traceId, s.spanId, s.parentSpanId ?? null])).toEqual([
        ['fetch orders', seen.span.traceId, seen.child.spanId, seen.span.spanId],
        ['gateway request', seen.span.traceId, seen.span.spanId, null],
      ]);
    } finally {
      await tracing?.shutdown();
      await receiver.close();
    }
  });
});

describe('the context manager sharing the request scope storage', () => {
  it("carries the trace context and the request's scope together across awaits, each kept when the other changes, and nothing once disabled", async () => {
    const manager = new (sharedStoreContextManager(AsyncLocalStorageContextManager))().enable();
    const KEY = createContextKey('test.key');
    const traced = ROOT_CONTEXT.setValue(KEY, 'a');
    const scope = { requestId: 'req-1', log: createLogger({ level: 'silent' }), backendCalls: {} };
    const seen: unknown[] = [];
    await manager.with(traced, async () => {
      await runInScope(scope, async () => {
        await new Promise((done) => setTimeout(done, 1));
        seen.push([manager.active().getValue(KEY), currentScope()?.requestId]);
        await manager.with(traced.setValue(KEY, 'b'), async () => {
          await Promise.resolve();
          seen.push([manager.active().getValue(KEY), currentScope()?.requestId]);
        });
        seen.push([manager.active().getValue(KEY), currentScope()?.requestId]);
      });
      seen.push([manager.active().getValue(KEY), currentScope()?.requestId]);
    });
    seen.push([manager.active().getValue(KEY), currentScope()?.requestId]);
    expect(seen).toEqual([
      ['a', 'req-1'],
      ['b', 'req-1'],
      ['a', 'req-1'],
      ['a', undefined],
      [undefined, undefined],
    ]);
    const bound = manager.bind(traced, () => manager.active().getValue(KEY));
    expect(bound()).toBe('a');
    manager.disable();
    expect(manager.with(traced, () => manager.active())).toBe(ROOT_CONTEXT);
  });
});
