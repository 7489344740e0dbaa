import { LocalGraphQLDataSource } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import type { GatewayContext } from '../context.js';

/** The name of the gateway's own subgraph in the supergraph. */
export const LOCAL_SUBGRAPH_NAME = 'gateway';
/** The URL the supergraph names for it: nothing listens there, the gateway answers it in process. */
export const LOCAL_SUBGRAPH_URL = 'local://gateway';
/** Path of its SDL (composed into the supergraph by `npm run compose`). */
export const LOCAL_SUBGRAPH_SCHEMA_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

/** The gateway's own subgraph: `Query.rateLimit`, from what demand control worked out for the request. */
export function createLocalSubgraph(): LocalGraphQLDataSource<GatewayContext> {
  const schema = buildSubgraphSchema({
    typeDefs: parse(readFileSync(LOCAL_SUBGRAPH_SCHEMA_PATH, 'utf8')),
    resolvers: {
      Query: {
        rateLimit: (_root: unknown, _args: unknown, context: GatewayContext) => {
          const cost = context.cost;
          // Without demand control, nothing is counted: an empty budget says so.
          if (!cost) return { limit: 0, cost: 0, remaining: 0, resetAt: new Date().toISOString() };
          return { limit: cost.budget.limit, cost: cost.estimate.total, remaining: cost.budget.remaining, resetAt: cost.budget.resetAt.toISOString() };
        },
      },
    } as never,
  });
  return new LocalGraphQLDataSource(schema);
}
