import { describe, expect, it } from 'vitest';
import { createContextKey, ROOT_CONTEXT, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger } from '../logging/logger.js';
import { currentScope, runInScope } from './request-scope.js';
import { sharedStoreContextManager, tracingSettingsFromEnv, withoutPhaseSpans } from './tracing.js';

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

describe("@apollo/gateway's phase spans", () => {
  it('are kept only with TRACE_GATEWAY_PHASES=true, and a value that is not a boolean is refused', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(tracingSettingsFromEnv(env, 'c360')?.gatewayPhases).toBe(false);
    expect(tracingSettingsFromEnv({ ...env, TRACE_GATEWAY_PHASES: 'true' }, 'c360')?.gatewayPhases).toBe(true);
    expect(() => tracingSettingsFromEnv({ ...env, TRACE_GATEWAY_PHASES: 'yes' }, 'c360')).toThrow(/TRACE_GATEWAY_PHASES/);
  });

  it('run their callbacks with a span that records nothing; other spans reach the tracer', () => {
    const started: string[] = [];
    const inner = {
      startSpan: (name: string) => (started.push(`span ${name}`), undefined as unknown as Span),
      startActiveSpan: (name: string, ...rest: unknown[]) => (started.push(`active ${name}`), (rest[rest.length - 1] as (s: unknown) => unknown)('inner span')),
    } as unknown as Tracer;
    const tracer = withoutPhaseSpans(inner);
    // The context stays the caller's (nothing is entered): test/observability shows gateway.fetch's parent is gateway.request.
    expect(tracer.startActiveSpan('gateway.execute', { attributes: {} }, (span) => span.isRecording())).toBe(false);
    expect(tracer.startActiveSpan('gateway.postprocessing', (span) => span.isRecording())).toBe(false);
    expect(tracer.startActiveSpan('gateway.fetch', (span) => span)).toBe('inner span');
    tracer.startSpan('gateway.validate');
    expect(started).toEqual(['active gateway.fetch', 'span gateway.validate']);
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
