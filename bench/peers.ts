/**
 * The peer gateways the benchmark compares ours with, over the same subgraphs and supergraph:
 * plain @apollo/gateway (default RemoteGraphQLDataSource), and Hive Gateway with its response cache,
 * with its JavaScript query planner or with Hive Router's Rust one (`@graphql-hive/router-runtime`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { unifiedGraphHandler as rustPlannerHandler } from '@graphql-hive/router-runtime';
import InMemoryLRUCache from '@graphql-mesh/cache-inmemory-lru';

/** A started peer gateway. */
export interface RunningPeer {
  url: string;
  close(): Promise<void>;
}

/** The supergraph with each subgraph's URL replaced by where it runs now (everything else byte for byte). */
export function withSubgraphUrls(supergraphSdl: string, urls: Record<string, string>): string {
  return supergraphSdl.replace(/@join__graph\(name:\s*"([^"]+)",\s*url:\s*"([^"]*)"\)/g, (whole, name: string) => {
    const url = urls[name];
    return url ? `@join__graph(name: "${name}", url: "${url}")` : whole;
  });
}

/** Plain Apollo Server + @apollo/gateway, as a team would run it out of the box. */
export async function startApolloPeer(supergraphSdl: string): Promise<RunningPeer> {
  const server = new ApolloServer({
    gateway: new ApolloGateway({ supergraphSdl }),
    plugins: [ApolloServerPluginUsageReportingDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, close: () => server.stop() };
}

/** Options of the Hive Gateway peer. */
export interface HivePeerOptions {
  /** Response cache TTL for data no rule names, in ms (default 30 000). */
  defaultTtlMs?: number;
  /** Response cache on (default true). */
  responseCache?: boolean;
  /** Plans with Hive Router's Rust query planner and executor (`@graphql-hive/router-runtime`) instead of the default JavaScript runtime. */
  rustPlanner?: boolean;
}

/**
 * Hive Gateway (gateway-runtime) over the supergraph, with its response cache keyed per
 * Authorization header (one session per token), TTLs from the supergraph's `@cacheControl`, and
 * cache metadata in `extensions.responseCache`.
 */
export async function startHivePeer(supergraphSdl: string, options: HivePeerOptions = {}): Promise<RunningPeer> {
  const cacheOn = options.responseCache ?? true;
  const cache = new InMemoryLRUCache({ max: 100_000 });
  const runtime = createGatewayRuntime({
    supergraph: supergraphSdl,
    logging: false,
    cache,
    ...(options.rustPlanner ? { unifiedGraphHandler: rustPlannerHandler } : {}),
    ...(cacheOn
      ? {
          responseCaching: {
            // Per-type and per-field TTLs: Hive reads the @cacheControl(maxAge:) the supergraph composes, as ours does.
            ttl: options.defaultTtlMs ?? 30_000,
            session: (request: Request) => request.headers.get('authorization') ?? null,
            includeExtensionMetadata: true,
          },
        }
      : {}),
  });
  const server: Server = createServer(runtime);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await runtime[Symbol.asyncDispose]?.();
      cache[Symbol.dispose]?.();
    },
  };
}
