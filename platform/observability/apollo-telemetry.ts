/**
 * @apollo/gateway sends anonymous usage data to Apollo's servers unless APOLLO_TELEMETRY_DISABLED
 * is set when a gateway is constructed. We default it to `true` (our traces and metrics are our
 * own, and a gateway behind a firewall should not call out); an operator who set it keeps their value.
 */
export function disableApolloTelemetryByDefault(env: Record<string, string | undefined> = process.env): void {
  if (env.APOLLO_TELEMETRY_DISABLED === undefined || env.APOLLO_TELEMETRY_DISABLED === '') env.APOLLO_TELEMETRY_DISABLED = 'true';
}
