import { disableApolloTelemetryByDefault } from './apollo-telemetry.js';
import { startTracing, type TracingHandle } from './tracing.js';

/**
 * What a process entry point (npm start, npm run gateway, a subgraph alone) does first: Apollo's
 * own telemetry off unless the operator set APOLLO_TELEMETRY_DISABLED, and the tracer provider
 * when the `OTEL_*` variables configure an exporter (nothing is loaded otherwise). Our spans and
 * @apollo/gateway's are made through `@opentelemetry/api`, whose tracers find the provider when it
 * is registered, so no module needs to be loaded after this one. A process that runs the gateway
 * alone passes `asyncContext: false` (see `startTracing`).
 */
export async function startObservability(serviceName: string, options: { asyncContext?: boolean } = {}): Promise<TracingHandle | undefined> {
  disableApolloTelemetryByDefault();
  return startTracing({ serviceName, ...options });
}
