import { createGatewayServer, type GatewayServerOptions, type RunningGateway } from '../../gateway/src/server.js';
import { supergraphForApolloGateway } from '../../gateway/src/auth/supergraph-for-gateway.js';
import { SUPERGRAPH_SDL } from '../../gateway/src/plugins/test-api-schema.js';
import { metricsRegistry } from '../../platform/metrics/registry.js';
import { createTestAuth } from './stub-subgraph.js';

/** One answer of the test gateway. */
export interface Answer {
  status: number;
  cache: string | null;
  body: {
    data?: Record<string, { id?: string; number?: string | null; status?: string } | null>;
    errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string } }>;
    extensions?: { stale?: Array<Record<string, unknown>> };
  };
}

/** A gateway over the committed supergraph with every subgraph at `urls` (by name, default `url`). */
export async function startTestGateway(url: string, options: Partial<GatewayServerOptions> = {}, urls: Record<string, string> = {}) {
  const names = ['accounts', 'orders', 'stock', 'invoices', 'cases'];
  const built = await createGatewayServer({
    supergraphSdl: supergraphForApolloGateway(SUPERGRAPH_SDL),
    subgraphUrls: Object.fromEntries(names.map((n) => [n, urls[n] ?? url])),
    auth: createTestAuth(),
    ...options,
  });
  const running: RunningGateway = await built.listen(0);
  const post = async (query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> => {
    const res = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
    return { status: res.status, cache: res.headers.get('x-cache'), body: (await res.json()) as Answer['body'] };
  };
  return { running, post, cache: built.responseCache };
}

/** The sum of a metric's values over the series matching `labels`. */
export async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}
