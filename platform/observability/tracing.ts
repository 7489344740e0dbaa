import { context, createContextKey, INVALID_SPAN_CONTEXT, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { NO_FIELDS, setLogMixin } from '../logging/logger.js';
import { carriedTraceContext, enterTraceContext, runWithTraceContext } from './request-scope.js';

/**
 * Tracing over `@opentelemetry/api`. Off unless an OTLP endpoint is configured: then no SDK is
 * loaded, no context manager runs, and every helper here is a branch on one boolean.
 *
 * The gateway hands its spans on explicitly (the request's span to each subgraph fetch's, that one's
 * context to the subgraph in `traceparent`), so that a process running the gateway alone needs no
 * context manager, whose AsyncLocalStorage would put hooks on every promise of the process; the
 * subgraphs' spans (their operation, each backend call) find their parent in the active context.
 * @apollo/gateway writes spans of its own (`gateway.request/plan/fetch` and its phases) through
 * the same API; they are recorded only with `TRACE_GATEWAY_PHASES=true`.
 */

type Env = Record<string, string | undefined>;

/** The OTLP protocols we export over. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** What the standard `OTEL_*` variables say about traces. */
export interface TracingSettings {
  /** Where spans go: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  url: string;
  /** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` or `OTEL_EXPORTER_OTLP_PROTOCOL` (default `http/protobuf`, as the specification says). */
  protocol: OtlpProtocol;
  /** `OTEL_SERVICE_NAME`, else the entry point's name. */
  serviceName: string;
  /** The batch span processor's `OTEL_BSP_*` settings that are set (the SDK's defaults otherwise). */
  batch: { scheduledDelayMillis?: number; maxExportBatchSize?: number; maxQueueSize?: number; exportTimeoutMillis?: number };
  /**
   * `TRACE_GATEWAY_PHASES=true`: record @apollo/gateway's own spans (`gateway.request`, `.plan`,
   * `.fetch`, `.validate`, `.execute`, `.postprocessing`) under the gateway's request span, which
   * needs a context manager in the gateway's process; default false.
   */
  gatewayPhases: boolean;
}

/** A positive integer from a variable; undefined when unset; a TypeError naming it otherwise. */
function positiveInteger(name: string, raw: string | undefined): number | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name}: must be a positive integer, got "${text}"`);
  return value;
}

/** The specification's batch span processor variables, as the SDK's options name them (the SDK reads none itself). */
function batchSettingsFromEnv(env: Env): TracingSettings['batch'] {
  const read = {
    scheduledDelayMillis: positiveInteger('OTEL_BSP_SCHEDULE_DELAY', env.OTEL_BSP_SCHEDULE_DELAY),
    maxExportBatchSize: positiveInteger('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE),
    maxQueueSize: positiveInteger('OTEL_BSP_MAX_QUEUE_SIZE', env.OTEL_BSP_MAX_QUEUE_SIZE),
    exportTimeoutMillis: positiveInteger('OTEL_BSP_EXPORT_TIMEOUT', env.OTEL_BSP_EXPORT_TIMEOUT),
  };
  const queue = read.maxQueueSize ?? 2048;
  if (read.maxExportBatchSize !== undefined && read.maxExportBatchSize > queue) {
    throw new TypeError(`OTEL_BSP_MAX_EXPORT_BATCH_SIZE: must not exceed OTEL_BSP_MAX_QUEUE_SIZE (${queue}), got ${read.maxExportBatchSize}`);
  }
  return Object.fromEntries(Object.entries(read).filter(([, v]) => v !== undefined));
}

/**
 * Reads the tracing settings; undefined when tracing is off (no endpoint, `OTEL_SDK_DISABLED=true`
 * or `OTEL_TRACES_EXPORTER=none`). Throws a TypeError naming a variable with a value we cannot use.
 */
export function tracingSettingsFromEnv(env: Env, defaultServiceName: string): TracingSettings | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter === 'none') return undefined;
  if (exporter && exporter !== 'otlp') throw new TypeError(`OTEL_TRACES_EXPORTER: only "otlp" or "none" are supported, got "${env.OTEL_TRACES_EXPORTER}"`);
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!tracesEndpoint && !endpoint) return undefined;
  const name = tracesEndpoint ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  const url = tracesEndpoint || `${endpoint!.replace(/\/+$/, '')}/v1/traces`;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
  } catch {
    throw new TypeError(`${name}: must be an http(s) URL, got "${tracesEndpoint || endpoint}"`);
  }
  const protocolName = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = ((protocolName === 'OTEL_EXPORTER_OTLP_PROTOCOL' ? env.OTEL_EXPORTER_OTLP_PROTOCOL : env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL)?.trim() || 'http/protobuf') as string;
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') throw new TypeError(`${protocolName}: must be "http/protobuf" or "http/json" (grpc is not supported), got "${protocol}"`);
  const phases = env.TRACE_GATEWAY_PHASES?.trim().toLowerCase() || 'false';
  if (phases !== 'true' && phases !== 'false') throw new TypeError(`TRACE_GATEWAY_PHASES: must be "true" or "false", got "${env.TRACE_GATEWAY_PHASES}"`);
  return { url, protocol, serviceName: env.OTEL_SERVICE_NAME?.trim() || defaultServiceName, batch: batchSettingsFromEnv(env), gatewayPhases: phases === 'true' };
}

let enabled = false;
/** Whether the gateway's request span is made the active one (for @apollo/gateway's own spans, which find their parent there). */
let activeRequestSpans = false;
let running: Promise<TracingHandle | undefined> | undefined;

/** A started tracer provider. */
export interface TracingHandle {
  /** Sends every span ended so far. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Whether spans are recorded in this process. */
export function tracingEnabled(): boolean {
  return enabled;
}

/**
 * Starts the process's tracer provider when the `OTEL_*` variables ask for it (once per process:
 * `npm start` runs every component in one process, under one provider; spans say which component
 * wrote them in `c360.component`). The sampler follows `OTEL_TRACES_SAMPLER`/`_ARG` (default
 * parent-based always-on). Loads the SDK only then. `asyncContext: false` registers no context
 * manager, for a process that runs the gateway alone (its spans are handed on explicitly); with
 * `TRACE_GATEWAY_PHASES=true` one is registered all the same, for @apollo/gateway's spans.
 */
export function startTracing(options: { serviceName: string; env?: Env; asyncContext?: boolean }): Promise<TracingHandle | undefined> {
  return (running ??= (async () => {
    const settings = tracingSettingsFromEnv(options.env ?? process.env, options.serviceName);
    if (!settings) return undefined;
    const [{ NodeTracerProvider }, { BatchSpanProcessor }, { resourceFromAttributes }, { AsyncLocalStorageContextManager }] = await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/context-async-hooks'),
    ]);
    const { OTLPTraceExporter } = settings.protocol === 'http/json' ? await import('@opentelemetry/exporter-trace-otlp-http') : await import('@opentelemetry/exporter-trace-otlp-proto');
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.url }), settings.batch)],
    });
    if (!settings.gatewayPhases) {
      // Read through @opentelemetry/api's proxy each time @apollo/gateway starts a span.
      const getTracer = provider.getTracer.bind(provider);
      provider.getTracer = (name, version, tracerOptions) => (name.startsWith(APOLLO_GATEWAY_SCOPE) ? ELIDING_TRACER : getTracer(name, version, tracerOptions));
    }
    // Registers the W3C trace-context propagator and, unless the process needs none, a context
    // manager that keeps its context in the request scope's AsyncLocalStorage (one storage for
    // both, see request-scope.ts).
    const asyncContext = options.asyncContext !== false || settings.gatewayPhases;
    provider.register({ contextManager: asyncContext ? new (sharedStoreContextManager(AsyncLocalStorageContextManager))() : null });
    activeRequestSpans = settings.gatewayPhases;
    enabled = true;
    setLogMixin(traceFields);
    return {
      flush: () => provider.forceFlush(),
      shutdown: async () => {
        enabled = false;
        await provider.shutdown();
      },
    };
  })());
}

type ContextManagerClass = typeof import('@opentelemetry/context-async-hooks').AsyncLocalStorageContextManager;

/**
 * OpenTelemetry's AsyncLocalStorage context manager (its binding of functions and emitters kept)
 * with its context kept in the request scope's storage instead of an AsyncLocalStorage of its own.
 */
export function sharedStoreContextManager(Base: ContextManagerClass): ContextManagerClass {
  return class SharedStoreContextManager extends Base {
    #enabled = false;

    override active(): Context {
      return (this.#enabled && carriedTraceContext()) || ROOT_CONTEXT;
    }

    override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
      const cb = thisArg == null ? fn : (fn.bind(thisArg) as F);
      return runWithTraceContext(ctx, cb, ...args);
    }

    override attach(ctx: Context): { dispose(): void } {
      const previous = carriedTraceContext();
      enterTraceContext(ctx);
      let disposed = false;
      return {
        dispose: () => {
          if (disposed) return;
          disposed = true;
          enterTraceContext(previous);
        },
      };
    }

    override enable(): this {
      this.#enabled = true;
      return this;
    }

    // The storage stays: the request scopes live in it.
    override disable(): this {
      this.#enabled = false;
      return this;
    }
  };
}

/** The instrumentation scope @apollo/gateway names its tracer with (`apollo/gateway-js@<version>` or without the version). */
const APOLLO_GATEWAY_SCOPE = 'apollo/gateway-js';

/** A span that records nothing and leaves the active context as it is, standing in for an elided one. */
const ELIDED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * The tracer @apollo/gateway gets unless its spans are recorded: each callback runs with a span
 * that records nothing, in the context it was called in, and a span started without a callback
 * records nothing. The gateway's request span and its fetches' spans (ours) make the trace.
 */
export const ELIDING_TRACER: Tracer = {
  startSpan: () => ELIDED,
  startActiveSpan: ((_name: string, ...rest: unknown[]) => {
    const fn = rest[rest.length - 1] as (span: Span) => unknown;
    return fn(ELIDED);
  }) as Tracer['startActiveSpan'],
};

/** The ids of the active span, for log lines. */
function traceFields(): Readonly<Record<string, unknown>> {
  const span = trace.getActiveSpan();
  if (!span) return NO_FIELDS;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

/** The trace id of the active span, when tracing is on. */
export function activeTraceId(): string | undefined {
  return enabled ? trace.getActiveSpan()?.spanContext().traceId : undefined;
}

const tracer = trace.getTracer('customer360');

/** Options of one span. */
export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent (default: the active context). */
  parent?: Context;
}

/**
 * Runs `fn` inside a new active span (ended when `fn` settles, marked as an error when it throws);
 * without tracing, runs `fn` alone with no span.
 */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!enabled) return fn(undefined);
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent, (span) => settleSpan(span, () => fn(span)));
}

/**
 * Runs `fn` with a new span (ended when `fn` settles, marked as an error when it throws) that the
 * code below hands on itself (`startChildSpan`, `injectTraceHeaders`) rather than finding it in the
 * active context: the gateway's request span. It is made the active one only when
 * @apollo/gateway's own spans are recorded. Without tracing, runs `fn` alone with no span.
 */
export function inHandedOnSpan<T>(name: string, options: SpanOptions, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!enabled) return fn(undefined);
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  return settleSpan(span, () => (activeRequestSpans ? context.with(trace.setSpan(parent, span), () => fn(span)) : fn(span)));
}

/** A new span under `parent`, handed to it explicitly; undefined without a parent (or without tracing). The caller ends it. */
export function startChildSpan(parent: Span | undefined, name: string, options: Omit<SpanOptions, 'parent'> = {}): Span | undefined {
  if (!enabled || !parent) return undefined;
  return tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, trace.setSpan(ROOT_CONTEXT, parent));
}

/** Runs `work`, marks `span` as failed by what it throws, and ends the span when it settles. */
export async function settleSpan<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * Writes a trace context into outgoing headers (W3C `traceparent`, `tracestate`): `span`'s when
 * given (handed on explicitly), else the active one. The receiver's spans continue it.
 */
export function injectTraceHeaders(set: (name: string, value: string) => void, span?: Span): void {
  if (!enabled) return;
  propagation.inject(span ? trace.setSpan(ROOT_CONTEXT, span) : context.active(), undefined, { set: (_carrier, name, value) => set(name, value) });
}

/** The trace context incoming headers carry (the active one when they carry none). */
export function extractTraceContext(headers: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(context.active(), headers);
}

const ATTEMPT = createContextKey('c360.backend.attempt');
const CACHE_RESULT = createContextKey('c360.cache.result');

/** Runs one attempt of a backend call with its number (0 first), for the backend-call span. */
export function withAttempt<T>(attempt: number, fn: () => T): T {
  return enabled ? context.with(context.active().setValue(ATTEMPT, attempt), fn) : fn();
}

/** Runs a record-cache load with why it is made (`miss`, or `stale` for a refresh), for the backend-call spans. */
export function withCacheResult<T>(result: 'miss' | 'stale', fn: () => T): T {
  return enabled ? context.with(context.active().setValue(CACHE_RESULT, result), fn) : fn();
}

/** The attempt number and cache result the caller's context carries, as span attributes. */
export function callContextAttributes(): Attributes {
  const active = context.active();
  const attempt = active.getValue(ATTEMPT);
  const cache = active.getValue(CACHE_RESULT);
  return { ...(typeof attempt === 'number' ? { 'c360.backend.attempt': attempt } : {}), ...(typeof cache === 'string' ? { 'c360.cache.result': cache } : {}) };
}

export { SpanKind, SpanStatusCode, type Span };
